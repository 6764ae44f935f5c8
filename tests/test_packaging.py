"""Every packaging path a maintainer ships through: sdists (plain and vendored),
editable modes, config settings, abi3, metadata without compiling, manylinux."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import (
    CRATES,
    EXAMPLE,
    EXT_SUFFIX,
    CopyProject,
    Venv,
    audit_abi3,
    find_cpython,
    own_venv,
    pip_wheel,
    run,
)

pytestmark = [pytest.mark.integration, pytest.mark.network]


def pip(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pip", *args], env=env, check=check)


def build_sdist(project: Path, out: Path, env: dict[str, str], *extra: str) -> Path:
    run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), *extra, str(project)],
        env=env,
    )
    (sdist,) = out.glob("*.tar.gz")
    return sdist


def test_sdist_has_what_cargo_needs_and_builds_from_empty_dir(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    (project / "python" / "example_crate" / f"_native{EXT_SUFFIX}").write_bytes(b"stale build")
    sdist = build_sdist(project, tmp_path / "sdist", build_env)
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in (
        "Cargo.toml",
        "Cargo.lock",
        "src/lib.rs",
        "src/python/mod.rs",
        "src/bin/example-wc.rs",
        "pyproject.toml",
        "python/example_crate/__init__.py",
        "python/example_crate/_native.pyi",
        "python/example_crate/py.typed",
    ):
        assert needed in names, needed
    assert not [n for n in names if n.endswith(".so") or n.startswith("target/")]
    assert not any(n.startswith("vendor/") for n in names)
    # pip unpacks the sdist into an empty temporary directory and builds there.
    wheel = pip_wheel(sdist, tmp_path / "dist", build_env)
    fresh_venv.pip("install", str(wheel))
    assert (
        fresh_venv.python_run("import example_crate as e; print(e.sum_as_string(1, 2))").strip()
        == "3"
    )


def test_sdist_includes_path_dependencies_and_workspace(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A crate in a workspace with a path dependency: the sdist holds the workspace
    manifest, the lock file, the member and the dependency, and builds."""
    project = copy_project(CRATES / "ffi", "wsproject")
    helper = project / "crates" / "helper"
    (helper / "src").mkdir(parents=True)
    (helper / "Cargo.toml").write_text(
        '[package]\nname = "helper"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (helper / "src" / "lib.rs").write_text("pub fn offset() -> i64 { 100 }\n")
    manifest = project / "Cargo.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[dependencies]\nhelper = { path = "crates/helper" }\n'
        + '\n[workspace]\nmembers = ["crates/helper"]\n'
    )
    lib = project / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("a + b", "a + b + helper::offset() - 100"))
    (project / "notes-not-for-cargo.txt").write_text("not in the package")
    env = {**build_env}
    run(["cargo", "generate-lockfile", "--offline"], cwd=project, env=env)
    sdist = build_sdist(project, tmp_path / "sdist", env)
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "crates/helper/Cargo.toml",
        "crates/helper/src/lib.rs",
    } <= names
    assert pip_wheel(sdist, tmp_path / "dist", env).name.startswith("ffi_demo-0.1.0-")


def test_vendored_sdist_builds_offline_and_keeps_user_cargo_config(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    user_config = project / ".cargo" / "config.toml"
    user_config.parent.mkdir()
    user_config.write_text('[env]\nEXAMPLE_USER_SETTING = "kept"\n')
    sdist = build_sdist(project, tmp_path / "sdist", build_env, "-C", "buildrs.vendor=true")
    assert user_config.read_text() == '[env]\nEXAMPLE_USER_SETTING = "kept"\n'
    assert not (project / "vendor").exists()
    with tarfile.open(sdist) as archive:
        root = archive.getnames()[0].split("/")[0]
        config = archive.extractfile(f"{root}/.cargo/config.toml")
        assert config is not None
        text = config.read().decode()
        assert any(n.startswith(f"{root}/vendor/pyo3-") for n in archive.getnames())
    assert 'EXAMPLE_USER_SETTING = "kept"' in text
    assert 'replace-with = "vendored-sources"' in text
    empty_home = tmp_path / "empty-cargo-home"
    empty_home.mkdir()
    offline = {
        **build_env,
        "CARGO_NET_OFFLINE": "true",
        "CARGO_HOME": str(empty_home),
        "RUSTUP_HOME": str(Path.home() / ".rustup"),
    }
    offline["PATH"] = f"{Path.home() / '.cargo' / 'bin'}:{offline['PATH']}"
    wheel = pip_wheel(sdist, tmp_path / "dist", offline)
    assert not (empty_home / "registry").exists(), "cargo fetched crates into CARGO_HOME"
    fresh_venv.pip("install", str(wheel))
    assert (
        fresh_venv.python_run("import example_crate as e; print(e.sum_as_string(2, 2))").strip()
        == "4"
    )


def test_strict_editable_install_imports(copy_project: CopyProject, fresh_venv: Venv) -> None:
    project = copy_project(EXAMPLE)
    fresh_venv.pip("install", "-e", str(project), "--config-settings", "editable_mode=strict")
    built = project / "python" / "example_crate" / f"_native{EXT_SUFFIX}"
    assert built.is_file()
    out = fresh_venv.python_run(
        "import os, example_crate as e, example_crate._native as n; "
        "print(os.path.realpath(n.__file__)); print(e.sum_as_string(40, 2))"
    )
    assert out.split() == [str(built.resolve()), "42"]
    # Scripts from Rust binaries are installed for editable installs too.
    wc = subprocess.run(
        [str(fresh_venv.bin / "example-wc"), "a"], input="a b a\n", capture_output=True, text=True
    )
    assert (wc.returncode, wc.stdout.strip()) == (0, "2")


def test_editable_uses_dev_profile_and_regular_install_wins(
    copy_project: CopyProject, fresh_venv: Venv, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    env = {k: v for k, v in build_env.items() if k != "BUILDRS_PROFILE"}
    editable = Venv(fresh_venv.path, env)
    result = editable.pip("install", "-v", "-e", str(project))
    assert "building example_crate._native (dev profile)" in result.stdout + result.stderr
    # A regular install elsewhere uses the release build from its own wheel, not
    # the debug module sitting in the source tree.
    other_path = tmp_path / "regular"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(other_path)
    regular = Venv(other_path, env)
    result = regular.pip("install", "-v", str(project))
    assert "building example_crate._native (release profile)" in result.stdout + result.stderr
    where = regular.python_run("import example_crate._native as n; print(n.__file__)")
    assert where.strip().startswith(str(other_path))


def test_config_settings_choose_profile_features_and_args(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    # BUILDRS_PROFILE (set for the whole suite) would win over -C buildrs.profile.
    env = {k: v for k, v in build_env.items() if k != "BUILDRS_PROFILE"}
    result = pip(
        "wheel", "-v", "--no-deps", "-w", str(tmp_path / "dist"), str(project),
        "-C", "buildrs.profile=release", "-C", "buildrs.cargo-args=--locked",
        env=env,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert "building example_crate._native (release profile)" in output
    assert "--release --locked" in output
    bad = pip(
        "wheel", "--no-deps", "-w", str(tmp_path / "dist2"), str(project),
        "-C", "buildrs.profil=dev", env=build_env, check=False,
    )  # fmt: skip
    assert bad.returncode != 0
    assert (
        "unknown buildrs setting 'buildrs.profil' — did you mean 'buildrs.profile'?"
        in bad.stderr + bad.stdout
    )
    assert "Traceback" not in bad.stderr + bad.stdout


def other_cpythons() -> list[str]:
    """Working CPython 3.9+ interpreters other than this one."""
    found = (find_cpython(minor) for minor in range(9, 16) if minor != sys.version_info[1])
    return [exe for exe in found if exe]


@pytest.mark.multi_python
def test_abi3_wheel_is_tagged_and_imports_on_every_cpython(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(CRATES / "abi3")
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert wheel.name == f"abi3_demo-0.1.0-cp39-abi3-{platform}.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert "abi3_demo/_abi3demo.abi3.so" in archive.namelist()
        assert "Tag: cp39-abi3-" in archive.read("abi3_demo-0.1.0.dist-info/WHEEL").decode()
    audit_abi3(wheel, "3.9")
    interpreters = [sys.executable, *other_cpythons()]
    if len(interpreters) == 1:
        pytest.skip("no other CPython 3.9+ is installed here to import the abi3 wheel with")
    for index, exe in enumerate(interpreters):
        # Each interpreter's own pip decides whether the wheel's tags fit it.
        target = tmp_path / f"venv{index}"
        python = own_venv(exe, target)
        run(
            [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
            env=build_env,
        )
        version = run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
        ).stdout.strip()
        greeting = run(
            [python, "-c", "import abi3_demo; print(abi3_demo.hello('abi3'))"], cwd=target
        )
        assert greeting.stdout.strip() == f"hello abi3 from Python {version}"


def test_metadata_and_dry_run_never_run_cargo(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    log = tmp_path / "cargo-calls.log"
    tripwire = tmp_path / "cargo"
    tripwire.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexit 1\n')
    tripwire.chmod(0o755)
    env = {**build_env, "CARGO": str(tripwire), "CARGO_NET_OFFLINE": "true"}
    report = tmp_path / "report.json"
    pip(
        "install", "--dry-run", "--ignore-installed", "--report", str(report), str(project), env=env
    )
    installs = json.loads(report.read_text())["install"]
    assert [i["metadata"]["name"] for i in installs] == ["example-crate"]
    assert not log.exists(), log.read_text()


def test_wheel_is_manylinux_compatible(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    project = copy_project(EXAMPLE)
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    shown = run([sys.executable, "-m", "auditwheel", "show", str(wheel)], env=build_env)
    assert "manylinux_" in shown.stdout, shown.stdout
    assert "libpython" not in shown.stdout

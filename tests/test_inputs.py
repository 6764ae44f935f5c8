"""What a build script's output tells the change detector (``compile.inputs``): the
variables and files cargo reruns it for, or that it cannot be known (no rerun-if-*
line in a local package: cargo then reruns it when any file of the package
changes), and what is installed, which a kept wheel rests on. Built and reused for
real in ``test_reuse.py`` and ``test_release.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrs.compile.inputs import _build_script_inputs
from buildrs.wheel.installed import versions

LOCAL = "path+file:///work/demo#0.1.0"
REGISTRY = "registry+https://github.com/rust-lang/crates.io-index#libc@0.2.183"


@pytest.mark.parametrize(
    ("package_id", "lines", "expected"),
    [
        (LOCAL, [], None),
        (LOCAL, ["cargo:rustc-link-lib=dylib=greet"], None),
        (LOCAL, ["cargo:rerun-if-env-changed=GREET_PREFIX"], ({"GREET_PREFIX": "/p"}, [])),
        (LOCAL, ["cargo::rerun-if-env-changed=UNSET"], ({"UNSET": None}, [])),
        (LOCAL, ["cargo:rerun-if-changed=build.rs"], ({}, ["/work/demo/build.rs"])),
        (
            LOCAL,
            ["cargo:rerun-if-changed=wrapper.h", "cargo:rerun-if-env-changed=GREET_PREFIX"],
            ({"GREET_PREFIX": "/p"}, ["/work/demo/wrapper.h"]),
        ),
        # a registry crate's files never change: what it prints is all there is
        (REGISTRY, [], ({}, [])),
        (REGISTRY, ["cargo:rerun-if-changed=build.rs"], ({}, [])),
    ],
)
def test_build_script_output_says_what_reruns_it(
    tmp_path: Path, package_id: str, lines: list[str], expected: object
) -> None:
    (tmp_path / "output").write_text("".join(f"{line}\n" for line in lines))
    files: dict[str, object] = {}
    watched: dict[str, str | None] = {}
    known = _build_script_inputs(
        {package_id: str(tmp_path / "out")}, files, watched, {"GREET_PREFIX": "/p"}
    )
    found = (watched, sorted(files)) if known else None
    assert found == expected


def test_vendored_copies_are_not_installed_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """setuptools puts its ``_vendor`` folder (holding a wheel-*.dist-info) on
    sys.path when it is imported: what is installed must read the same whether or
    not it was, or a kept wheel would not hold after a run that imported it."""
    site = tmp_path / "site-packages"
    vendor = site / "setuptools" / "_vendor"
    (site / "setuptools-80.0.0.dist-info").mkdir(parents=True)
    (vendor / "wheel-0.45.1.dist-info").mkdir(parents=True)
    monkeypatch.setattr("sys.path", [str(site)])
    before = versions(tmp_path / "project", ["setuptools", "wheel"])
    monkeypatch.setattr("sys.path", [str(site), str(vendor)])
    assert versions(tmp_path / "project", ["setuptools", "wheel"]) == before
    assert before == ["setuptools==80.0.0"]

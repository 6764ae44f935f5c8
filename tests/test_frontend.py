"""The front end of `wheels --no-isolation`: which requirements an environment does
not meet, and hooks called in this process leave it as they found it."""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

import pytest

from buildrs.cli import frontend
from buildrs.cli.wheels import build_wheels
from buildrs.errors import ConfigError
from buildrs.plan.interpreter import Python

PYTEST = metadata.version("pytest")


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("pytest", []),
        ("pytest>=1", []),
        ("PyTest>=1", []),
        ("pytest<1", [["pytest<1", f"pytest {PYTEST} is installed"]]),
        ("no-such-distribution-here", [["no-such-distribution-here", "not installed"]]),
        ("no-such-distribution-here; python_version < '3'", []),
        ("no-such-distribution-here; extra == 'x'", []),
        ("pytest!!", [["pytest!!", "not a valid requirement"]]),
        # An extra brings in what it adds, not the distribution's other requirements.
        ("buildrs[templates]", []),
    ],
)
def test_unmet(requirement: str, expected: list[list[str]]) -> None:
    found = frontend.unmet([requirement])
    assert [[text, why.split(":")[0]] for text, why in found] == expected


def test_an_extra_names_the_missing_requirement_it_adds(tmp_path: Path) -> None:
    # A distribution whose extra needs what is not installed.
    info = tmp_path / "demo_dist-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: demo-dist\nVersion: 1.0\n"
        "Requires-Dist: no-such-base-requirement\n"
        "Requires-Dist: no-such-distribution-here>=2; extra == 'fast'\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        assert frontend.unmet(["demo-dist[fast]"]) == [
            ["no-such-distribution-here>=2; extra == 'fast'", "not installed, for demo-dist[fast]"]
        ]
        assert frontend.unmet(["demo-dist>=1"]) == []
    finally:
        sys.path.remove(str(tmp_path))


BACKEND = """
import os, sys

def get_requires_for_build_wheel(config_settings=None):
    return ["pytest"]

def build_wheel(wheel_directory, config_settings=None):
    print("building in", os.getcwd())
    if os.environ.get("DEMO_FAIL"):
        raise SystemExit("error: the demo backend was told to fail")
    os.chdir(wheel_directory)
    sys.path.append("somewhere")
    os.environ["DEMO_SET"] = "1"
    name = "demo-1.0-py3-none-any.whl"
    open(name, "w").close()
    return name
"""


@pytest.mark.parametrize("fail", [False, True])
def test_hooks_in_this_process_leave_it_as_found(
    tmp_path: Path, fail: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "demo_backend.py").write_text(BACKEND)
    out = tmp_path / "out"
    out.mkdir()
    request = {
        "project": str(tmp_path),
        "out": str(out),
        "requires": [],
        "backend_name": "demo_backend",
        "backend_path": [str(tmp_path / "backend")],
    }
    before = (os.getcwd(), list(sys.path), dict(os.environ))
    env = {"DEMO_FAIL": "1"} if fail else {"DEMO_OTHER": "x"}
    answer, printed = frontend.build_here(request, env)
    sys.modules.pop("demo_backend", None)
    assert (os.getcwd(), sys.path, dict(os.environ)) == before
    assert printed == [f"building in {tmp_path}"]
    if fail:
        assert answer is None
        assert "error: the demo backend was told to fail" in capsys.readouterr().err
    else:
        assert answer == {"wheel": "demo-1.0-py3-none-any.whl"}
        assert (out / "demo-1.0-py3-none-any.whl").is_file()


def test_two_interpreters_of_one_name_are_refused(tmp_path: Path) -> None:
    first, second = (
        Python(exe, exe, "cpython", (3, 12), ".so", "", "linux-x86_64", "linux")
        for exe in ("/a/bin/python", "/b/bin/python")
    )
    with pytest.raises(ConfigError, match=r"/a/bin/python and /b/bin/python are both cpython3\.12"):
        build_wheels(tmp_path, [first, second], tmp_path / "dist", {})

"""Every route to a wheel gives the same wheel, and refuses what setuptools refuses.

Each kind of difference once found between the Python part buildrs makes from
``[project]`` and the one setuptools makes is built here both ways through real
pip (``BUILDRS_NO_FAST_PATH=1``: setuptools makes the part) and the wheels compared
entry by entry; each check setuptools' route has holds on buildrs' own route too.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from conftest import both_ways, failing_build, wheel_entries

pytestmark = [pytest.mark.integration]

DIRECT = "the Python part: buildrs makes it from [project]"
BY_SETUPTOOLS = "the Python part: setuptools makes it"


def project(
    root: Path,
    crate: Path,
    table: str = "",
    tool: str = "",
    files: Mapping[str, str] | None = None,
    target: str = "pkg._native",
) -> Path:
    """A project whose module ``target`` is built from ``crate``: ``table`` added to
    ``[project]``, ``tool`` to pyproject.toml, and ``files`` (``pkg/__init__.py`` by
    default)."""
    root.mkdir(parents=True)
    targets = f'[[tool.buildrs.ext-modules]]\ntarget = "{target}"\n' if target else ""
    targets += f'binding = "NoBinding"\npath = "{crate / "Cargo.toml"}"\n' if target else ""
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70", "buildrs"]\n'
        'build-backend = "buildrs.build_meta"\n\n'
        f'[project]\nname = "demo"\nversion = "1.0"\n{table}\n\n'
        f"[tool.buildrs]\n{targets}\n{tool}\n"
    )
    for name, text in (files if files is not None else {"pkg/__init__.py": "X = 1\n"}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def modes(wheel: Path) -> dict[str, int]:
    with zipfile.ZipFile(wheel) as archive:
        return {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in archive.infolist()}


def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_readme_and_licence_files_in_a_package_ship_as_its_data(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    files = {
        "pkg/__init__.py": "X = 1\n",
        "pkg/README.md": "# Vendored\n",
        "pkg/LICENSE.vendored": "MIT\n",
    }
    table = 'readme = "pkg/README.md"\nlicense = "MIT"\nlicense-files = ["pkg/LICENSE.vendored"]'
    root = project(tmp_path / "demo", crate, table, files=files)
    ours, theirs, log, _ = both_ways(root, build_env, tmp_path)
    assert wheel_entries(ours) == wheel_entries(theirs)
    assert DIRECT in log
    assert {"pkg/README.md", "pkg/LICENSE.vendored"} <= set(names(ours))
    assert "demo-1.0.dist-info/licenses/pkg/LICENSE.vendored" in names(ours)


def test_excluded_package_data_is_matched_as_written(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    """``package-dir = {"" = "."}``: setuptools matches ``./pkg/secret.txt``."""
    files = {
        "pkg/__init__.py": "X = 1\n",
        "pkg/public.txt": "public\n",
        "pkg/secret.txt": "secret\n",
        "pkg/data/public.json": "{}\n",
        "pkg/data/private.json": "{}\n",
    }
    tool = (
        '[tool.setuptools]\npackages = ["pkg"]\npackage-dir = {"" = "."}\n'
        '[tool.setuptools.package-data]\npkg = ["*.txt", "data/*.json"]\n'
        '[tool.setuptools.exclude-package-data]\npkg = ["secret.txt", "data/private.json"]\n'
    )
    root = project(tmp_path / "demo", crate, tool=tool, files=files)
    ours, theirs, log, _ = both_ways(root, build_env, tmp_path)
    assert wheel_entries(ours) == wheel_entries(theirs)
    assert DIRECT in log
    shipped = set(names(ours))
    assert {"pkg/public.txt", "pkg/data/public.json"} <= shipped
    assert not {"pkg/secret.txt", "pkg/data/private.json"} & shipped


def test_a_namespace_package_ships_no_bytecode(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    files = {
        "ns/pkg/__init__.py": "X = 1\n",
        "ns/pkg/table.csv": "a,b\n",
        "ns/pkg/__pycache__/__init__.cpython-311.pyc": "bytecode",
        "ns/__pycache__/stray.cpython-311.pyc": "bytecode",
    }
    tool = '[tool.setuptools.package-data]\n"*" = ["*"]\n'
    root = project(tmp_path / "demo", crate, tool=tool, files=files, target="ns.pkg._native")
    ours, theirs, log, _ = both_ways(root, build_env, tmp_path)
    assert wheel_entries(ours) == wheel_entries(theirs)
    assert DIRECT in log
    assert "ns/pkg/table.csv" in names(ours)
    assert not [name for name in names(ours) if "__pycache__" in name]


def test_modes_are_setuptools_whatever_the_sources_and_the_umask(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    files = {
        "pkg/__init__.py": "X = 1\n",
        "pkg/locked.py": "Y = 2\n",
        "pkg/tool.py": "Z = 3\n",
        "pkg/run.sh": "#!/bin/sh\n",
    }
    tool = '[tool.setuptools.package-data]\npkg = ["*.sh"]\n'
    root = project(tmp_path / "demo", crate, tool=tool, files=files)
    (root / "pkg" / "locked.py").chmod(0o444)
    (root / "pkg" / "tool.py").chmod(0o755)
    (root / "pkg" / "run.sh").chmod(0o755)
    ours, theirs, log, _ = both_ways(root, build_env, tmp_path, umask=0o002)
    assert wheel_entries(ours) == wheel_entries(theirs)
    assert DIRECT in log
    found = modes(ours)
    assert found["pkg/locked.py"] == found["pkg/tool.py"] == 0o664  # written anew
    assert found["pkg/run.sh"] == 0o755  # package data keeps its mode
    assert found["demo-1.0.dist-info/METADATA"] == 0o644


def test_zip_safe_and_an_empty_author(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    table = 'authors = [{name = ""}]'
    root = project(tmp_path / "demo", crate, table, tool="[tool.setuptools]\nzip-safe = true\n")
    ours, theirs, log, _ = both_ways(root, build_env, tmp_path)
    assert wheel_entries(ours) == wheel_entries(theirs)
    assert DIRECT in log
    with zipfile.ZipFile(ours) as archive:
        assert archive.read("demo-1.0.dist-info/zip-safe") == b"\n"
        assert "\nAuthor: \n" in archive.read("demo-1.0.dist-info/METADATA").decode()


def test_no_rust_target_is_a_pure_python_wheel(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    root = project(tmp_path / "demo", crate, tool="ext-modules = []", target="")
    tool = '[tool.setuptools]\npackages = ["pkg"]\n'
    text = (root / "pyproject.toml").read_text().replace("[tool.buildrs]", f"{tool}[tool.buildrs]")
    (root / "pyproject.toml").write_text(text)
    ours, theirs, _, _ = both_ways(root, build_env, tmp_path)
    assert wheel_entries(ours) == wheel_entries(theirs)
    assert ours.name == "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(ours) as archive:
        assert b"Root-Is-Purelib: true" in archive.read("demo-1.0.dist-info/WHEEL")


FALLBACKS = {
    "[tool.distutils]": (
        '[tool.distutils.egg_info]\ntag_build = ""\n',
        "setuptools builds this wheel ([tool.distutils] configures setuptools' commands)",
    ),
    "py-modules without packages": (
        '[tool.setuptools]\npy-modules = ["helper"]\n',
        "setuptools makes it ([tool.setuptools] py-modules or package-dir without packages",
    ),
}


@pytest.mark.parametrize(("tool", "reason"), FALLBACKS.values(), ids=FALLBACKS.keys())
def test_what_goes_to_setuptools_says_why(
    crate: Path, build_env: dict[str, str], tmp_path: Path, tool: str, reason: str
) -> None:
    files = {"pkg/__init__.py": "X = 1\n", "helper.py": "H = 1\n"}
    root = project(tmp_path / "demo", crate, tool=tool, files=files)
    ours, theirs, log, _ = both_ways(root, build_env, tmp_path)
    assert reason in log
    assert wheel_entries(ours) == wheel_entries(theirs)


REFUSED = {
    "a licence classifier beside an expression": (
        'license = "MIT"\nclassifiers = ["License :: OSI Approved :: MIT License"]',
        "License classifiers have been superseded",
    ),
    "a licence pattern that matches nothing": (
        'license-files = ["COPYING"]',
        "no file matches 'COPYING'",
    ),
    "a readme outside the project": ('readme = "../README.md"', "lies outside the project"),
    "a missing readme": ('readme = "README.md"', "readme = 'README.md': there is no such file"),
    "an entry point group with a dash": (
        '[project.entry-points."my-group"]\nx = "pkg:main"',
        "`project.entry-points` keys must be named by",
    ),
    "an email without a dot": (
        'authors = [{email = "me@localhost"}]',
        "`project.authors[0].email` must be idn-email",
    ),
    "a relative URL": (
        '[project.urls]\nHome = "/docs/index.html"',
        "`project.urls.Home` must be url",
    ),
    "a script whose module is no identifier": (
        '[project.scripts]\nx = "pkg-cli:main"',
        "`project.scripts.x` must be python-entrypoint-reference",
    ),
    "an unknown classifier": (
        'classifiers = ["Programming Language :: Snake"]',
        "`project.classifiers[0]` must be trove-classifier",
    ),
}


@pytest.mark.parametrize(("table", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_what_setuptools_refuses_is_refused_on_every_route(
    crate: Path, build_env: dict[str, str], tmp_path: Path, table: str, reason: str
) -> None:
    import importlib.util

    assert importlib.util.find_spec("trove_classifiers"), "trove-classifiers is a test extra"
    root = project(tmp_path / "demo", crate, table)
    (tmp_path / "README.md").write_text("# above the project\n")
    # In this environment, where trove-classifiers is installed, as setuptools needs
    # it to check classifiers.
    here = "--no-build-isolation"
    ours = failing_build(root, build_env, tmp_path / "ours", here)
    setuptools = {**build_env, "BUILDRS_NO_FAST_PATH": "1"}
    theirs = failing_build(root, setuptools, tmp_path / "theirs", here)
    for output in (ours, theirs):
        assert reason in " ".join(output.split()), output


def test_a_misspelt_package_is_refused_on_every_route(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    files = {"tiny/__init__.py": "X = 1\n"}
    root = project(tmp_path / "demo", crate, files=files, target="tyni._native")
    for env in (build_env, {**build_env, "BUILDRS_NO_FAST_PATH": "1"}):
        output = " ".join(failing_build(root, env, tmp_path / "out").split())
        assert "target 'tyni._native' names the package 'tyni'" in output
        assert "did you mean 'tiny._native'?" in output


def test_a_date_that_is_not_one_names_the_variable(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    root = project(tmp_path / "demo", crate)
    output = failing_build(root, {**build_env, "SOURCE_DATE_EPOCH": "yesterday"}, tmp_path)
    assert "SOURCE_DATE_EPOCH='yesterday' is not a date" in " ".join(output.split())


def test_a_crate_with_no_target_declared_gives_no_wheel(
    crate: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    """A crate beside a setup.py that declares no Rust target: setuptools alone would
    write a wheel of nothing but metadata, and pip would say it built it."""
    root = tmp_path / "demo"
    shutil.copytree(crate, root, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    (root / "setup.py").write_text("from setuptools import setup\n\nsetup()\n")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70", "buildrs"]\n'
        'build-backend = "buildrs.build_meta"\n\n'
        '[project]\nname = "tinyffi"\nversion = "0.1.0"\n\n'
        '[tool.maturin]\nbindings = "cffi"\n'
    )
    output = " ".join(failing_build(root, build_env, tmp_path / "out").split())
    assert f"{root / 'Cargo.toml'} is a Rust crate, but no Rust target is declared" in output
    assert "[tool.maturin] is read only where no setup.py or setup.cfg declares" in output
    assert '[[tool.buildrs.ext-modules]] target = "tinyffi"' in output

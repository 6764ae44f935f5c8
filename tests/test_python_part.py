"""A wheel's Python part made by buildrs from ``[project]`` (``buildrs.wheel.part``) is
the one setuptools makes for the same tree, file for file: the metadata is held to
what setuptools writes for the same table, real builds both ways give the same
wheel, and what buildrs does not follow itself goes to setuptools, with the reason.
The one tag computation (``buildrs.wheel.tag``) and the one wheel writer
(``buildrs.wheel.archive``) are held to setuptools' too."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from buildrs.config.manifest import load_toml
from buildrs.plan.context import ProjectContext
from buildrs.plan.interpreter import Python, abi_tag, interpreter_tag, platform_tag
from buildrs.wheel.metadata import project_metadata
from buildrs.wheel.route import project_source, setuptools_drives
from conftest import COMPAT, CRATES, CopyProject, Venv, pip_wheel_logged, run, wheel_entries

TARGET = '[[tool.buildrs.ext-modules]]\ntarget = "pkg._native"\nbinding = "NoBinding"\n'

PROJECTS: dict[str, str] = {
    "minimal": 'name = "demo"\nversion = "1.0"\n',
    "normalised": (
        'name = "Demo.Pkg_x"\nversion = "2024.01.05-RC1"\n'
        'requires-python = "<4, >=3.9"\nlicense = "apache-2.0 or mit"\n'
        'description = "One line"\nkeywords = ["a", "b c"]\n'
    ),
    "people": (
        'name = "demo"\nversion = "1"\n'
        'authors = [{name = "Doe, Jane", email = "jane@example.org"}, {name = "Zoë"}]\n'
        'maintainers = [{email = "m@example.org"}, {name = "Max", email = "max@example.org"}]\n'
    ),
    "requirements": (
        'name = "demo"\nversion = "1"\n'
        'dependencies = ["Requests [socks] >= 2.8.1 , == 2.8.*",'
        " \"tomli ; python_version<'3.11'\"]\n"
        "[project.optional-dependencies]\n"
        'Dev_Tools = ["black==24.1", "mypy; implementation_name == \'cpython\'"]\n'
        "empty = []\n"
    ),
    "readme and urls": (
        'name = "demo"\nversion = "1"\nreadme = "README.rst"\nclassifiers = ["Typing :: Typed"]\n'
        '[project.urls]\nHomepage = "https://example.org"\n"Source Code" = "https://x.org/s"\n'
    ),
    "readme table and licence text": (
        'name = "demo"\nversion = "1"\n'
        'readme = {text = "Hello\\n\\nworld", content-type = "text/markdown"}\n'
        'license = {text = "Two lines\\nof licence"}\n'
    ),
    "entry points": (
        'name = "demo"\nversion = "1"\n'
        '[project.scripts]\nzz = "pkg.cli:main"\naa = "pkg.cli:other"\n'
        '[project.gui-scripts]\nwin = "pkg.gui:main"\n'
        '[project.entry-points."demo.plugins"]\nfirst = "pkg.plugins:first [extra]"\n'
    ),
    "licence files": (
        'name = "demo"\nversion = "1"\nlicense = "MIT"\n'
        'license-files = ["LICENSE*", "legal/*.txt"]\n'
    ),
}


def _project(tmp_path: Path, table: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f"[project]\n{table}\n[tool.buildrs]\n{TARGET}")
    (tmp_path / "README.rst").write_text("Demo\n====\n\r\nText.\n")
    (tmp_path / "LICENSE").write_text("MIT\n")
    (tmp_path / "LICENSE.bak~").write_text("old\n")
    (tmp_path / "legal").mkdir()
    (tmp_path / "legal" / "b.txt").write_text("b\n")
    (tmp_path / "legal" / "a.txt").write_text("a\n")
    return tmp_path


def _setuptools_metadata(project: Path) -> tuple[str, str]:
    """METADATA and entry_points.txt as setuptools writes them for ``project``."""
    import warnings

    from setuptools import _entry_points  # type: ignore[attr-defined]
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    before = os.getcwd()
    os.chdir(project)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dist: Any = apply_configuration(Distribution(), "pyproject.toml")
            # egg_info normalises the version before it writes PKG-INFO.
            egg_info = dist.get_command_obj("egg_info")
            egg_info.egg_base = str(project)
            egg_info.ensure_finalized()
    finally:
        os.chdir(before)
    text = io.StringIO()
    dist.metadata.write_pkg_file(text)
    entry_points = _entry_points.render(_entry_points.load(dist.entry_points)) or ""
    return text.getvalue(), entry_points


@pytest.mark.parametrize("table", PROJECTS.values(), ids=PROJECTS.keys())
def test_the_metadata_is_what_setuptools_writes(tmp_path: Path, table: str) -> None:
    project = _project(tmp_path, table)
    ours = project_metadata(project, load_toml(project / "pyproject.toml")["project"])
    assert (ours.metadata, ours.entry_points) == _setuptools_metadata(project)


SETUPTOOLS_DRIVES: dict[str, tuple[dict[str, str], str]] = {
    "setup.py": ({"setup.py": "from setuptools import setup\nsetup()\n"}, "setup.py declares"),
    "setup.cfg": ({"setup.cfg": "[metadata]\nname = demo\n"}, "setup.cfg configures"),
    "an sdist's setup.cfg with a tag": (
        {"setup.cfg": "[egg_info]\ntag_build = .dev1\ntag_date = 0\n"},
        "setup.cfg configures",
    ),
    "[tool.distutils]": (
        {"tool": "[tool.distutils.bdist_wheel]\nuniversal = false"},
        "[tool.distutils] configures",
    ),
}


@pytest.mark.parametrize(
    ("files", "reason"), SETUPTOOLS_DRIVES.values(), ids=SETUPTOOLS_DRIVES.keys()
)
def test_what_setuptools_builds(tmp_path: Path, files: dict[str, str], reason: str) -> None:
    files = dict(files)
    _package(tmp_path, files.pop("project", ""), files.pop("tool", ""))
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    found = ProjectContext.load(tmp_path, environ={})
    why = setuptools_drives(tmp_path, found.pyproject, None)
    assert why is not None and reason in why


SETUPTOOLS_BUILDS: dict[str, tuple[dict[str, str], str]] = {
    "MANIFEST.in": ({"MANIFEST.in": "include *.txt\n"}, "MANIFEST.in"),
    "dynamic": ({"project": 'dynamic = ["description"]'}, "dynamic lists fields"),
    "a key buildrs does not write": ({"project": 'import-names = ["pkg"]'}, "import-names"),
    "packages.find": (
        {"tool": '[tool.setuptools.packages.find]\nwhere = ["python"]'},
        "packages.find",
    ),
    "data-files": ({"tool": '[tool.setuptools.data-files]\nshare = ["a.txt"]'}, "data-files"),
    "py-modules without packages": (
        {"tool": '[tool.setuptools]\npy-modules = ["mod"]'},
        "py-modules or package-dir without packages",
    ),
    "a licence file above the project": (
        {"project": 'license-files = ["../LICENSE"]'},
        "'../LICENSE' names files as written",
    ),
    "a readme of no known type": ({"project": 'readme = "README.adoc"'}, "no content type"),
}


@pytest.mark.parametrize(
    ("files", "reason"), SETUPTOOLS_BUILDS.values(), ids=SETUPTOOLS_BUILDS.keys()
)
def test_what_buildrs_leaves_to_setuptools(
    tmp_path: Path, files: dict[str, str], reason: str
) -> None:
    files = dict(files)
    project = _package(tmp_path / "project", files.pop("project", ""), files.pop("tool", ""))
    (project / "README.adoc").write_text("= Demo\n")
    (tmp_path / "LICENSE").write_text("MIT\n")
    for name, content in files.items():
        (project / name).write_text(content)
    source, why = project_source(ProjectContext.load(project, environ={}))
    assert source is None and reason in why


def _package(root: Path, project: str = "", tool: str = "") -> Path:
    """A project of one package, ``pkg``, with ``project`` added to its ``[project]``
    table and ``tool`` to its pyproject.toml."""
    table = f'[project]\nname = "demo"\nversion = "1"\n{project}\n[tool.buildrs]\n{TARGET}'
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"{table}\n{tool}")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    return root


def _source(root: Path, plugins: bool = True) -> Any:
    found, why = project_source(ProjectContext.load(root, environ={}), plugins)
    assert found is not None, why
    return found


def test_the_setup_cfg_of_an_sdist_changes_nothing(tmp_path: Path) -> None:
    _package(tmp_path)
    # What setuptools' sdist writes: an [egg_info] section with no tag.
    (tmp_path / "setup.cfg").write_text("[egg_info]\ntag_build = \ntag_date = 0\n\n")
    assert setuptools_drives(tmp_path, load_toml(tmp_path / "pyproject.toml"), None) is None
    assert _source(tmp_path).project.metadata.version == "1"


def test_a_setuptools_plugin_installed_leaves_the_wheel_to_setuptools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _package(tmp_path / "project")
    assert _source(project).project.python.top_level == ("pkg",)
    # A distribution that plugs into setuptools (as setuptools-scm's file finders do).
    site = tmp_path / "site"
    info = site / "scm_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "entry_points.txt").write_text("[setuptools.file_finders]\ngit = scm:find\n")
    monkeypatch.syspath_prepend(str(site))
    source, why = project_source(ProjectContext.load(project, environ={}))
    assert source is None and "setuptools plugins are installed: scm-plugin==1.0" in why
    assert _source(project, plugins=False).project.python.top_level == ("pkg",)


def _python(**facts: Any) -> Python:
    base: dict[str, Any] = {
        "executable": "/usr/bin/python3",
        "base": "/usr/bin/python3",
        "implementation": "cpython",
        "version": (3, 12),
        "ext_suffix": ".cpython-312-x86_64-linux-gnu.so",
        "soabi": "cpython-312-x86_64-linux-gnu",
        "platform": "linux-x86_64",
        "sys_platform": "linux",
    }
    return Python(**{**base, **facts})


TAGS = [
    (_python(), ("cp312", "cp312", "linux_x86_64")),
    (
        _python(version=(3, 13), soabi="cpython-313t-x86_64-linux-gnu", free_threaded=True),
        ("cp313", "cp313t", "linux_x86_64"),
    ),
    (
        _python(version=(3, 14), soabi="cpython-314t-x86_64-linux-gnu", free_threaded=True),
        ("cp314", "cp314t", "linux_x86_64"),
    ),
    (
        _python(version=(3, 15), soabi="cpython-315t-x86_64-linux-gnu", free_threaded=True),
        ("cp315", "cp315t", "linux_x86_64"),
    ),
    (
        _python(version=(3, 15), soabi="cpython-315-x86_64-linux-gnu"),
        ("cp315", "cp315", "linux_x86_64"),
    ),
    (
        _python(implementation="pypy", version=(3, 10), soabi="pypy310-pp73-x86_64-linux-gnu"),
        ("pp310", "pypy310_pp73", "linux_x86_64"),
    ),
    (
        _python(soabi="cp312-win_amd64", platform="win-amd64", sys_platform="win32"),
        ("cp312", "cp312", "win_amd64"),
    ),
    (_python(pointer_bits=32), ("cp312", "cp312", "linux_i686")),
    (_python(platform="linux-aarch64", pointer_bits=32), ("cp312", "cp312", "linux_armv7l")),
    (_python(soabi="", debug=True), ("cp312", "cp312d", "linux_x86_64")),
]


@pytest.mark.parametrize(("python", "tags"), TAGS)
def test_wheel_tags_of_an_interpreter(python: Python, tags: tuple[str, str, str]) -> None:
    assert (interpreter_tag(python), abi_tag(python), platform_tag(python)) == tags


def test_this_interpreters_tags_are_packagings() -> None:
    from packaging.tags import sys_tags

    from buildrs.plan.interpreter import running

    first = next(iter(sys_tags()))
    python = running()
    assert (interpreter_tag(python), abi_tag(python)) == (first.interpreter, first.abi)
    assert platform_tag(python) == first.platform


# --- real builds ------------------------------------------------------------------------

BUILT = {
    "richmeta": CRATES / "richmeta",  # every [project] key, package data, its own .pyi
    "ffi": CRATES / "ffi",  # a binary in .data/scripts, a generated file
    "abi3": CRATES / "abi3",  # a PyO3 module for the stable ABI: cp39-abi3
    "namespace": COMPAT / "namespace",  # a module in a namespace package
}
DIRECT = "the Python part: buildrs makes it from [project]"


@pytest.mark.integration
@pytest.mark.parametrize("name", BUILT)
def test_the_wheel_is_setuptools_wheel_file_for_file(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path, name: str
) -> None:
    project = copy_project(BUILT[name])
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("setuptools.build_meta", "buildrs.build_meta")
    )
    isolation = "--no-build-isolation"
    ours, log = pip_wheel_logged(project, tmp_path / "ours", build_env, isolation)
    assert DIRECT in log and "running egg_info" not in log
    shutil.rmtree(project / "build")
    env = {**build_env, "BUILDRS_SETUPTOOLS_WHEEL": "1"}
    theirs, log = pip_wheel_logged(project, tmp_path / "theirs", env, isolation)
    assert DIRECT not in log and "running egg_info" in log
    assert ours.name == theirs.name
    assert wheel_entries(ours) == wheel_entries(theirs)


@pytest.mark.integration
def test_the_wheel_installs_with_its_metadata_and_scripts(
    copy_project: CopyProject, build_env: dict[str, str], fresh_venv: Venv, tmp_path: Path
) -> None:
    project = copy_project(CRATES / "richmeta")
    wheel, _ = pip_wheel_logged(project, tmp_path / "dist", build_env)
    assert wheel.name.startswith("rich_demo-1.0.0b1-")
    fresh_venv.pip("install", "-q", "packaging", str(wheel))
    assert run([str(fresh_venv.bin / "rich-demo")]).stdout == "42\n"
    code = (
        "from importlib import metadata as m; d = m.distribution('rich-demo'); "
        "print(d.metadata['License-Expression'], d.requires[2], "
        "sorted(d.metadata.get_all('Provides-Extra')), [e.name for e in d.entry_points], "
        "sorted(str(f) for f in d.files if 'licenses' in str(f)))"
    )
    assert fresh_venv.python_run(code).splitlines() == [
        "MIT OR Apache-2.0 pytest>=8; extra == \"test\" ['docs-extra', 'test'] "
        "['rich-demo', 'rich-demo-gui', 'basic'] "
        "['rich_demo-1.0.0b1.dist-info/licenses/LICENSE', "
        "'rich_demo-1.0.0b1.dist-info/licenses/licenses/apache.txt']"
    ]
    imported = "import rich_demo, rich_demo.sub; print(rich_demo.answer())"
    assert fresh_venv.python_run(imported) == "42\n"


PYPY = _python(
    implementation="pypy",
    version=(3, 10),
    ext_suffix=".pypy310-pp73-x86_64-linux-gnu.so",
    soabi="pypy310-pp73-x86_64-linux-gnu",
)
FREE_THREADED = _python(
    version=(3, 13),
    ext_suffix=".cpython-313t-x86_64-linux-gnu.so",
    soabi="cpython-313t-x86_64-linux-gnu",
    free_threaded=True,
)
CPYTHON39 = _python(version=(3, 9), soabi="cpython-39-x86_64-linux-gnu")
MACOS = _python(
    ext_suffix=".cpython-312-darwin.so",
    soabi="cpython-312-darwin",
    platform="macosx-11.0-arm64",
    sys_platform="darwin",
)
CPYTHON315 = _python(
    version=(3, 15),
    ext_suffix=".cpython-315-x86_64-linux-gnu.so",
    soabi="cpython-315-x86_64-linux-gnu",
)


def _free_threaded(minor: int) -> Python:
    soabi = f"cpython-3{minor}t-x86_64-linux-gnu"
    return _python(version=(3, minor), ext_suffix=f".{soabi}.so", soabi=soabi, free_threaded=True)


WHEEL_TAGS = [
    ("abi3", _python(), ("cp39", "abi3", "linux_x86_64")),
    ("abi3", CPYTHON315, ("cp39", "abi3", "linux_x86_64")),
    ("abi3", _free_threaded(14), ("cp314", "cp314t", "linux_x86_64")),
    ("abi3", _free_threaded(15), ("cp315", "cp315t", "linux_x86_64")),
    ("abi3t", _python(), ("cp39", "abi3", "linux_x86_64")),
    ("abi3t", CPYTHON315, ("cp315", "abi3.abi3t", "linux_x86_64")),
    ("abi3t", _free_threaded(15), ("cp315", "abi3.abi3t", "linux_x86_64")),
    ("abi3t", _free_threaded(14), ("cp314", "cp314t", "linux_x86_64")),
    ("abi3", PYPY, ("pp310", "pypy310_pp73", "linux_x86_64")),
    ("abi3", FREE_THREADED, ("cp313", "cp313t", "linux_x86_64")),
    (
        "namespace",
        _python(version=(3, 9), soabi="cpython-39-x86_64-linux-gnu"),
        ("cp39", "cp39", "linux_x86_64"),
    ),
    ("binary only", _python(), ("py3", "none", "linux_x86_64")),
    ("namespace", MACOS, ("cp312", "cp312", "macosx_11_0_arm64")),
    ("no target", _python(), ("py3", "none", "any")),
]


@pytest.mark.parametrize(("name", "python", "tag"), WHEEL_TAGS)
def test_the_wheel_tag_for_another_interpreter(
    copy_project: CopyProject, name: str, python: Python, tag: tuple[str, str, str]
) -> None:
    from buildrs.wheel.tag import wheel_tag

    if name == "binary only":
        project = copy_project(CRATES / "ffi")
        pyproject = project / "pyproject.toml"
        text = pyproject.read_text()
        start, end = text.index("[[tool.buildrs.ext-modules]]"), text.index("[[tool.buildrs.bins]]")
        pyproject.write_text(text[:start] + text[end:])
    elif name == "no target":
        project = _package(copy_project(CRATES / "ffi").parent / "empty")
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace(TARGET, ""))
    else:
        project = copy_project(COMPAT / "namespace" if name == "namespace" else CRATES / name)
    plan = ProjectContext.load(project, environ={}).plan(python)
    assert wheel_tag(plan, python, {}) == tag


def test_a_wheel_already_holding_the_files_is_left_as_it_is(tmp_path: Path) -> None:
    from buildrs.wheel.archive import WheelContents, write_wheel

    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "demo-1.dist-info").mkdir()
    (tree / "pkg" / "__init__.py").write_text("X = 1\n")
    (tree / "demo-1.dist-info" / "METADATA").write_text("Name: demo\n")
    wheel = tmp_path / "demo-1-py3-none-any.whl"

    def rewritten(epoch: int) -> bool:
        """Whether ``write_wheel`` wrote the wheel anew (it was marked old before)."""
        if wheel.exists():
            os.utime(wheel, (1000, 1000))
        contents = WheelContents()
        contents.add_tree(tree)
        write_wheel(contents, wheel, "demo-1.dist-info", epoch)
        return wheel.stat().st_mtime != 1000

    assert rewritten(0)
    assert not rewritten(0)
    # Any change in a file, its mode or the date makes a new wheel.
    (tree / "pkg" / "__init__.py").write_text("X = 2\n")
    assert rewritten(0)
    (tree / "pkg" / "__init__.py").chmod(0o755)
    assert rewritten(0)
    assert rewritten(1_700_000_000)
    assert not rewritten(1_700_000_000)
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        assert [i.filename for i in archive.infolist()] == [
            "pkg/__init__.py",
            "demo-1.dist-info/METADATA",
            "demo-1.dist-info/RECORD",
        ]
        assert archive.read("pkg/__init__.py") == b"X = 2\n"
        assert archive.getinfo("pkg/__init__.py").date_time == (2023, 11, 14, 22, 13, 20)


def _odd_tree(tree: Path) -> None:
    """A tree with what tells wheel writers apart: modes, nested and deferred
    ``.dist-info`` files, names that sort differently as paths and as names."""
    files = {
        "pkg/__init__.py": 0o644,
        "pkg/run.sh": 0o755,
        "pkg/ro.txt": 0o444,
        "pkg/sub/deep.py": 0o664,
        "pkg-data.txt": 0o644,
        "pkg.py": 0o600,
        "demo-1.data/scripts/tool": 0o755,
        "demo-1.dist-info/METADATA": 0o644,
        "demo-1.dist-info/WHEEL": 0o644,
        "demo-1.dist-info/licenses/LICENSE": 0o640,
        "demo-1.dist-info/sboms/demo.cdx.json": 0o644,
        "demo-1.dist-info/entry_points.txt": 0o664,
    }
    for name, mode in files.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}\n")
        path.chmod(mode)


def test_the_wheel_writer_writes_what_setuptools_writer_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entry by entry: names, order, dates, modes, compression, contents, RECORD."""
    from setuptools.command.bdist_wheel import WheelFile  # type: ignore[attr-defined]

    from buildrs.wheel.archive import WheelContents, write_wheel

    tree = tmp_path / "tree"
    _odd_tree(tree)
    ours = tmp_path / "ours" / "demo-1-py3-none-any.whl"
    theirs = tmp_path / "theirs" / "demo-1-py3-none-any.whl"
    theirs.parent.mkdir()
    contents = WheelContents()
    contents.add_tree(tree)
    write_wheel(contents, ours, "demo-1.dist-info", 1_700_000_000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with WheelFile(str(theirs), "w") as archive:
        archive.write_files(str(tree))
    assert wheel_entries(ours) == wheel_entries(theirs)


BUILD_REQUIREMENTS = [
    ("setuptools>=70", None),
    ("wheel", None),
    ("buildrs", None),
    ("buildrs>=0.1; python_version >= '3.9'", None),
    ("BuildRS >= 0.1", None),
    ("buildrs>=99", "[build-system] asks for buildrs>=99"),
    ("setuptools-rust", "[build-system] asks for setuptools-rust"),
    ("cffi>=1.0", "[build-system] asks for cffi>=1.0"),
]


@pytest.mark.parametrize(("requirement", "why"), BUILD_REQUIREMENTS)
def test_which_build_requirements_this_process_stands_for(
    requirement: str, why: str | None
) -> None:
    from buildrs.cli.wheels import _not_ours

    assert _not_ours(requirement) == why


@pytest.mark.integration
def test_a_wheel_built_from_the_sdist_is_built_without_setuptools_too(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """``python -m build``: the sdist first (setuptools writes a setup.cfg holding only
    ``[egg_info]`` into it, and the project's egg-info), then the wheel from it."""
    project = copy_project(CRATES / "richmeta")
    # Release builds, which hold no path of the tree they were built in: the sdist is
    # unpacked somewhere else each time.
    env = {**build_env, "BUILDRS_PROFILE": "release"}
    argv = [sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"), str(project)]
    result = run([*argv, "-v"], env=env)
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert DIRECT in result.stdout + result.stderr
    unpacked = tmp_path / "unpacked"
    shutil.unpack_archive(sdist, unpacked)
    (tree,) = unpacked.iterdir()
    assert (tree / "setup.cfg").read_text().startswith("[egg_info]")
    theirs, _ = pip_wheel_logged(tree, tmp_path / "theirs", {**env, "BUILDRS_NO_FAST_PATH": "1"})
    assert "setuptools makes it" in _ or "setuptools builds this wheel" in _
    assert wheel_entries(wheel) == wheel_entries(theirs)

"""Real maturin projects from PyPI, built both with maturin 1.16 and with buildrs.

Each sdist (pinned, fetched from PyPI and checked against its sha256) is built by
pip with maturin as it is, and by pip with ``[build-system]`` switched to buildrs'
and nothing else changed. The two wheels must hold the same files outside
``.dist-info`` (byte for byte, but the compiled module, and the ``__init__.py``
maturin writes for a pure-Rust layout, compared by its code), carry the same tag,
and say the same name, version, Requires-Python, Requires-Dist (markers compared by
meaning) and entry points; then buildrs' wheel is installed into a fresh
environment and called.

Together the projects cover the layouts maturin decides (pure Rust with a stub,
mixed with a dotted ``module-name`` in ``python-source``, a workspace member named
by ``manifest-path``), metadata from Cargo.toml (every field for blake3, the
version for the others, from the workspace for jiter), no ``[tool.maturin]`` table,
and abi3 (uuid-utils).
"""

from __future__ import annotations

import configparser
import email.parser
import hashlib
import json
import os
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import SHARED_TARGET, Venv, maturin_env, run


class Project(NamedTuple):
    name: str
    version: str
    sha256: str
    call: str
    """Python code that prints what ``expected`` says."""
    expected: str


PROJECTS = [
    Project(
        "rpds-py",
        "2026.9.1",
        "4793ef7f78268b124b73fa933440f01d258bbae01de9fa53e9080c9ab0425a12",
        "from rpds import HashTrieMap; print(HashTrieMap({1: 2}).insert(3, 4)[3])",
        "4",
    ),
    Project(
        "jellyfish",
        "1.3.0",
        "fd77ba8e1c9835d2c56b11bde6765380cbcac333037974c4ba4b60092c383212",
        "import jellyfish; print(jellyfish.levenshtein_distance('jellyfish', 'smellyfish'))",
        "2",
    ),
    Project(
        "uuid-utils",
        "1.2.0",
        "8a8bd1120a8bc5a6656a1c580d66a050af430b05d017da526ec0b0a06715bf70",
        "import uuid_utils; print(uuid_utils.UUID('12345678123456781234567812345678').version)",
        "None",
    ),
    Project(
        "blake3",
        "1.0.11",
        "d73c0a87304d41045f6753a922113bede3ab09eda2d20371566a5bbe357c3deb",
        "from blake3 import blake3; print(blake3(b'abc').hexdigest()[:16])",
        "6437b3ac38465133",
    ),
    Project(
        "rtoml",
        "0.14.0",
        "e0f95a59e3fac6394985d59ce18a0c06f2176f2eb9dec2fb8c1105febaf05c59",
        "import rtoml; print(rtoml.loads('a = [1, 2]')['a'])",
        "[1, 2]",
    ),
    Project(
        "jiter",
        "0.19.0",
        "ba3064f8be276d7cfb83c2fb85c858be533da2c2f80f9b048c3781b45a57a195",
        "import jiter; print(jiter.from_json(b'{\"a\": [1, 2.5]}'))",
        "{'a': [1, 2.5]}",
    ),
]

ENVIRONMENTS = [
    {
        "python_version": f"3.{minor}",
        "python_full_version": f"3.{minor}.{patch}",
        "sys_platform": system,
        "platform_system": {"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}[system],
        "implementation_name": implementation,
        "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}[implementation],
        "extra": "",
    }
    for minor in range(6, 16)
    for patch in (0, 9)
    for system in ("linux", "win32", "darwin")
    for implementation in ("cpython", "pypy")
]
"""Where markers are evaluated: two requirements' markers mean the same when they
agree in every one (``python_version <= "3.11"`` and ``python_full_version <
"3.12"``, say)."""

CACHE = Path(os.environ.get("BUILDRS_TEST_SDISTS", SHARED_TARGET.parent / "sdists"))
BUILDRS_BACKEND = '[build-system]\nrequires = ["buildrs"]\nbuild-backend = "buildrs.build_meta"\n\n'


def fetch(project: Project) -> Path:
    """The project's sdist, from the cache or PyPI, checked against its sha256."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for existing in CACHE.glob("*.tar.gz"):
        if hashlib.sha256(existing.read_bytes()).hexdigest() == project.sha256:
            return existing
    index = f"https://pypi.org/pypi/{project.name}/json"
    try:
        with urllib.request.urlopen(index, timeout=60) as answer:
            release = json.load(answer)["releases"][project.version]
        (url,) = [u for u in release if u["packagetype"] == "sdist"]
        with urllib.request.urlopen(urllib.parse.urljoin(index, url["url"]), timeout=120) as got:
            data = got.read()
    except urllib.error.HTTPError:
        raise
    except urllib.error.URLError as error:
        pytest.skip(f"PyPI cannot be reached for the {project.name} sdist: {error.reason}")
    assert hashlib.sha256(data).hexdigest() == project.sha256, f"{project.name}: sha256 differs"
    path = CACHE / str(url["filename"])
    path.write_bytes(data)
    return path


def unpack(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    (root,) = into.iterdir()
    return root


def with_buildrs(root: Path) -> None:
    """``[build-system]`` switched to buildrs', nothing else changed."""
    path = root / "pyproject.toml"
    text = re.sub(r"(?ms)^\[build-system\]\n.*?(?=^\[|\Z)", "", path.read_text(), count=1)
    path.write_text(BUILDRS_BACKEND + text)


def pip_wheel(root: Path, out: Path, env: dict[str, str], *extra: str) -> Path:
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", *extra, "-w", str(out), str(root)]
    run(argv, env=env)
    (wheel,) = out.glob("*.whl")
    return wheel


def contents(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def metadata(files: dict[str, bytes]) -> dict[str, object]:
    (name,) = [n for n in files if n.endswith(".dist-info/METADATA")]
    message = email.parser.BytesParser().parsebytes(files[name])
    requires = set()
    for line in message.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        meaning = (
            tuple(requirement.marker.evaluate(e) for e in ENVIRONMENTS)
            if requirement.marker
            else ()
        )
        name = canonicalize_name(requirement.name)
        requires.add((name, str(requirement.specifier), tuple(sorted(requirement.extras)), meaning))
    return {
        "name": message["Name"],
        "version": message["Version"],
        "requires-python": SpecifierSet(message["Requires-Python"] or ""),
        "requires-dist": requires,
    }


def entry_points(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    found = [n for n in files if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    for name in found:
        parser.read_string(files[name].decode())
    return {section: dict(parser[section]) for section in parser.sections()}


def outside_dist_info(files: dict[str, bytes]) -> dict[str, bytes]:
    return {n: d for n, d in files.items() if not n.split("/")[0].endswith(".dist-info")}


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_a_maturin_project_builds_the_same_wheel(
    project: Project, build_env: dict[str, str], tmp_path: Path, fresh_venv: Venv
) -> None:
    env = maturin_env(build_env)
    sdist = fetch(project)
    theirs_root = unpack(sdist, tmp_path / "maturin")
    theirs = pip_wheel(theirs_root, tmp_path / "maturin-out", env, "--no-build-isolation")
    ours_root = unpack(sdist, tmp_path / "buildrs")
    with_buildrs(ours_root)
    ours = pip_wheel(ours_root, tmp_path / "buildrs-out", build_env)

    assert ours.name == theirs.name
    ours_files, theirs_files = contents(ours), contents(theirs)
    mine, maturins = outside_dist_info(ours_files), outside_dist_info(theirs_files)
    assert sorted(mine) == sorted(maturins)
    for name, data in maturins.items():
        if name.endswith((".so", ".pyd")):
            continue
        if name.endswith("/__init__.py") and name.count("/") == 1 and b"import *" in data:
            assert mine[name].strip() == data.strip(), name  # written by the tool
            continue
        assert mine[name] == data, name
    assert metadata(ours_files) == metadata(theirs_files)
    assert entry_points(ours_files) == entry_points(theirs_files)

    fresh_venv.pip("install", str(ours))
    assert fresh_venv.python_run(project.call).strip() == project.expected

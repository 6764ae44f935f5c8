"""The Python a build is for, as its own sysconfig describes it, and its wheel tags.

``running()`` describes the interpreter running buildrs; ``probe(path)`` asks
another one, by running the same few lines of standard library code in it. Both
give a ``Python``: ``platform.detect`` names the modules from it, and the tags of
a wheel for it follow from it as setuptools' ``bdist_wheel`` writes them
(``interpreter_tag``, ``abi_tag``, ``platform_tag``), so a wheel for another
interpreter can be made without running anything in that interpreter but the
probe.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buildrs import process
from buildrs.errors import BuildrsError, ConfigError

__all__ = [
    "Python",
    "abi_tag",
    "find",
    "find_all",
    "find_each",
    "interpreter_tag",
    "is_running",
    "platform_tag",
    "probe",
    "running",
    "runs_here",
]

# Run in the interpreter described: the standard library only, Python 3.8+.
_FACTS = """
import json, os, struct, sys, sysconfig
def _facts():
    var = sysconfig.get_config_var
    base = getattr(sys, "_base_executable", None) or sys.executable
    if not os.path.isfile(base):
        base = sys.executable
    size = var("SIZEOF_VOID_P") or struct.calcsize("P")
    target = var("MACOSX_DEPLOYMENT_TARGET") if sys.platform == "darwin" else None
    return {
        "executable": sys.executable,
        "base": os.path.realpath(base),
        "implementation": sys.implementation.name,
        "version": str(var("VERSION") or ""),
        "version_info": list(sys.version_info[:2]),
        "ext_suffix": var("EXT_SUFFIX") or ".so",
        "soabi": var("SOABI") or "",
        "platform": sysconfig.get_platform(),
        "sys_platform": sys.platform,
        "pointer_bits": 8 * int(size),
        "free_threaded": bool(var("Py_GIL_DISABLED")),
        "debug": hasattr(sys, "gettotalrefcount"),
        "macos_deployment_target": str(target) if target else None,
    }
"""


@dataclass(frozen=True)
class Python:
    """An interpreter, as its sysconfig describes it."""

    executable: str
    """The interpreter (a virtual environment's own ``python``, say)."""
    base: str
    """The real path of the installation's interpreter behind it."""
    implementation: str
    """``sys.implementation.name``: ``cpython``, ``pypy``..."""
    version: tuple[int, int]
    """(major, minor), as sysconfig's ``VERSION`` gives it."""
    ext_suffix: str
    """Its ``EXT_SUFFIX``: ``.cpython-311-x86_64-linux-gnu.so``."""
    soabi: str
    """Its ``SOABI`` (empty where it has none)."""
    platform: str
    """``sysconfig.get_platform()``: ``linux-x86_64``, ``macosx-11.0-arm64``..."""
    sys_platform: str
    """``sys.platform``."""
    pointer_bits: int = 64
    free_threaded: bool = False
    debug: bool = False
    macos_deployment_target: str | None = None

    @property
    def name(self) -> str:
        """``cpython3.11``, ``cpython3.13t``, ``pypy3.10``."""
        major, minor = self.version
        return f"{self.implementation}{major}.{minor}{'t' if self.free_threaded else ''}"


def _from_facts(facts: Any) -> Python:
    version = re.fullmatch(r"(\d)\.?(\d+)", facts["version"])
    major, minor = (int(version[1]), int(version[2])) if version else facts["version_info"]
    return Python(
        executable=facts["executable"],
        base=facts["base"],
        implementation=facts["implementation"],
        version=(int(major), int(minor)),
        ext_suffix=facts["ext_suffix"],
        soabi=facts["soabi"],
        platform=facts["platform"],
        sys_platform=facts["sys_platform"],
        pointer_bits=int(facts["pointer_bits"]),
        free_threaded=bool(facts["free_threaded"]),
        debug=bool(facts["debug"]),
        macos_deployment_target=facts["macos_deployment_target"],
    )


@functools.cache
def _own_facts() -> Any:
    scope: dict[str, Any] = {}
    exec(_FACTS, scope)
    return scope["_facts"]()


def _machine(sys_platform: str, platform: str) -> tuple[str, str]:
    """The system and the architecture of an interpreter."""
    return sys_platform, platform.rsplit("-", 1)[-1]


def runs_here(python: Python) -> bool:
    """Whether ``python`` is of this machine's system and architecture (not one run
    under an emulator)."""
    own = running()
    return _machine(python.sys_platform, python.platform) == _machine(
        own.sys_platform, own.platform
    )


@functools.cache
def running() -> Python:
    """The interpreter running buildrs."""
    return _from_facts(_own_facts())


def probe(path: str) -> Python:
    """The interpreter at ``path``, as it describes itself."""
    code = f"{_FACTS}\nprint(json.dumps(_facts()))"
    try:
        result = process.run([path, "-I", "-c", code], quiet=True, check=False)
        facts: Any = json.loads(result.stdout) if result.returncode == 0 else None
        if facts is not None and (
            not os.path.isfile(facts["executable"])
            or _machine(facts["sys_platform"], facts["platform"])
            != _machine(sys.platform, _own_facts()["platform"])
        ):
            # A program that runs the interpreter in another root (a chroot, a
            # container) or under an emulator (qemu-user): its own paths cannot be
            # run here as they are, so it is run through ``path``.
            facts["executable"] = facts["base"] = os.path.abspath(path)
        return _from_facts(facts)
    except (BuildrsError, ValueError, KeyError, TypeError, IndexError):
        raise ConfigError(f"{path} could not be run as a Python interpreter") from None


_SHORT_NAMES = {"python": "py", "cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy"}


def _short_name(python: Python) -> str:
    if re.match(r"(?:cpython-|cp)\d", python.soabi):
        return "cp"
    if python.soabi.startswith(("pypy", "graalpy")):
        return "pp" if python.soabi.startswith("pypy") else "graalpy"
    return _SHORT_NAMES.get(python.implementation, python.implementation)


def interpreter_tag(python: Python) -> str:
    """The wheel's interpreter tag for modules built for ``python``: ``cp311``, ``pp310``."""
    return f"{_short_name(python)}{python.version[0]}{python.version[1]}"


def abi_tag(python: Python) -> str:
    """The wheel's ABI tag for modules built for ``python``, from its ``SOABI``:
    ``cpython-313t-x86_64-linux-gnu`` -> ``cp313t``, ``pypy310-pp73-...`` ->
    ``pypy310_pp73``, ``cp311-win_amd64`` -> ``cp311``."""
    soabi, short = python.soabi, _short_name(python)
    if not soabi:
        return f"{interpreter_tag(python)}{'d' if python.debug else ''}".lower()
    if short == "cp" and soabi.startswith("cpython"):
        return f"cp{soabi.split('-')[1]}".lower()
    if short == "cp" and soabi.startswith("cp"):
        abi = soabi.split("-")[0]
        return (abi + "d" if python.debug and not abi.endswith("d") else abi).lower()
    parts = {"pp": 2, "graalpy": 3}.get(short)
    kept = "-".join(soabi.split("-")[:parts]) if parts else soabi
    return kept.replace(".", "_").replace("-", "_").lower()


def platform_tag(python: Python) -> str:
    """The wheel's platform tag for ``python``'s own platform: ``linux_x86_64``,
    ``win_amd64``; a 32-bit interpreter on a 64-bit Linux gets ``linux_i686``."""
    found = python.platform
    if python.pointer_bits == 32:
        found = {"linux-x86_64": "linux-i686", "linux-aarch64": "linux-armv7l"}.get(found, found)
    return found.lower().replace("-", "_").replace(".", "_").replace(" ", "_")


def is_running(path: str) -> bool:
    """Whether ``path`` is the interpreter running buildrs, by its path (a virtual
    environment's python links to another whose packages differ)."""
    import os
    import sys

    return os.path.abspath(path) == os.path.abspath(sys.executable)


def find(name: str) -> Python:
    """The interpreter ``name`` (a path, or a command on PATH), as it says it is."""
    import os
    import shutil

    found = shutil.which(name) or (name if os.path.isfile(name) else None)
    if found is None:
        raise ConfigError(f"there is no interpreter {name!r} on PATH")
    return running() if is_running(found) else probe(found)


def find_each(names: Sequence[str]) -> list[Python | ConfigError]:
    """``find`` for each of ``names``, the probes run side by side: each interpreter,
    or the error that says why ``name`` is not one."""
    from concurrent.futures import ThreadPoolExecutor

    def found(name: str) -> Python | ConfigError:
        try:
            return find(name)
        except ConfigError as error:
            return error

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(found, names))


def find_all(environ: Mapping[str, str]) -> list[Python]:
    """Every CPython 3.9+ and PyPy on PATH and among pyenv's, one of each name
    (``cpython3.12``), sorted by implementation and version."""
    import os
    from pathlib import Path

    names: list[str] = []
    for folder in environ.get("PATH", "").split(os.pathsep):
        if os.path.isdir(folder):
            names += [
                os.path.join(folder, n)
                for n in sorted(os.listdir(folder))
                if re.fullmatch(r"(python|pypy)3\.\d+t?", n)
            ]
    pyenv = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        names += sorted(str(p) for p in pyenv.glob("*/bin/python3.*") if re.search(r"\d$", p.name))
    found: dict[str, Python] = {}
    for candidate in find_each(names):
        if isinstance(candidate, ConfigError):
            continue
        if candidate.implementation == "cpython" and candidate.version < (3, 9):
            continue
        found.setdefault(candidate.name, candidate)
    return sorted(found.values(), key=lambda p: (p.implementation, p.version, p.free_threaded))

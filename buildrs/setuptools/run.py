"""setuptools run by ``buildrs.build_meta``: setup.py (or setuptools' default one) in
this process, with one command, as ``setuptools.build_meta`` runs it.

buildrs' ``-C buildrs.*`` settings go to setuptools as the hidden
``--buildrs-config-settings`` option of the command (``distribution``), in the
command line setuptools parses; setuptools' own config settings (``--global-option``,
``--build-option``, ``verbose``, ``quiet``, ``editable-mode``) are translated as
setuptools' backend translates them. ``SetuptoolsSource`` asks ``bdist_wheel`` for
a wheel's Python part alone, for ``wheel.assemble`` to finish.
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from buildrs.wheel.part import PythonPart

__all__ = ["SetuptoolsSource", "build", "run_setup"]

_DEFAULT_SETUP = "from setuptools import setup\nsetup()\n"
Settings = Mapping[str, object]


def run_setup(root: Path, argv: Sequence[str]) -> None:
    """Run the project's setup.py (setuptools' default one where there is none) with
    ``argv``, in this process and in ``root``, the folder it runs in."""
    path = root / "setup.py"
    source = path.read_text(encoding="utf-8") if path.is_file() else _DEFAULT_SETUP
    code = compile(source.replace("\r\n", "\n"), str(path), "exec")
    saved = sys.argv
    sys.argv = [str(path), *argv]
    try:
        exec(code, {"__file__": str(path), "__name__": "__main__"})
    except SystemExit as done:
        if done.code:
            raise
    finally:
        sys.argv = saved


def _listed(rest: Settings | None, key: str) -> list[str]:
    value = (rest or {}).get(key) or []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(item) for item in value] if isinstance(value, list) else []


def _global_args(rest: Settings | None) -> list[str]:
    """``verbose``, ``quiet`` and ``--global-option``, as setuptools' backend reads them."""
    args = []
    falsey = ("false", "no", "0", "off")
    for key, flag, other in (("verbose", "-v", "-q"), ("quiet", "-q", "-v")):
        for name in (key, f"--{key}"):
            if name in (rest or {}):
                level = str((rest or {}).get(name) or "1")
                args.append(other if level.lower() in falsey else flag)
                break
    return [*args, *_listed(rest, "--global-option")]


def _ours(settings: Settings) -> list[str]:
    return [f"--buildrs-config-settings={json.dumps(dict(settings))}"] if settings else []


def build(
    root: Path,
    command: Sequence[str],
    suffix: str,
    out: Path,
    settings: Settings,
    rest: Settings | None,
) -> str:
    """Run ``command`` (``bdist_wheel``, ``sdist --formats gztar``, ``editable_wheel``)
    into ``out``; the name of the file it made."""
    out.mkdir(parents=True, exist_ok=True)
    extra = _listed(rest, "--build-option") if command[0] == "bdist_wheel" else []
    if command[0] == "editable_wheel":
        mode = (rest or {}).get("editable-mode") or (rest or {}).get("editable_mode")
        extra += ["--mode", str(mode)] if mode else []
    with tempfile.TemporaryDirectory(prefix=".tmp-", dir=out) as scratch:
        argv = [*_global_args(rest), *command, "--dist-dir", scratch, *_ours(settings), *extra]
        run_setup(root, argv)
        (made,) = [p for p in Path(scratch).iterdir() if p.name.endswith(suffix)]
        target = out / made.name
        target.unlink(missing_ok=True)
        made.rename(target)
    return target.name


@dataclass(frozen=True)
class SetuptoolsSource:
    """setuptools makes a wheel's Python part (``wheel.route.PartSource``)."""

    root: Path
    reason: str
    settings: Settings = field(default_factory=dict)
    rest: Settings | None = None

    def make(self, folder: Path) -> PythonPart:
        with tempfile.TemporaryDirectory(prefix="buildrs-part-") as scratch:
            argv = [*_global_args(self.rest), "bdist_wheel", "--dist-dir", scratch]
            argv += [f"--buildrs-python-part={folder}", *_ours(self.settings)]
            run_setup(self.root, [*argv, *_listed(self.rest, "--build-option")])
        part = PythonPart.load(folder)
        if part is None:
            raise RuntimeError(f"setuptools made no Python part in {folder}")
        return part

"""A PEP 517 front end without build isolation, for ``wheels --no-isolation``.

It builds in the interpreter's own environment, as ``pip wheel
--no-build-isolation`` does, but first checks what pip leaves unchecked: every
requirement of ``[build-system]`` and of the backend's
``get_requires_for_build_wheel`` must be installed there (with what the extras
they name add), otherwise nothing is built and the missing ones are named.

This module runs in the interpreter that builds, which may be any Python 3.9+
without buildrs installed: its source is passed to ``python -c``, so it imports
only the standard library, and ``packaging`` where the check needs it (pip's own
copy where ``packaging`` is not installed). For the interpreter that runs
buildrs itself, ``build_here`` saves that process: it calls the hooks in this
one, as the other would, and puts the working directory, ``sys.path`` and the
environment back afterwards.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["DEFAULT_BACKEND", "DEFAULT_REQUIRES", "build", "build_here", "checked", "unmet"]

# PEP 517 and 518: a project without [build-system] is built with setuptools.
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"
DEFAULT_REQUIRES = ("setuptools>=40.8.0",)


def _packaging() -> Any:
    try:
        import packaging.markers
        import packaging.requirements
        import packaging.version

        return packaging
    except ImportError:
        pass
    try:
        from pip._vendor import packaging as vendored  # type: ignore[import-not-found,unused-ignore]
        from pip._vendor.packaging import (  # type: ignore[import-not-found,unused-ignore] # noqa: F401
            markers,
            requirements,
            version,
        )

        return vendored
    except ImportError:
        return None


def unmet(requirements: Sequence[str]) -> list[list[str]]:
    """The requirements this environment does not satisfy, each as ``[requirement,
    what is installed instead]``. A requirement with extras brings in what those
    extras add; the installed distributions' own requirements are pip's to keep."""
    from importlib import metadata

    packaging = _packaging()
    if packaging is None:  # what can be told without it: the names not installed
        absent = []
        for text in requirements:
            name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
            try:
                metadata.distribution(name.group(1) if name else text)
            except metadata.PackageNotFoundError:
                absent.append([text, "not installed"])
        return absent or [["packaging", "not installed, and needed to check the versions"]]
    found: list[list[str]] = []
    seen: set[str] = set()
    pending: list[tuple[str, frozenset[str], str]] = [(r, frozenset(), "") for r in requirements]
    while pending:
        text, extras, via = pending.pop(0)
        try:
            req = packaging.requirements.Requirement(text)
        except packaging.requirements.InvalidRequirement as error:
            found.append([text, f"not a valid requirement: {error}"])
            continue
        if via:  # from an extra: only what that extra adds
            wanted = (
                req.marker is not None
                and any(req.marker.evaluate({"extra": e}) for e in extras)
                and not req.marker.evaluate({"extra": ""})
            )
        else:
            wanted = req.marker is None or req.marker.evaluate({"extra": ""})
        if not wanted or str(req) in seen:
            continue
        seen.add(str(req))
        needed_by = f", for {via}" if via else ""
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            found.append([text, f"not installed{needed_by}"])
            continue
        if req.specifier and not req.specifier.contains(dist.version, prereleases=True):
            found.append([text, f"{req.name} {dist.version} is installed{needed_by}"])
            continue
        if req.extras:
            named = f"{req.name}[{','.join(sorted(req.extras))}]"
            pending += [(r, frozenset(req.extras), named) for r in dist.requires or ()]
    return found


def _environment_stamp() -> list[Any]:
    """What changes when a distribution is installed or removed: the folders on
    sys.path and their modification times."""
    stamp: list[Any] = [sys.executable, sys.version]
    for folder in sys.path:
        try:
            stamp.append([folder, os.stat(folder or ".").st_mtime_ns])
        except OSError:
            stamp.append([folder, None])
    return stamp


def checked(requirements: Sequence[str], cache: str | None) -> list[list[str]]:
    """``unmet(requirements)``, skipped where this environment has not changed since
    the same requirements were last found met (the answer is kept in ``cache``)."""
    key = [sorted(requirements), _environment_stamp()]
    known: list[Any] = []
    if cache is not None:
        try:
            with open(cache, encoding="utf-8") as handle:
                known = list(json.load(handle))
        except (OSError, ValueError, TypeError):
            pass
    if key in known:
        return []
    missing = unmet(requirements)
    if not missing and cache is not None:
        # Keep what was found met in this same environment, with this answer.
        kept = [k for k in known if isinstance(k, list) and len(k) == 2 and k[1] == key[1]]
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache, "w", encoding="utf-8") as handle:
                json.dump([*kept, key], handle)
        except OSError:
            pass
    return missing


def _backend(name: str, paths: Sequence[str]) -> Any:
    for path in reversed(paths):
        sys.path.insert(0, os.path.abspath(path))
    module_name, _, attributes = name.partition(":")
    backend: Any = importlib.import_module(module_name)
    for attribute in filter(None, attributes.split(".")):
        backend = getattr(backend, attribute)
    return backend


def build(
    project: str,
    out: str,
    requires: Sequence[str],
    backend_name: str,
    backend_path: Sequence[str],
    cache: str | None = None,
    config_settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build ``project``'s wheel into ``out`` in this environment; ``{"wheel": name}``,
    or ``{"unmet": [...], "from": where}`` when a requirement is not installed.
    ``cache`` is the file that keeps the requirements found met."""
    os.chdir(project)
    missing = checked(requires, cache)
    if missing:
        return {"unmet": missing, "from": "[build-system] requires"}
    backend = _backend(backend_name, backend_path)
    asked = getattr(backend, "get_requires_for_build_wheel", None)
    if asked is not None:
        missing = checked(asked(config_settings), cache)
        if missing:
            return {"unmet": missing, "from": f"{backend_name}'s get_requires_for_build_wheel"}
    return {"wheel": backend.build_wheel(out, config_settings)}


def build_here(
    request: dict[str, Any], env: dict[str, str]
) -> tuple[dict[str, Any] | None, list[str]]:
    """``build(**request)`` in this process with ``env`` added to the environment;
    its answer (``None`` where the backend failed, its error printed) and what it
    printed on stdout, which a hook process's stdout would have held."""
    import contextlib
    import io
    import traceback

    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    saved_env = dict(os.environ)
    os.environ.update(env)
    printed = io.StringIO()
    answer: dict[str, Any] | None = None
    try:
        with contextlib.redirect_stdout(printed):
            answer = build(**request)
    except SystemExit as stop:  # how a backend ends with an error of its own
        if stop.code not in (None, 0):
            print(
                stop.code if isinstance(stop.code, str) else f"exit code {stop.code}",
                file=sys.stderr,
            )
    except Exception:
        traceback.print_exc()
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)
    return answer, printed.getvalue().splitlines()


if __name__ == "__main__":
    # `python -c <this source> REQUEST RESULT`: -c put the working directory first
    # on sys.path, where a PEP 517 front end puts nothing of the project.
    del sys.path[0]
    request_file, result_file = sys.argv[1:3]
    with open(request_file, encoding="utf-8") as handle:
        request = json.load(handle)
    answer = build(**request)
    with open(result_file, "w", encoding="utf-8") as handle:
        json.dump(answer, handle)

"""``python -m buildrs new``: start a project from one of the cookiecutter templates.

The templates live in the repository's ``templates/`` directory and ship inside
the package as ``buildrs/templates``. Rendering needs the optional cookiecutter
dependency (``pip install 'buildrs[templates]'``). A template's answers are
checked by its own ``pre_gen_project`` hook, so ``cookiecutter templates/pyo3``
rejects the same mistakes; the project is rendered into a temporary directory and
moved into place only when everything succeeded.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from buildrs.errors import ConfigError

__all__ = ["TEMPLATES", "new_project", "next_steps", "template_dir"]

TEMPLATES = ("pyo3", "cffi", "bin")


def templates_root() -> Path:
    """Where the templates are: inside the installed package, or the checkout's."""
    spec = importlib.util.find_spec("buildrs.templates")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "pyo3" / "cookiecutter.json").is_file():
            return Path(location)
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if (checkout / "pyo3" / "cookiecutter.json").is_file():
        return checkout
    raise ConfigError("the buildrs templates are missing from this installation; reinstall buildrs")


def template_dir(name: str) -> Path:
    if name not in TEMPLATES:
        close = difflib.get_close_matches(name, TEMPLATES, n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown template {name!r}{hint} (templates: {', '.join(TEMPLATES)})")
    return templates_root() / name


def _check_values(template: Path, values: Mapping[str, str]) -> None:
    defaults = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    keys = [key for key in defaults if not key.startswith("_")]
    for key, value in values.items():
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f" — did you mean {close[0]!r}?" if close else f" (keys: {', '.join(keys)})"
            raise ConfigError(f"template {template.name!r} has no key {key!r}{hint}")
        choices = defaults[key]
        if isinstance(choices, list) and value not in choices:
            raise ConfigError(
                f"{key}={value!r} is not one of the choices: {', '.join(map(str, choices))}"
            )


def new_project(
    path: Path,
    template: str = "pyo3",
    values: Mapping[str, str] | None = None,
    no_input: bool = False,
    force: bool = False,
) -> Path:
    """Render ``template`` into the directory ``path`` and return it."""
    try:
        from cookiecutter.exceptions import CookiecutterException, FailedHookException
        from cookiecutter.main import cookiecutter
    except ImportError:
        raise ConfigError(
            "`python -m buildrs new` renders templates with cookiecutter, which is not "
            "installed. Install it with: pip install 'buildrs[templates]'"
        ) from None
    source = template_dir(template)
    answers = dict(values or {})
    _check_values(source, answers)
    destination = path.resolve()
    occupied = destination.exists() and (not destination.is_dir() or any(destination.iterdir()))
    if occupied and not force:
        raise ConfigError(
            f"{path} already exists and is not empty; choose another directory, or pass "
            "--force to render into it (files of the same name are overwritten)"
        )
    answers.setdefault("project_name", destination.name)
    logging.getLogger("cookiecutter").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="buildrs-new-") as scratch:
        try:
            rendered = cookiecutter(
                str(source),
                no_input=no_input,
                extra_context=answers,
                output_dir=scratch,
                default_config=True,
            )
        except FailedHookException:
            raise ConfigError(
                f"the {template} template rejected these answers (see the errors above); "
                "nothing was written"
            ) from None
        except CookiecutterException as exc:
            raise ConfigError(f"could not render the {template} template: {exc}") from None
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(
            rendered,
            destination,
            dirs_exist_ok=True,
            symlinks=True,
            # An installed template has bytecode pip compiled; a new project has none.
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return destination


def _installed() -> bool:
    """Whether buildrs is installed (not only imported from a checkout)."""
    from importlib import metadata

    try:
        metadata.distribution("buildrs")
    except metadata.PackageNotFoundError:
        return False
    return True


def next_steps(created: Path) -> str:
    """The commands that take a new project to passing tests, from where ``new`` runs:
    with this interpreter, without build isolation, so the build takes the buildrs
    (and setuptools) this environment holds: an isolated build would look for buildrs
    on a package index, which a buildrs installed from a checkout, a wheel file or a
    ``--find-links`` folder is not on. Run from a checkout with no buildrs
    installed, buildrs is installed from it first."""
    import os
    import shlex
    import sys

    where = os.path.relpath(created)
    shown = where if not where.startswith("..") else str(created)
    python = shlex.quote(sys.executable)
    install = f"{python} -m pip install --no-build-isolation -e '.[test]'"
    steps = f"cd {shlex.quote(shown)} && {install} && {python} -m pytest"
    if not _installed():
        steps = f"{python} -m pip install {shlex.quote(str(Path(__file__).parents[2]))} && " + steps
    return f"next: {steps}"

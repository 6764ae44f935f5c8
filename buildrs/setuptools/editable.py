"""Editable installs: the wheel of links gets a finder that rebuilds on import.

``editable_wheel`` is setuptools' own, plus two files in the wheel:
``__buildrs_rebuild_<name>.pth`` and the module it imports, which puts a finder on
``sys.meta_path`` for the project's Rust modules (``buildrs.cli.rebuild`` does
the work at the first import). A ``NoBinding`` library is loaded with ctypes or
cffi rather than imported, so the finder also watches the import of the package
that holds it.

The finder may never make an import fail for a reason of its own: with buildrs
not installed, or ``BUILDRS_REBUILD=0``, it steps aside without importing
anything, and it reports on stderr, never through ``warnings`` (which ``-W
error`` turns into exceptions).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from buildrs.wheel.editable import finder_module

from .distribution import CONFIG_OPTION, project_dir

__all__ = ["make_editable_wheel"]


def make_editable_wheel(base: type[Any]) -> type[Any]:
    """An ``editable_wheel`` whose wheel also holds ``__buildrs_rebuild_<name>.pth`` and
    the finder module it imports."""

    class editable_wheel(base):  # type: ignore[misc]
        user_options: ClassVar[list[tuple[str, str | None, str]]] = [
            *base.user_options,
            CONFIG_OPTION,
        ]

        def initialize_options(self) -> None:
            super().initialize_options()
            self.buildrs_config_settings: str | None = None

        def _run_build_commands(
            self, dist_name: str, unpacked_wheel: str, *args: Any, **kwargs: Any
        ) -> Any:
            result = super()._run_build_commands(dist_name, unpacked_wheel, *args, **kwargs)
            rust = self.distribution.get_command_obj("build_rust", create=False)
            outcome = getattr(rust, "outcome", None)
            inputs = [i for i in getattr(outcome, "stamp_inputs", []) if i["modules"]]
            if inputs:
                name = re.sub(r"\W", "_", self.distribution.get_name())
                module = f"_buildrs_rebuild_{name}"
                source = finder_module(str(project_dir(self.distribution)), inputs)
                Path(unpacked_wheel, f"{module}.py").write_text(source, encoding="utf-8")
                Path(unpacked_wheel, f"__buildrs_rebuild_{name}.pth").write_text(
                    f"import {module}\n", encoding="utf-8"
                )
            return result

    editable_wheel.__name__ = editable_wheel.__qualname__ = "editable_wheel"
    return editable_wheel

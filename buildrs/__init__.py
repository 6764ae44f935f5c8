"""buildrs: build Rust crates into installable Python packages.

Declare targets in ``[tool.buildrs]`` of pyproject.toml, or pass
``rust_extensions=[RustExtension(...)]`` to ``setup()``; every setuptools build
(``pip install``, ``pip wheel``, ``python -m build``, ``pip install -e``,
``setup.py build_ext``) then builds them with cargo.
"""

from __future__ import annotations

from .errors import BuildrsError, install_excepthook

# Not typing.TYPE_CHECKING: importing typing would add ~15 ms to every import of an
# editable project, whose finder imports buildrs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from buildrs.config.targets import Binding, Strip
    from buildrs.setuptools.extension import RustBin, RustExtension

__version__ = "0.1.0"

__all__ = ["Binding", "BuildrsError", "RustBin", "RustExtension", "Strip", "__version__"]

install_excepthook()


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that `python -m buildrs develop` starts quickly.
    if name in ("RustExtension", "RustBin"):
        from .setuptools import extension

        return getattr(extension, name)
    if name in ("Binding", "Strip"):
        from .config import targets

        return getattr(targets, name)
    raise AttributeError(f"module 'buildrs' has no attribute {name!r}")

"""buildrs: build Rust crates into installable Python packages.

Declare targets in ``[tool.buildrs]`` of pyproject.toml, or pass
``rust_extensions=[RustExtension(...)]`` to ``setup()``; every setuptools build
(``pip install``, ``pip wheel``, ``python -m build``, ``pip install -e``,
``setup.py build_ext``) then builds them with cargo.
"""

from __future__ import annotations

from .errors import BuildrsError
from .extension import Binding, RustBin, RustExtension, Strip

__version__ = "0.1.0"

__all__ = ["Binding", "BuildrsError", "RustBin", "RustExtension", "Strip", "__version__"]

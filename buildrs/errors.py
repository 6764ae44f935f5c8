"""Every error buildrs raises on purpose.

The message of each error names what is wrong (the file, the key or the crate)
and how to fix it. Wherever one goes uncaught, in ``setup.py``, a PEP 517 hook
or ``python -m buildrs``, it is printed as one ``error: ...`` paragraph instead of
a traceback (``install_excepthook``). This module imports nothing from
setuptools, so the build pipeline runs without it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import TracebackType

__all__ = [
    "ArtifactError",
    "BuildrsError",
    "CargoError",
    "CargoNotFoundError",
    "ConfigError",
    "ManifestError",
    "SetuptoolsNeeded",
    "install_excepthook",
]


class BuildrsError(Exception):
    """Base class of all errors buildrs raises."""


class ConfigError(BuildrsError):
    """Bad configuration: ``[tool.buildrs]``, ``RustExtension(...)`` or config settings."""


class ManifestError(BuildrsError):
    """A Cargo.toml that cannot describe the declared targets."""


class SetuptoolsNeeded(Exception):
    """Not an error: the project uses what only setuptools builds exactly (a key, a
    layout, a plugin), so its wheel is built by setuptools. The message says what."""


class CargoNotFoundError(BuildrsError):
    """No cargo executable could be found."""

    def __init__(self, tried: str) -> None:
        super().__init__(
            f"cargo was not found (looked for {tried!r}). buildrs needs the Rust toolchain to "
            "build this package. Install it with rustup (https://rustup.rs): "
            "`curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh`, then open a new "
            "shell so that ~/.cargo/bin is on PATH. If cargo is installed somewhere else, set "
            "the CARGO environment variable to its full path, e.g. CARGO=/opt/rust/bin/cargo."
        )


class CargoError(BuildrsError):
    """A cargo (or rustc) process failed."""

    def __init__(self, argv: Sequence[str], returncode: int | None, detail: str = "") -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        import shlex

        command = shlex.join(self.argv)
        if returncode is None:
            super().__init__(f"`{command}` could not be started: {detail}")
            return
        message = f"`{command}` failed with exit code {returncode}"
        if detail:
            message += f"\n{detail.rstrip()}"
        else:
            message += " (cargo's diagnostics are printed above)"
        super().__init__(message)


class ArtifactError(BuildrsError):
    """cargo succeeded but did not report the artifact a target needs."""


def install_excepthook() -> None:
    """Print an uncaught ``BuildrsError`` as ``error: <message>`` (exit status 1);
    every other exception goes to the hook that was there before."""
    previous = sys.excepthook
    if getattr(previous, "_buildrs", False):
        return

    def hook(
        kind: type[BaseException], value: BaseException, traceback: TracebackType | None
    ) -> None:
        if isinstance(value, BuildrsError):
            print(f"error: {value}", file=sys.stderr, flush=True)
        else:
            previous(kind, value, traceback)

    hook._buildrs = True  # type: ignore[attr-defined]
    sys.excepthook = hook

"""The public description of a Rust target: ``RustExtension`` and ``RustBin``.

The constructors accept every argument of setuptools-rust's classes of the same
names, with the same meaning, so migrating a ``setup.py`` is a change of import.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Literal, Union

from .errors import ConfigError

__all__ = ["Binding", "RustBin", "RustExtension", "Strip"]


class Binding(IntEnum):
    """How the Rust code talks to Python."""

    PyO3 = 1
    """A PyO3 extension module (the default)."""
    RustCPython = 2
    """An extension module written with the ``cpython`` crate."""
    NoBinding = 3
    """A plain cdylib with a C ABI, loaded with cffi or ctypes."""
    Exec = 4
    """An executable, installed inside the Python package."""

    def __repr__(self) -> str:
        return f"Binding.{self.name}"


class Strip(IntEnum):
    """Which symbols to strip from the built file (done by rustc, so cross builds work)."""

    No = 1
    Debug = 2
    All = 3

    def __repr__(self) -> str:
        return f"Strip.{self.name}"


PyLimitedApi = Union[Literal["auto"], bool, str]


def _strings(value: object, what: str, target: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(f"{target}: {what} must be a list of strings, got {value!r}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{target}: {what} must be a list of strings, got item {item!r}")
    return tuple(value)


def _string_map(value: object, what: str, target: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{target}: {what} must be a table of strings, got {value!r}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise ConfigError(
                f"{target}: {what} must map strings to strings, got {key!r} = {item!r}"
            )
    return dict(value)


def check_module_path(target: str, where: str) -> None:
    """Raise ``ConfigError`` unless ``target`` is a dotted Python module path."""
    parts = target.split(".")
    for part in parts:
        if not part.isidentifier() or keyword.iskeyword(part):
            raise ConfigError(
                f"{where}: target {target!r} is not a dotted Python module path "
                f"({part!r} is not a Python identifier); write it as e.g. 'mypackage._native'"
            )


class RustExtension:
    """A Rust crate built into a Python extension module (or, with ``Binding.Exec``,
    an executable placed inside the package).

    Args:
        target: dotted module path, e.g. ``"mypackage._native"``. Its last part
            is the cdylib's ``[lib] name`` (for ``Binding.Exec``: the binary's name).
        path: the crate's Cargo.toml, relative to the project root.
        args: extra arguments for ``cargo rustc`` / ``cargo build``.
        cargo_manifest_args: arguments passed to every cargo command
            (e.g. ``["--locked"]``).
        features: cargo features to enable.
        rustc_flags: extra flags for rustc, applied to this crate only.
        rust_version: minimum rustc version, checked before building.
        quiet: hide cargo's progress output.
        debug: ``True`` for the dev profile, ``False`` for release; ``None`` lets
            the build decide (in-place and editable builds: dev; wheels: release).
        binding: which binding the crate uses.
        strip: which symbols to strip from the result.
        script: with ``Binding.Exec``, also install the binary as a script.
        native: compile with ``-C target-cpu=native``.
        optional: a failure of this target is reported, not fatal.
        py_limited_api: ``"auto"`` reads pyo3's ``abi3`` features; ``True`` or a
            version such as ``"cp39"`` forces abi3 naming and tags; ``False`` disables.
        env: environment variables added (not substituted) for cargo.
        generated_files: maps paths in the build script's ``OUT_DIR`` to dotted
            Python packages they are copied into.
    """

    binding: Binding

    def __init__(
        self,
        target: str | dict[str, str],
        path: str = "Cargo.toml",
        args: Sequence[str] | None = (),
        cargo_manifest_args: Sequence[str] | None = (),
        features: Sequence[str] | None = (),
        rustc_flags: Sequence[str] | None = (),
        rust_version: str | None = None,
        quiet: bool = False,
        debug: bool | None = None,
        binding: Binding = Binding.PyO3,
        strip: Strip = Strip.No,
        script: bool = False,
        native: bool = False,
        optional: bool = False,
        py_limited_api: PyLimitedApi = "auto",
        env: Mapping[str, str] | None = None,
        generated_files: Mapping[str, str] | None = None,
    ) -> None:
        where = f"RustExtension({target!r})"
        if isinstance(target, dict):
            if len(target) != 1:
                raise ConfigError(
                    f"{where}: a target mapping with several binaries is not supported; "
                    "declare one RustExtension(..., binding=Binding.Exec) per binary, "
                    "or use RustBin for scripts"
                )
            ((bin_name, module),) = target.items()
            target = module
            self.cargo_target: str | None = bin_name or None
        else:
            self.cargo_target = None
        if not isinstance(target, str) or not target:
            raise ConfigError(f"{where}: target must be a dotted module path string")
        self.target = target
        self.name = target
        if not isinstance(path, str) or not path:
            raise ConfigError(f"{where}: path must be the path of a Cargo.toml")
        self.path = path
        self.args = _strings(args, "args", where)
        self.cargo_manifest_args = _strings(cargo_manifest_args, "cargo_manifest_args", where)
        self.features = _strings(features, "features", where)
        self.rustc_flags = _strings(rustc_flags, "rustc_flags", where)
        self.rust_version = rust_version
        self.quiet = bool(quiet)
        if debug is not None and not isinstance(debug, bool):
            raise ConfigError(f"{where}: debug must be true, false or unset")
        self.debug = debug
        self.binding = Binding(binding)
        self.strip = Strip(strip)
        self.script = bool(script)
        self.native = bool(native)
        self.optional = bool(optional)
        self.py_limited_api: PyLimitedApi = py_limited_api
        self.env = _string_map(env, "env", where)
        self.generated_files = _string_map(generated_files, "generated_files", where)
        if self.binding is not Binding.Exec:
            check_module_path(target, where)

    @property
    def module_name(self) -> str:
        """The last part of the dotted target: the file's base name."""
        return self.target.rpartition(".")[2]

    @property
    def package(self) -> str:
        """The dotted package holding the module ('' for a top-level module)."""
        return self.target.rpartition(".")[0]

    @property
    def is_bin(self) -> bool:
        return self.binding is Binding.Exec

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.target!r}, {self.path!r}, binding={self.binding!r})"


class RustBin(RustExtension):
    """A Rust binary installed as a script (into the environment's ``bin/``).

    ``target`` is the binary's name as cargo knows it (a ``[[bin]]`` name).
    """

    def __init__(
        self,
        target: str | dict[str, str],
        path: str = "Cargo.toml",
        args: Sequence[str] | None = (),
        cargo_manifest_args: Sequence[str] | None = (),
        features: Sequence[str] | None = (),
        rust_version: str | None = None,
        quiet: bool = False,
        debug: bool | None = None,
        strip: Strip = Strip.No,
        optional: bool = False,
        env: Mapping[str, str] | None = None,
        rustc_flags: Sequence[str] | None = (),
    ) -> None:
        super().__init__(
            target,
            path,
            args=args,
            cargo_manifest_args=cargo_manifest_args,
            features=features,
            rustc_flags=rustc_flags,
            rust_version=rust_version,
            quiet=quiet,
            debug=debug,
            binding=Binding.Exec,
            strip=strip,
            script=True,
            optional=optional,
            env=env,
        )
        if self.cargo_target is None:
            self.cargo_target = self.target

    @property
    def module_name(self) -> str:
        return self.target

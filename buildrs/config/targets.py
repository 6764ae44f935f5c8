"""The declared Rust targets: ``TargetSettings``, one per module or binary.

A target is declared by ``RustExtension(...)``/``RustBin(...)`` in setup.py or by a
``[[tool.buildrs.ext-modules]]``/``[[tool.buildrs.bins]]`` table, and validated where
it is declared. The fields' ``metadata`` carries the documentation: ``key_table()``
renders the key tables of docs/configuration.md from it, and a test keeps the two equal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import Any, Literal

from buildrs.errors import ConfigError

from .values import (
    PyLimitedApi,
    check_keys,
    check_module_path,
    enum_member,
    env_map,
    flag,
    generated_files,
    limited_api,
    optional_flag,
    rust_version,
    string,
    strings,
)

__all__ = [
    "Binding",
    "PyLimitedApi",
    "Strip",
    "TargetSettings",
    "key_table",
    "target_from_kwargs",
    "target_from_table",
    "target_keys",
]


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


_BOTH = ("ext", "bin")


def _doc(text: str, default: str = "", kinds: tuple[str, ...] = _BOTH) -> dict[str, Any]:
    """Field metadata: the key's documentation, its default as shown, where it applies."""
    return {"doc": text, "default": default, "kinds": kinds}


@dataclass(frozen=True)
class TargetSettings:
    """One Rust target, as declared and validated.

    Fields with ``doc`` metadata are keys of ``[[tool.buildrs.ext-modules]]``
    (``kinds`` containing ``"ext"``) and ``[[tool.buildrs.bins]]`` (``"bin"``), and
    keyword arguments of ``RustExtension``/``RustBin`` with ``-`` written ``_``.
    """

    target: str = field(
        metadata=_doc(
            "dotted module path, e.g. `pkg._native`; in `bins`, the binary's name (required)"
        )
    )
    path: str = field(
        default="Cargo.toml",
        metadata=_doc("the crate's Cargo.toml, relative to the project root", "`Cargo.toml`"),
    )
    binding: Binding = field(
        default=Binding.PyO3,
        metadata=_doc(
            "`PyO3`, `RustCPython`, `NoBinding` (a C-ABI cdylib for cffi/ctypes) or `Exec` "
            "(a binary placed in the package)",
            "`PyO3`",
            ("ext",),
        ),
    )
    features: tuple[str, ...] = field(default=(), metadata=_doc("cargo features to enable", "`[]`"))
    args: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            'extra cargo arguments, e.g. `["--locked"]`; a `--profile NAME` or `--release` '
            "here is the target's profile",
            "`[]`",
        ),
    )
    cargo_manifest_args: tuple[str, ...] = field(
        default=(), metadata=_doc("arguments for every cargo command of this crate", "`[]`")
    )
    rustc_flags: tuple[str, ...] = field(
        default=(),
        metadata=_doc("flags for rustc, this crate only (after `cargo rustc --`)", "`[]`"),
    )
    debug: bool | None = field(
        default=None,
        metadata=_doc(
            "`true` (or 1): dev profile; `false` (or 0): release; unset: dev for in-place and "
            "editable builds, release otherwise",
            "unset",
        ),
    )
    strip: Strip = field(
        default=Strip.No,
        metadata=_doc("`No`, `Debug` or `All` (done by rustc, so cross builds work)", "`No`"),
    )
    py_limited_api: PyLimitedApi = field(
        default="auto",
        metadata=_doc(
            '`"auto"` (abi3 when pyo3\'s `abi3*` features are on, or when `bdist_wheel` '
            'asks for it), `true`, `false`, or a floor such as `"cp39"`',
            '`"auto"`',
            ("ext",),
        ),
    )
    env: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_doc("environment variables **added** for cargo", "`{}`"),
    )
    generated_files: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_doc(
            '`{ "path/in/OUT_DIR" = "dotted.package" }`: files the build script writes',
            "`{}`",
            ("ext",),
        ),
    )
    rust_version: str | None = field(
        default=None,
        metadata=_doc(
            'rustc versions this builds with: `"1.70"` (a minimum), `">=1.56.0"`, `"~=1.70"`, '
            '`"^1.70"`',
            "any",
        ),
    )
    optional: bool = field(
        default=False, metadata=_doc("a failure of this target is a warning", "`false`")
    )
    quiet: bool = field(
        default=False, metadata=_doc("hide cargo's progress unless it fails", "`false`")
    )
    native: bool = field(
        default=False, metadata=_doc("`-C target-cpu=native`", "`false`", ("ext",))
    )
    stubs: bool = field(
        default=False,
        metadata=_doc(
            "also install `<module>.pyi` (from pyo3's introspection when the crate builds with "
            "pyo3's `experimental-inspect` feature, else from mypy's stubgen), and `py.typed` "
            "where the package has none; a `.pyi` of your own wins",
            "`false`",
            ("ext",),
        ),
    )
    script: bool = field(
        default=False,
        metadata=_doc(
            'with `binding = "Exec"`: also a console script that runs the binary',
            "`false`",
            ("ext",),
        ),
    )
    conditional_features: tuple[tuple[str, str | None, str | None], ...] = ()
    """``(feature, Python version specifier, implementation)``: features enabled only
    for the interpreters that match (maturin's ``features`` table form)."""
    kind: Literal["ext", "bin"] = "ext"
    """``"ext"``: a module (or Exec binary) in a package; ``"bin"``: a binary for ``bin/``."""
    cargo_target: str | None = None
    """The binary's cargo name, for Exec targets and bins (``None``: the module's name)."""
    declared: str = field(default="", compare=False)
    """Where it is declared, e.g. ``pyproject.toml: [[tool.buildrs.ext-modules]][0]``."""

    @property
    def module_name(self) -> str:
        """The installed file's base name: the target's last part (a bin's whole name)."""
        return self.target if self.kind == "bin" else self.target.rpartition(".")[2]

    @property
    def package(self) -> str:
        """The dotted package holding the file ('' for a top-level module or a bin)."""
        return "" if self.kind == "bin" else self.target.rpartition(".")[0]

    @property
    def is_bin(self) -> bool:
        """Built from a cargo binary target rather than the library."""
        return self.kind == "bin" or self.binding is Binding.Exec

    @property
    def binary_name(self) -> str:
        """The cargo binary this target builds (bins and Exec targets)."""
        return self.cargo_target or self.module_name

    @property
    def console_script(self) -> tuple[str, str] | None:
        """``(script name, wrapper module)`` of an Exec target with ``script``."""
        if self.kind != "ext" or self.binding is not Binding.Exec or not self.script:
            return None
        wrapper = "_gen_" + self.module_name.replace("-", "_").replace(".", "_")
        return self.module_name, ".".join(p for p in (self.package, wrapper) if p)

    def describe(self) -> str:
        """How messages name the target: as its declaration reads."""
        if self.declared.startswith("pyproject.toml"):
            return f"{'bin' if self.kind == 'bin' else 'ext-module'} {self.target!r}"
        return f"{'RustBin' if self.kind == 'bin' else 'RustExtension'}({self.target!r})"


def target_keys(kind: str) -> list[str]:
    """The pyproject keys a ``kind`` of table takes, in documentation order."""
    return [
        f.name.replace("_", "-")
        for f in fields(TargetSettings)
        if kind in f.metadata.get("kinds", ())
    ]


_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")


def _check_binary_target(settings: TargetSettings, where: str) -> None:
    """Bins and Exec targets name files: plain names, so nothing lands outside the tree."""
    if settings.kind == "bin":
        package, name = "", settings.target
    else:
        package, _, name = settings.target.rpartition(".")
    if package:
        check_module_path(package, where)
    for value in (name, settings.cargo_target or name):
        if not _FILE_NAME.fullmatch(value):
            raise ConfigError(
                f"{where}: {value!r} is not a binary name (letters, digits, '_' and '-'); "
                "a binary is installed inside the package or into the scripts directory, "
                "never at a path"
            )


_CONVERTERS: dict[str, Any] = {
    "target": string,
    "path": string,
    "binding": enum_member(Binding),
    "features": strings,
    "args": strings,
    "cargo_manifest_args": strings,
    "rustc_flags": strings,
    "debug": optional_flag,
    "strip": enum_member(Strip),
    "py_limited_api": limited_api,
    "env": env_map,
    "generated_files": generated_files,
    "rust_version": rust_version,
    "optional": flag,
    "quiet": flag,
    "native": flag,
    "script": flag,
    "stubs": flag,
}


def _build_target(
    kind: Literal["ext", "bin"],
    values: Mapping[str, object],
    where: str,
    key_where: Any,
    cargo_target: str | None = None,
) -> TargetSettings:
    """Convert and check ``values`` (keyword names); ``key_where(name)`` names a key in errors."""
    converted = {name: _CONVERTERS[name](value, key_where(name)) for name, value in values.items()}
    settings = TargetSettings(kind=kind, cargo_target=cargo_target, declared=where, **converted)
    if settings.is_bin:
        _check_binary_target(settings, where)
    else:
        check_module_path(settings.target, where)
        if (
            settings.binding in (Binding.PyO3, Binding.RustCPython)
            and not settings.target.isascii()
        ):
            raise ConfigError(
                f"{where}: target {settings.target!r} is not ASCII; {settings.binding.name} "
                "modules need ASCII names (their init function is named after them)"
            )
    if settings.script and settings.binding is not Binding.Exec and kind == "ext":
        raise ConfigError(f'{key_where("script")}: script = true needs binding = "Exec"')
    if settings.stubs and (
        settings.is_bin or settings.binding not in (Binding.PyO3, Binding.RustCPython)
    ):
        raise ConfigError(
            f"{key_where('stubs')}: stubs describe an extension module (PyO3 or RustCPython), "
            f"not a {settings.binding.name} target"
        )
    if settings.generated_files and settings.is_bin:
        raise ConfigError(
            f"{key_where('generated_files')}: generated files come with a library target, "
            "not with a binary"
        )
    return settings


def target_from_kwargs(
    kind: Literal["ext", "bin"], target: object, kwargs: Mapping[str, object]
) -> tuple[TargetSettings, ...]:
    """Settings of ``RustExtension(target, **kwargs)`` / ``RustBin(...)``.

    A mapping target ``{"binary": "pkg.module", ...}`` declares one binary per entry.
    """
    where = f"{'RustBin' if kind == 'bin' else 'RustExtension'}({target!r})"

    def key_where(name: str) -> str:
        return f"{where}: {name}"

    if isinstance(target, Mapping):
        if not target or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in target.items()
        ):
            raise ConfigError(f"{where}: a target mapping maps binary names to dotted paths")
        many = len(target) > 1
        if many and kwargs.get("binding", Binding.Exec) not in (Binding.Exec, "Exec", 4):
            raise ConfigError(
                f"{where}: a mapping with several targets is for binaries; add binding=Binding.Exec"
            )
        return tuple(
            _build_target(kind, {**kwargs, "target": module}, where, key_where, cargo or None)
            for cargo, module in target.items()
        )
    settings = _build_target(kind, {**kwargs, "target": target}, where, key_where)
    return (settings,)


def target_from_table(kind: Literal["ext", "bin"], table: object, where: str) -> TargetSettings:
    """Settings of one ``[[tool.buildrs.ext-modules]]`` or ``[[tool.buildrs.bins]]`` table."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    entry = check_keys(table, target_keys(kind), where)
    if "target" not in entry:
        example = "mypackage._native" if kind == "ext" else "my-tool"
        raise ConfigError(f"{where}: missing required key 'target', e.g. target = {example!r}")

    def key_where(name: str) -> str:
        return f"{where}.{name.replace('_', '-')}"

    values = {key.replace("-", "_"): value for key, value in entry.items()}
    if kind == "bin":
        values["binding"] = Binding.Exec
        values["script"] = False
    return _build_target(kind, values, where, key_where)


def key_table(kind: str) -> str:
    """The Markdown table of the keys of a ``kind`` (``"ext"`` or ``"bin"``) of target."""
    rows = ["| key | meaning | default |", "| --- | --- | --- |"]
    for item in fields(TargetSettings):
        if kind in item.metadata.get("kinds", ()):
            meta = item.metadata
            rows.append(f"| `{item.name.replace('_', '-')}` | {meta['doc']} | {meta['default']} |")
    return "\n".join(rows)

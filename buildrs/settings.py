"""Every setting buildrs reads, in one model.

Two frozen dataclasses hold them:

- ``TargetSettings``: one declared Rust target, validated where it is loaded,
  whether it comes from ``RustExtension(...)``/``RustBin(...)`` in setup.py or
  from a ``[[tool.buildrs.ext-modules]]``/``[[tool.buildrs.bins]]`` table;
- ``BuildSettings``: what one build is asked for, resolved by ``resolve()`` from
  its sources in this order, later ones winning::

      defaults < [tool.buildrs] / setup.py < setup.cfg and command-line options
               < --config-settings < environment variables

The fields' ``metadata`` carries the documentation: ``key_table()`` renders the
README's key tables from it, and a test keeps the two equal.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import keyword
import re
import shlex
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import IntEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, Literal, Union

from .errors import ConfigError

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = [
    "CONFIG_SETTINGS",
    "DEFAULT_GLIBC",
    "Binding",
    "BuildSettings",
    "PyLimitedApi",
    "Strip",
    "TargetSettings",
    "check_glibc",
    "config_settings_scope",
    "key_table",
    "parse_python_version",
    "parse_rust_version",
    "resolve",
    "split_config_settings",
    "target_from_kwargs",
    "target_from_table",
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


PyLimitedApi = Union[Literal["auto"], bool, tuple[int, int]]
"""``"auto"``, ``True``, ``False`` or a stable-ABI floor such as ``(3, 9)``."""

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
    script: bool = field(
        default=False,
        metadata=_doc(
            'with `binding = "Exec"`: also a console script that runs the binary',
            "`false`",
            ("ext",),
        ),
    )
    kind: Literal["ext", "bin"] = "ext"
    """``"ext"``: a module (or Exec binary) in a package; ``"bin"``: a binary for ``bin/``."""
    cargo_target: str | None = None
    """The binary's cargo name, for Exec targets and bins (``None``: the module's name)."""

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
        return f"{'RustBin' if self.kind == 'bin' else 'RustExtension'}({self.target!r})"


def target_keys(kind: str) -> list[str]:
    """The pyproject keys a ``kind`` of table takes, in documentation order."""
    return [
        f.name.replace("_", "-")
        for f in fields(TargetSettings)
        if kind in f.metadata.get("kinds", ())
    ]


# --- value checks shared by setup.py arguments and pyproject tables -----------------


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f'{where}: expected a list of strings like ["a", "b"], got {value!r}')


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _flag(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConfigError(f"{where}: expected true or false (or 1 or 0), got {value!r}")


def _optional_flag(value: object, where: str) -> bool | None:
    return None if value is None else _flag(value, where)


def _string_map(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise ConfigError(
        f'{where}: expected a table of strings like {{ NAME = "value" }}, got {value!r}'
    )


def _env_map(value: object, where: str) -> dict[str, str]:
    env = _string_map(value, where)
    for name, item in env.items():
        if not name or "=" in name or "\0" in name:
            raise ConfigError(
                f"{where}: {name!r} cannot be the name of an environment variable "
                "(it is empty or holds '=' or a NUL byte)"
            )
        if "\0" in item:
            raise ConfigError(f"{where}: the value of {name} holds a NUL byte")
    return env


def _generated_files(value: object, where: str) -> dict[str, str]:
    mapping = _string_map(value, where)
    for inside, package in mapping.items():
        path = PurePosixPath(inside.replace("\\", "/"))
        if not inside or path.is_absolute() or ".." in path.parts or PureWindowsPath(inside).drive:
            raise ConfigError(
                f"{where}: {inside!r} must be a relative path inside the build script's "
                "OUT_DIR (no leading '/' and no '..')"
            )
        if not all(part.isidentifier() for part in package.split(".")):
            raise ConfigError(
                f"{where}: {package!r} (for {inside!r}) must be a dotted Python package "
                "such as 'mypackage.data'"
            )
    return mapping


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


def _enum(kind: type[IntEnum]) -> Any:
    def convert(value: object, where: str) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            for member in kind:
                if value.lower() == member.name.lower():
                    return member
        if isinstance(value, int) and not isinstance(value, bool):
            with contextlib.suppress(ValueError):
                return kind(value)
        names = ", ".join(member.name for member in kind)
        raise ConfigError(f"{where}: expected one of {names}, got {value!r}")

    return convert


def parse_python_version(value: str, where: str) -> tuple[int, int]:
    """``"cp39"``, ``"py39"``, ``"3.9"`` or ``"39"`` -> ``(3, 9)``."""
    text = value.lower().removeprefix("cp").removeprefix("py").replace(".", "")
    if len(text) >= 2 and text.isdigit() and text[0] == "3":
        return 3, int(text[1:])
    raise ConfigError(f"{where}: expected a Python version like 'cp39', got {value!r}")


def _limited_api(value: object, where: str) -> PyLimitedApi:
    if isinstance(value, bool) or value == "auto":
        return value
    if isinstance(value, str):
        try:
            return parse_python_version(value, where)
        except ConfigError:
            pass
    raise ConfigError(
        f'{where}: expected "auto", true, false or a version like "cp39", got {value!r}'
    )


def parse_rust_version(value: str, where: str) -> SpecifierSet:
    """A rustc version requirement: a bare version is a minimum; PEP 440 operators
    (``>=1.56``, ``~=1.70``, ``<2``), cargo's ``^1.70``/``~1.70`` and comma-joined
    lists of them are accepted."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    parts: list[str] = []
    for raw in value.split(","):
        text = raw.strip()
        try:
            if text[:1].isdigit():
                text = f">={text}"
            elif text.startswith("^"):
                base = text[1:].strip()
                major = int(base.split(".")[0])
                text = f">={base},<{major + 1}"
            elif text.startswith("~") and not text.startswith("~="):
                base = text[1:].strip()
                nums = [int(n) for n in base.split(".")]
                upper = f"{nums[0]}.{nums[1] + 1}" if len(nums) > 1 else f"{nums[0] + 1}"
                text = f">={base},<{upper}"
            parts.append(text)
        except (ValueError, IndexError):
            parts.append("!" + text)  # rejected below
    try:
        return SpecifierSet(",".join(parts))
    except InvalidSpecifier:
        raise ConfigError(
            f"{where}: {value!r} is not a rustc version requirement; write a minimum like "
            '"1.70" or a specifier like ">=1.70" or "~=1.70"'
        ) from None


def _rust_version(value: object, where: str) -> str | None:
    if value is None:
        return None
    text = _string(value, where)
    parse_rust_version(text, where)
    return text


def check_module_path(target: str, where: str) -> None:
    """Raise ``ConfigError`` unless ``target`` is a dotted Python module path."""
    for part in target.split("."):
        if not part.isidentifier() or keyword.iskeyword(part):
            raise ConfigError(
                f"{where}: target {target!r} is not a dotted Python module path "
                f"({part!r} is not a Python identifier); write it as e.g. 'mypackage._native'"
            )


_CONVERTERS: dict[str, Any] = {
    "target": _string,
    "path": _string,
    "binding": _enum(Binding),
    "features": _strings,
    "args": _strings,
    "cargo_manifest_args": _strings,
    "rustc_flags": _strings,
    "debug": _optional_flag,
    "strip": _enum(Strip),
    "py_limited_api": _limited_api,
    "env": _env_map,
    "generated_files": _generated_files,
    "rust_version": _rust_version,
    "optional": _flag,
    "quiet": _flag,
    "native": _flag,
    "script": _flag,
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
    settings = TargetSettings(kind=kind, cargo_target=cargo_target, **converted)
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


def _close(key: str, allowed: Sequence[str]) -> str:
    match = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f" — did you mean {match[0]!r}?" if match else f" (known keys: {', '.join(allowed)})"


def check_keys(
    table: Mapping[str, object], allowed: Sequence[str], where: str
) -> dict[str, object]:
    """``table`` with setuptools-rust's underscore spellings turned into dashed keys;
    an unknown key, or one given in both spellings, is an error."""
    out: dict[str, object] = {}
    for key, value in table.items():
        dashed = key.replace("_", "-")
        if dashed not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}{_close(dashed, allowed)}")
        if dashed in out:
            raise ConfigError(f"{where}: {dashed!r} is given twice (as {key!r} too); keep one")
        out[dashed] = value
    return out


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


# --- build-wide settings ---------------------------------------------------------------

DEFAULT_GLIBC = "2.17"
"""The glibc zig builds link against unless told otherwise: manylinux2014."""

CONFIG_SETTINGS = {
    "buildrs.profile": "BUILDRS_PROFILE",
    "buildrs.features": "BUILDRS_FEATURES",
    "buildrs.cargo-args": "BUILDRS_CARGO_ARGS",
    "buildrs.vendor": "BUILDRS_VENDOR",
    "buildrs.zig": "BUILDRS_ZIG",
    "buildrs.glibc": "BUILDRS_GLIBC",
}
"""``--config-settings`` keys and the environment variable of the same setting."""


@dataclass(frozen=True)
class BuildSettings:
    """What one build is asked for, for every target; see ``resolve``."""

    profile: str | None = None
    """A cargo profile forced on every target, from the command line, ``-C`` or the environment."""
    wheel_profile: str = "release"
    """``[tool.buildrs] profile``: the profile of wheel builds."""
    editable_profile: str = "dev"
    """``[tool.buildrs] editable-profile``: the profile of in-place and editable builds."""
    features: tuple[str, ...] = ()
    """Features added to every target's own."""
    cargo_args: tuple[str, ...] = ()
    """cargo arguments added to every target's own."""
    vendor: bool = False
    """sdists: put the crates' dependencies into the sdist."""
    target: str | None = None
    """The cargo target triple to build for (``None``: the host)."""
    py_limited_api: tuple[int, int] | None = None
    """``bdist_wheel``'s ``py_limited_api``: build ``auto`` targets for this abi3 floor."""
    quiet: bool = False
    """``build_rust --qbuild``: hide every target's cargo progress unless it fails."""
    target_dir: str | None = None
    """``build_rust --build-temp``: cargo's target directory."""
    rustc_wrapper: str | None = None
    """The program cargo runs rustc through (``RUSTC_WRAPPER``, else ``[tool.buildrs]
    rustc-wrapper``), e.g. ``sccache``."""
    zig: bool = False
    """Link through ``cargo-zigbuild`` with zig, for Linux wheels that run on older glibc."""
    glibc: str = DEFAULT_GLIBC
    """With ``zig``: the glibc version Linux builds link against (the manylinux tag)."""
    unset_env: tuple[str, ...] = ()
    """Variables kept from cargo: ``CARGO_TARGET_DIR`` when it is passed as
    ``--target-dir`` instead, because sccache puts every ``CARGO_*`` variable into
    its cache keys and the target directory differs from checkout to checkout."""

    @property
    def sccache(self) -> bool:
        """Whether the rustc wrapper is sccache (its hit figures are reported)."""
        return _is_sccache(self.rustc_wrapper)


def check_glibc(text: str, where: str) -> str:
    """A glibc version such as ``2.17``, or a ConfigError naming ``where``."""
    if not re.fullmatch(r"2\.\d{1,2}", text.strip()):
        raise ConfigError(
            f'{where}: expected a glibc version such as "2.17" (manylinux2014) or '
            f'"2.28", got {text!r}'
        )
    return text.strip()


_active: contextvars.ContextVar[Mapping[str, object]] = contextvars.ContextVar(
    "buildrs_config_settings", default=types.MappingProxyType({})
)


def split_config_settings(
    config_settings: Mapping[str, object] | None,
) -> tuple[dict[str, object], dict[str, object] | None]:
    """``(buildrs' settings, the others or None)``; an unknown ``buildrs.*`` is an error."""
    ours: dict[str, object] = {}
    rest: dict[str, object] = {}
    for key, value in (config_settings or {}).items():
        if key.startswith("buildrs."):
            if key not in CONFIG_SETTINGS:
                raise ConfigError(
                    f"--config-settings: unknown buildrs setting {key!r}"
                    f"{_close(key, list(CONFIG_SETTINGS))}"
                )
            ours[key] = value
        else:
            rest[key] = value
    return ours, rest or None


@contextlib.contextmanager
def config_settings_scope(ours: Mapping[str, object]) -> Iterator[None]:
    """Make buildrs' config settings visible to ``resolve`` while a PEP 517 hook runs."""
    token = _active.set(ours)
    try:
        yield
    finally:
        _active.reset(token)


def active_config_settings() -> Mapping[str, object]:
    return _active.get()


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _truth(text: object, where: str) -> bool:
    if isinstance(text, bool):
        return text
    if isinstance(text, int) and text in (0, 1):
        return bool(text)
    word = str(text).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{where}: expected true or false, got {text!r}")


def _setting_text(value: object, separator: str) -> str:
    if isinstance(value, list):
        return separator.join(str(v) for v in value)
    return "" if value is None else str(value)


def _split_features(text: str) -> tuple[str, ...]:
    return tuple(f for f in text.replace(",", " ").split() if f)


def _split_args(text: str, where: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise ConfigError(f"{where}: cannot split {text!r} into arguments: {exc}") from None


CommandOptions = Mapping[str, Mapping[str, tuple[str, object]]]
"""setuptools' ``dist.command_options``: command -> option -> (source, value)."""


def _option(commands: CommandOptions, command: str, name: str) -> tuple[str, object] | None:
    found = commands.get(command, {}).get(name)
    return (found[0], found[1]) if found is not None else None


def _command_profile(commands: CommandOptions) -> str | None:
    """The profile the command line or setup.cfg ask for: ``build_rust --profile``,
    ``--debug`` or ``--release``, then ``build_ext --debug``."""
    profile = _option(commands, "build_rust", "profile")
    if profile and profile[1]:
        return str(profile[1])
    debug = _option(commands, "build_rust", "debug")
    release = _option(commands, "build_rust", "release")
    is_debug = bool(debug and _truth(debug[1], f"build_rust debug ({debug[0]})"))
    is_release = bool(release and _truth(release[1], f"build_rust release ({release[0]})"))
    if is_debug and is_release:
        raise ConfigError("build_rust: --debug and --release cannot be used together")
    if is_release:
        return "release"
    if is_debug:
        return "dev"
    ext_debug = _option(commands, "build_ext", "debug")
    if ext_debug and _truth(ext_debug[1], f"build_ext debug ({ext_debug[0]})"):
        return "dev"
    return None


def resolve(
    *,
    project: Mapping[str, object] | None = None,
    commands: CommandOptions | None = None,
    config_settings: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> BuildSettings:
    """Resolve the build-wide settings from their sources, later ones winning:
    ``project`` (the checked top level of ``[tool.buildrs]``: ``profile``,
    ``editable-profile``, ``vendor``, ``rustc-wrapper``, ``zig``, ``glibc``),
    ``commands`` (setup.cfg and command-line options), ``config_settings``
    (``-C buildrs.*``) and ``environ``.

    Two settings follow their own tool's rule instead: cargo's ``CARGO_BUILD_TARGET``
    ranks below a ``--target`` option, as it does for cargo.
    """
    project = project or {}
    commands = commands or {}
    config_settings = config_settings if config_settings is not None else active_config_settings()
    environ = environ or {}

    def setting(key: str) -> str | None:
        if key in config_settings:
            return _setting_text(config_settings[key], " " if key == "buildrs.cargo-args" else ",")
        return None

    # profile: command line < -C < environment
    profile = _command_profile(commands)
    if setting("buildrs.profile"):
        profile = setting("buildrs.profile")
    for name in ("SETUPTOOLS_RUST_CARGO_PROFILE", "BUILDRS_PROFILE"):
        if environ.get(name):
            profile = environ[name]

    features: tuple[str, ...] = ()
    cargo_args: tuple[str, ...] = ()
    for text in (setting("buildrs.features"), environ.get("BUILDRS_FEATURES")):
        if text:
            features = _split_features(text)
    for text, where in (
        (setting("buildrs.cargo-args"), "-C buildrs.cargo-args"),
        (environ.get("BUILDRS_CARGO_ARGS"), "BUILDRS_CARGO_ARGS"),
    ):
        if text:
            cargo_args = _split_args(text, where)

    vendor = bool(project.get("vendor", False))
    for command, name in (("sdist", "vendor"), ("sdist", "vendor_crates")):
        found = _option(commands, command, name)
        if found is not None:
            vendor = _truth(found[1], f"sdist --{name.replace('_', '-')} ({found[0]})")
    if setting("buildrs.vendor") is not None:
        vendor = _truth(setting("buildrs.vendor"), "-C buildrs.vendor")
    if environ.get("BUILDRS_VENDOR", "").strip():
        vendor = _truth(environ["BUILDRS_VENDOR"], "BUILDRS_VENDOR")

    target = environ.get("CARGO_BUILD_TARGET") or None
    for command in ("bdist_wheel", "build_ext", "build_rust"):
        found = _option(commands, command, "target")
        if found is not None and found[1]:
            target = str(found[1])

    limited: tuple[int, int] | None = None
    found = _option(commands, "bdist_wheel", "py_limited_api")
    if found is not None and found[1]:
        limited = parse_python_version(str(found[1]), f"bdist_wheel py_limited_api ({found[0]})")

    zig = bool(project.get("zig", False))
    glibc = str(project.get("glibc") or DEFAULT_GLIBC)
    if setting("buildrs.zig") is not None:
        zig = _truth(setting("buildrs.zig"), "-C buildrs.zig")
    if environ.get("BUILDRS_ZIG", "").strip():
        zig = _truth(environ["BUILDRS_ZIG"], "BUILDRS_ZIG")
    for text, where in (
        (setting("buildrs.glibc"), "-C buildrs.glibc"),
        (environ.get("BUILDRS_GLIBC"), "BUILDRS_GLIBC"),
    ):
        if text:
            glibc = check_glibc(text, where)

    qbuild = _option(commands, "build_rust", "qbuild")
    build_temp = _option(commands, "build_rust", "build_temp")
    target_dir = str(build_temp[1]) if build_temp and build_temp[1] else None
    wrapper = environ.get("RUSTC_WRAPPER") or _optional_str(project.get("rustc-wrapper"))
    unset: tuple[str, ...] = ()
    if _is_sccache(wrapper) and environ.get("CARGO_TARGET_DIR"):
        target_dir = target_dir or environ["CARGO_TARGET_DIR"]
        unset = ("CARGO_TARGET_DIR",)
    return BuildSettings(
        profile=profile,
        wheel_profile=str(project.get("profile") or "release"),
        editable_profile=str(project.get("editable-profile") or "dev"),
        features=features,
        cargo_args=cargo_args,
        vendor=vendor,
        target=target,
        py_limited_api=limited,
        quiet=bool(qbuild and _truth(qbuild[1], "build_rust --qbuild")),
        target_dir=target_dir,
        rustc_wrapper=wrapper,
        zig=zig,
        glibc=glibc,
        unset_env=unset,
    )


def _is_sccache(wrapper: str | None) -> bool:
    name = (wrapper or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name.removesuffix(".exe") == "sccache"


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def key_table(kind: str) -> str:
    """The Markdown table of the keys of a ``kind`` (``"ext"`` or ``"bin"``) of target."""
    rows = ["| key | meaning | default |", "| --- | --- | --- |"]
    for item in fields(TargetSettings):
        if kind in item.metadata.get("kinds", ()):
            meta = item.metadata
            rows.append(f"| `{item.name.replace('_', '-')}` | {meta['doc']} | {meta['default']} |")
    return "\n".join(rows)

"""The public description of a Rust target: ``RustExtension`` and ``RustBin``.

The constructors accept every argument of setuptools-rust's classes of the same
names, with the same meaning, so migrating a ``setup.py`` is a change of import.
Each object holds the validated ``TargetSettings`` (one per binary of a target
mapping); the build reads only those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Union

from buildrs.config.targets import (
    Binding,
    PyLimitedApi,
    Strip,
    TargetSettings,
    target_from_kwargs,
)

__all__ = ["Binding", "RustBin", "RustExtension", "Strip"]

_PyLimitedApiArg = Union[PyLimitedApi, str]


class RustExtension:
    """A Rust crate built into a Python extension module (or, with ``Binding.Exec``,
    an executable placed inside the package).

    Args:
        target: dotted module path, e.g. ``"mypackage._native"``; the module file is
            named after its last part. With ``Binding.Exec``, a mapping
            ``{"binary": "pkg.binary", ...}`` places several binaries of the crate.
        path: the crate's Cargo.toml, relative to the project root.
        args: extra arguments for ``cargo rustc`` / ``cargo build``; a
            ``--profile NAME`` or ``--release`` here is the target's profile.
        cargo_manifest_args: arguments passed to every cargo command
            (e.g. ``["--locked"]``).
        features: cargo features to enable.
        rustc_flags: extra flags for rustc, applied to this crate only.
        rust_version: rustc versions the crate builds with (``"1.70"`` is a minimum;
            ``">=1.56.0"``, ``"~=1.70"`` and ``"^1.70"`` work too), checked first.
        quiet: hide cargo's progress output.
        debug: ``True`` for the dev profile, ``False`` for release; ``None`` lets
            the build decide (in-place and editable builds: dev; wheels: release).
        binding: which binding the crate uses.
        strip: which symbols to strip from the result.
        script: with ``Binding.Exec``, also install a console script running the binary.
        native: compile with ``-C target-cpu=native``.
        optional: a failure of this target is reported, not fatal.
        py_limited_api: ``"auto"`` follows pyo3's ``abi3`` features and
            ``bdist_wheel``'s ``py_limited_api``; ``True`` or a version such as
            ``"cp39"`` forces abi3; ``False`` disables.
        env: environment variables added (not substituted) for cargo.
        generated_files: maps paths in the build script's ``OUT_DIR`` to dotted
            Python packages they are copied into.
        stubs: also install ``<module>.pyi`` and, where missing, ``py.typed``.
    """

    def __init__(
        self,
        target: str | Mapping[str, str],
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
        py_limited_api: _PyLimitedApiArg = "auto",
        env: Mapping[str, str] | None = None,
        generated_files: Mapping[str, str] | None = None,
        stubs: bool = False,
    ) -> None:
        self._set(
            target_from_kwargs(
                "ext",
                target,
                {
                    "path": path,
                    "args": args,
                    "cargo_manifest_args": cargo_manifest_args,
                    "features": features,
                    "rustc_flags": rustc_flags,
                    "rust_version": rust_version,
                    "quiet": quiet,
                    "debug": debug,
                    "binding": binding,
                    "strip": strip,
                    "script": script,
                    "native": native,
                    "optional": optional,
                    "py_limited_api": py_limited_api,
                    "env": env,
                    "generated_files": generated_files,
                    "stubs": stubs,
                },
            ),
            target,
        )

    def _set(self, settings: tuple[TargetSettings, ...], target: object) -> None:
        self.settings = settings
        first = settings[0]
        # setuptools-rust's attribute names, for code that inspects its extensions.
        self.target = target if isinstance(target, str) else dict(target)  # type: ignore[call-overload]
        self.name = first.target if len(settings) == 1 else "; ".join(s.target for s in settings)
        self.path = first.path
        self.args = first.args
        self.cargo_manifest_args = first.cargo_manifest_args
        self.features = first.features
        self.rustc_flags = first.rustc_flags
        self.rust_version = first.rust_version
        self.quiet = first.quiet
        self.debug = first.debug
        self.binding = first.binding
        self.strip = first.strip
        self.script = first.script
        self.native = first.native
        self.optional = first.optional
        self.py_limited_api = first.py_limited_api
        self.env = dict(first.env)
        self.generated_files = dict(first.generated_files)
        self.stubs = first.stubs

    @classmethod
    def from_settings(cls, settings: TargetSettings) -> RustExtension:
        """Wrap settings already validated (from pyproject.toml)."""
        made = cls.__new__(RustBin if settings.kind == "bin" else RustExtension)
        made._set((settings,), settings.target)
        return made

    def entry_points(self) -> list[str]:
        """setuptools-rust's way to ask for console scripts; buildrs declares the scripts
        of Exec targets itself (in ``egg_info``), so another plugin gets none."""
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.target!r}, {self.path!r}, binding={self.binding!r})"


class RustBin(RustExtension):
    """A Rust binary installed as a script (into the environment's ``bin/``).

    ``target`` is the binary's name as cargo knows it (a ``[[bin]]`` name).
    """

    def __init__(
        self,
        target: str | Mapping[str, str],
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
        self._set(
            target_from_kwargs(
                "bin",
                target,
                {
                    "path": path,
                    "args": args,
                    "cargo_manifest_args": cargo_manifest_args,
                    "features": features,
                    "rust_version": rust_version,
                    "quiet": quiet,
                    "debug": debug,
                    "binding": Binding.Exec,
                    "strip": strip,
                    "optional": optional,
                    "env": env,
                    "rustc_flags": rustc_flags,
                },
            ),
            target,
        )

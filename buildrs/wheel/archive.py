"""The one writer of buildrs' wheels: a wheel's files zipped as setuptools zips them.

``WheelContents`` gathers the files of a wheel by their names in it, from folders
laid out as the wheel is (the Python part, what cargo built) and from bytes (WHEEL,
the SBOM). ``write_wheel`` zips them in the order of setuptools' ``bdist_wheel``,
as if they were one folder (walked with names sorted, the files directly in
``.dist-info`` after everything else, RECORD last), each dated by the build
(1980-01-01 at the earliest) with the mode of its file, deflated. A wheel already
holding exactly those entries is kept, or copied from the last build, rather than
compressed again.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import shutil
import stat
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Union

from buildrs.plan.builddate import ZIP_EPOCH

__all__ = [
    "WheelContents",
    "default_mode",
    "record_digest",
    "record_text",
    "wheel_metadata",
    "write_wheel",
]

Source = Union[Path, tuple[bytes, int]]
"""A file on disk, or its contents and mode."""


def default_mode() -> int:
    """The mode a file written now gets: ``0o666`` less the umask, as setuptools'
    own files (WHEEL, entry points) get it."""
    current = os.umask(0)
    os.umask(current)
    return 0o666 & ~current


def record_digest(data: bytes) -> str:
    """A file's hash as RECORD holds it: ``sha256=<urlsafe base64, unpadded>``."""
    encoded = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={encoded.decode('ascii')}"


def record_text(rows: Iterable[Sequence[str]]) -> str:
    """RECORD's text for ``rows`` (path, hash, size), written as the wheel package
    writes it."""
    text = io.StringIO()
    csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n").writerows(rows)
    return text.getvalue()


def wheel_metadata(tag: Sequence[str], generator: str, pure: bool = False) -> str:
    """The WHEEL file of a wheel tagged ``tag`` (each part may hold several tags
    joined by dots, as a manylinux tag and its legacy alias are)."""
    root_is_purelib = "true" if pure else "false"
    lines = ["Wheel-Version: 1.0", f"Generator: {generator}", f"Root-Is-Purelib: {root_is_purelib}"]
    impls, abis, plats = (part.split(".") for part in tag)
    lines += [f"Tag: {i}-{a}-{p}" for i in impls for a in abis for p in plats]
    return "".join(f"{line}\n" for line in lines) + "\n"


class WheelContents:
    """The files of a wheel, by their names in it (``/``-separated)."""

    def __init__(self) -> None:
        self.files: dict[str, Source] = {}

    def add_tree(self, root: Path) -> None:
        """Every file under ``root``, named by its path relative to it (a later tree's
        file of the same name takes the place of an earlier one's)."""
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in names:
                path = Path(folder, name)
                if path.is_file():
                    self.files[path.relative_to(root).as_posix()] = path

    def add(self, name: str, data: bytes, mode: int | None = None) -> None:
        """A file made in memory, with ``mode`` (default: ``default_mode()``)."""
        self.files[name] = (data, default_mode() if mode is None else mode)

    def names(self) -> list[str]:
        return list(self.files)

    def on_disk(self) -> dict[str, Path]:
        """The files that are on disk, by name (the native binaries are among them)."""
        return {name: src for name, src in self.files.items() if isinstance(src, Path)}

    def read(self, name: str) -> tuple[bytes, int]:
        """The contents and mode of ``name``."""
        found = self.files[name]
        if isinstance(found, Path):
            return found.read_bytes(), found.stat().st_mode
        return found[0], stat.S_IFREG | found[1]


def _walk(names: Iterable[str]) -> Iterator[str]:
    """``names`` in the order ``os.walk`` with sorted names would find them in one
    folder, the files directly in a ``.dist-info`` folder last (as setuptools' wheel
    writer defers them), sorted."""
    tree: dict[str, object] = {}
    for name in names:
        node = tree
        *folders, leaf = name.split("/")
        for folder in folders:
            node = node.setdefault(folder, {})  # type: ignore[assignment]
        node[leaf] = name

    deferred: list[str] = []

    def visit(node: Mapping[str, object], deferring: bool) -> Iterator[str]:
        files = sorted(k for k, v in node.items() if isinstance(v, str))
        for key in files:
            full = node[key]
            assert isinstance(full, str)
            if deferring:
                deferred.append(full)
            else:
                yield full
        for key in sorted(k for k, v in node.items() if isinstance(v, dict)):
            child = node[key]
            assert isinstance(child, dict)
            yield from visit(child, key.endswith(".dist-info"))

    yield from visit(tree, False)
    yield from sorted(deferred)


def _zip_info(name: str, date: tuple[int, ...], mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date)  # type: ignore[arg-type]
    info.external_attr = (stat.S_IMODE(mode) | stat.S_IFMT(mode)) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _holds(wheel: Path, infos: list[zipfile.ZipInfo], record: str) -> bool:
    """Whether ``wheel`` is already made of ``infos`` (names, dates, modes, in order) and
    has the RECORD ``record``, whose hashes name every file's contents."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            found = archive.infolist()
            same = [(i.filename, i.date_time, i.external_attr, i.compress_type) for i in found]
            wanted = [(i.filename, i.date_time, i.external_attr, i.compress_type) for i in infos]
            return same == wanted and archive.read(found[-1]).decode("utf-8") == record
    except (OSError, zipfile.BadZipFile, IndexError, UnicodeDecodeError):
        return False


def write_wheel(
    contents: WheelContents,
    wheel: Path,
    dist_info: str,
    epoch: int,
    reuse: Path | None = None,
) -> None:
    """Zip ``contents`` into ``wheel`` with a RECORD in ``dist_info``, atomically. A
    wheel there already (or at ``reuse``, the last build's) holding the same entries
    is kept (copied) as it is: compressing the modules again is most of the work."""
    date = time.gmtime(max(epoch, ZIP_EPOCH))[:6]
    record_name = f"{dist_info}/RECORD"
    infos: list[zipfile.ZipInfo] = []
    datas: list[bytes] = []
    rows: list[tuple[str, str, str]] = []
    for name in _walk(n for n in contents.names() if n != record_name):
        data, mode = contents.read(name)
        infos.append(_zip_info(name, date, mode))
        datas.append(data)
        rows.append((name, record_digest(data), str(len(data))))
    record = record_text([*rows, (record_name, "", "")])
    infos.append(_zip_info(record_name, date, 0o664 | stat.S_IFREG))
    datas.append(record.encode("utf-8"))
    if _holds(wheel, infos, record):
        return
    temp = wheel.with_name(f".{wheel.name}.{os.getpid()}.tmp")
    wheel.parent.mkdir(parents=True, exist_ok=True)
    try:
        if reuse is not None and reuse != wheel and _holds(reuse, infos, record):
            shutil.copyfile(reuse, temp)
        else:
            with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                for info, data in zip(infos, datas):
                    archive.writestr(info, data)
        os.replace(temp, wheel)
    finally:
        temp.unlink(missing_ok=True)

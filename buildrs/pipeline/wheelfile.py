"""Write a wheel from a folder laid out as the wheel is, as setuptools writes it.

The entries come in the order of setuptools' ``bdist_wheel`` (the folder walked
with names sorted, the files directly in ``.dist-info`` after everything else,
RECORD last), each dated ``SOURCE_DATE_EPOCH`` (1980-01-01 at the earliest) with
the mode of its file, deflated. So a wheel written here from the same files is
the bytes setuptools writes, but for the ``Generator`` line of its WHEEL file.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import stat
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["ZIP_EPOCH", "record_digest", "record_text", "wheel_metadata", "write_wheel"]

ZIP_EPOCH = 315532800
"""1980-01-01, the earliest date a zip entry can hold."""


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


def wheel_metadata(tag: tuple[str, str, str], generator: str) -> str:
    """The WHEEL file of a platform wheel tagged ``tag`` (each part may hold several
    tags joined by dots, as a manylinux tag and its legacy alias are)."""
    lines = ["Wheel-Version: 1.0", f"Generator: {generator}", "Root-Is-Purelib: false"]
    impls, abis, plats = (part.split(".") for part in tag)
    lines += [f"Tag: {i}-{a}-{p}" for i in impls for a in abis for p in plats]
    return "".join(f"{line}\n" for line in lines) + "\n"


def _files(tree: Path) -> list[tuple[Path, str]]:
    """Each file of ``tree`` and its name in the wheel, in setuptools' order."""
    first: list[tuple[Path, str]] = []
    deferred: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(tree):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if not path.is_file():
                continue
            arcname = path.relative_to(tree).as_posix()
            (deferred if folder.endswith(".dist-info") else first).append((path, arcname))
    return first + sorted(deferred, key=lambda item: (str(item[0]), item[1]))


def _zip_info(arcname: str, date: tuple[int, ...], mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=date)  # type: ignore[arg-type]
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


def write_wheel(tree: Path, wheel: Path, dist_info: str, epoch: int) -> None:
    """Zip ``tree`` into ``wheel`` with a RECORD in ``dist_info``, atomically. A wheel
    already there with the same files is left as it is (compressing the modules
    again is most of the work)."""
    date = time.gmtime(max(epoch, ZIP_EPOCH))[:6]
    record_name = f"{dist_info}/RECORD"
    infos: list[zipfile.ZipInfo] = []
    contents: list[bytes] = []
    rows: list[tuple[str, str, str]] = []
    for path, arcname in _files(tree):
        if arcname == record_name:
            continue
        data = path.read_bytes()
        infos.append(_zip_info(arcname, date, path.stat().st_mode))
        contents.append(data)
        rows.append((arcname, record_digest(data), str(len(data))))
    record = record_text([*rows, (record_name, "", "")])
    infos.append(_zip_info(record_name, date, 0o664 | stat.S_IFREG))
    contents.append(record.encode("utf-8"))
    if _holds(wheel, infos, record):
        return
    temp = wheel.with_name(f".{wheel.name}.{os.getpid()}.tmp")
    wheel.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for info, data in zip(infos, contents):
                archive.writestr(info, data)
        os.replace(temp, wheel)
    finally:
        temp.unlink(missing_ok=True)

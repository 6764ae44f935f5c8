"""The folders buildrs keeps inside a project's ``build/`` directory, named once.

Everything buildrs writes for itself goes under ``build/buildrs/``; the build lock
is ``build/.buildrs.lock``. Paths are plain strings (``os.path``), so that the
editable finder, which imports this module on every import of a project, stays
cheap to load.
"""

from __future__ import annotations

import os

__all__ = [
    "base",
    "commit_date",
    "imported",
    "lock",
    "maturin_packages",
    "requirements",
    "sbom_cache",
    "staging",
    "stamps",
    "wheel_cache",
]


def base(root: str | os.PathLike[str]) -> str:
    """``build/buildrs``: everything below is buildrs' own and can be deleted."""
    return os.path.join(os.fspath(root), "build", "buildrs")


def stamps(root: str | os.PathLike[str]) -> str:
    """The in-place builds' stamps (``compile.stamps``)."""
    return os.path.join(base(root), "stamps")


def wheel_cache(root: str | os.PathLike[str]) -> str:
    """The last wheel of each interpreter and the last Python part (``wheel.cache``)."""
    return os.path.join(base(root), "wheel")


def sbom_cache(root: str | os.PathLike[str]) -> str:
    """SBOM documents by the hash of their contents (``wheel.sbom``)."""
    return os.path.join(base(root), "sbom")


def validated(root: str | os.PathLike[str]) -> str:
    """The pyproject.toml tables setuptools' validator last passed (``wheel.validate``)."""
    return os.path.join(base(root), "validated.json")


def imported(root: str | os.PathLike[str]) -> str:
    """The release wheels last imported, with what (``cli.release``)."""
    return os.path.join(base(root), "imported.json")


def staging(root: str | os.PathLike[str]) -> str:
    """Trees a wheel is assembled from while it is built."""
    return os.path.join(base(root), "staging")


def commit_date(root: str | os.PathLike[str]) -> str:
    """The date of the commit last asked about (``plan.builddate``)."""
    return os.path.join(base(root), "commit-date.json")


def maturin_packages(root: str | os.PathLike[str]) -> str:
    """The package a pure-Rust maturin project's editable install imports: the files
    maturin writes into its wheel, and the module built in place."""
    return os.path.join(base(root), "packages")


def requirements(root: str | os.PathLike[str]) -> str:
    """Build requirements found installed, by interpreter (``cli.frontend``)."""
    return os.path.join(base(root), "requirements")


def lock(root: str | os.PathLike[str]) -> str:
    """The lock one build of the project holds (``compile.locking``)."""
    return os.path.join(os.fspath(root), "build", ".buildrs.lock")

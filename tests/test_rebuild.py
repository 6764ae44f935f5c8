"""Editable installs rebuild a Rust module on import when its sources changed:
real pip, real cargo (counted with a CARGO wrapper), new Python processes."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLE, CopyProject, Venv, counting_cargo, run

pytestmark = [pytest.mark.integration, pytest.mark.network]

IMPORT = "import example_crate as e; print(e.sum_as_string(20, 22))"


class Editable:
    def __init__(self, venv: Venv, project: Path, log: Path, cwd: Path) -> None:
        self.venv, self.project, self.log, self.cwd = venv, project, log, cwd

    def module_builds(self) -> int:
        """cargo runs that build the extension module (not the command line tool)."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return sum(1 for line in lines if line.startswith("rustc --lib"))

    def python(self, code: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run(
            [str(self.venv.python), "-c", code],
            cwd=self.cwd,
            env={**self.venv.env, **env},
            check=False,
        )

    def edit(self, old: str, new: str) -> None:
        source = self.project / "src" / "python" / "mod.rs"
        text = source.read_text()
        assert old in text
        source.write_text(text.replace(old, new))


@pytest.fixture(params=["lenient"])
def editable(
    request: pytest.FixtureRequest,
    copy_project: CopyProject,
    fresh_venv: Venv,
    build_env: dict[str, str],
    buildrs_wheel: Path,
    tmp_path: Path,
) -> Editable:
    project = copy_project(EXAMPLE)
    wrapper, log = counting_cargo(tmp_path)
    fresh_venv.env = {**build_env, "CARGO": str(wrapper)}
    fresh_venv.pip("install", str(buildrs_wheel))
    fresh_venv.pip("install", "-e", str(project), "-C", f"editable_mode={request.param}")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    return Editable(fresh_venv, project, log, cwd)


@pytest.mark.parametrize("editable", ["lenient", "strict"], indirect=True)
def test_edit_rust_then_import_sees_the_change(editable: Editable) -> None:
    built = editable.module_builds()
    assert editable.python(IMPORT).stdout == "42\n"
    assert editable.module_builds() == built, "an unchanged import must not run cargo"

    editable.edit("Ok((a + b).to_string())", 'Ok(format!("{}!", a + b))')
    result = editable.python(IMPORT)
    assert result.stdout == "42!\n", result.stderr
    assert editable.module_builds() == built + 1
    assert "Compiling example-crate" in result.stderr  # cargo's progress, shown

    assert editable.python(IMPORT).stdout == "42!\n"
    assert editable.module_builds() == built + 1

    quiet = editable.python(IMPORT, BUILDRS_REBUILD_QUIET="1")
    assert quiet.stderr == ""


def test_failed_rebuild_is_an_import_error_and_keeps_the_old_module(
    editable: Editable,
) -> None:
    editable.edit("Ok((a + b).to_string())", "Ok((a + b).to_string()) +")
    result = editable.python(IMPORT)
    assert result.returncode == 1
    assert "ImportError: example_crate._native: rebuilding the Rust extension failed" in (
        result.stderr
    )
    # rustc's diagnostics, shown once (live), and no traceback through buildrs' code
    assert result.stderr.count("error: expected expression") == 1, result.stderr
    assert "buildrs/" not in result.stderr, result.stderr
    quiet = editable.python(IMPORT, BUILDRS_REBUILD_QUIET="1")
    assert quiet.stderr.count("error: expected expression") == 1, quiet.stderr  # in the error
    old = editable.python(IMPORT, BUILDRS_REBUILD="0")
    assert old.stdout == "42\n", old.stderr


def test_two_importers_at_once_build_once(editable: Editable) -> None:
    editable.edit("Ok((a + b).to_string())", "Ok((a + b + 1).to_string())")
    built = editable.module_builds()
    importers = [
        subprocess.Popen(
            [str(editable.venv.python), "-c", IMPORT],
            cwd=editable.cwd,
            env={**editable.venv.env, "BUILDRS_REBUILD_QUIET": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in importers]
    assert [out for out, _ in outputs] == ["43\n", "43\n"], outputs
    assert editable.module_builds() == built + 1


def test_moved_sources_warn_and_import_what_is_built(editable: Editable) -> None:
    editable.edit("Ok((a + b).to_string())", "Ok((a + b + 2).to_string())")
    (editable.project / "pyproject.toml").rename(editable.project / "pyproject.moved")
    result = editable.python(IMPORT)
    assert result.stdout == "42\n"
    assert "are missing or read-only, so the Rust extension is not rebuilt" in result.stderr
    assert "Warning" not in result.stderr


def test_start_up_imports_only_the_finder(editable: Editable) -> None:
    code = "import sys; print(sorted(m for m in sys.modules if 'buildrs' in m))"
    assert ast.literal_eval(editable.python(code).stdout) == ["_buildrs_rebuild_example_crate"]

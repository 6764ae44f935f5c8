"""Templates render into projects that pip builds with buildrs and whose own tests pass."""

from __future__ import annotations

import shutil
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, Venv, audit_abi3, pip_wheel, run

pytestmark = pytest.mark.integration

CASES = [
    pytest.param("pyo3", {}, "my_project", id="pyo3-defaults"),
    pytest.param(
        "pyo3",
        {"abi3": "yes", "module_name": "fastcore", "python_floor": "3.10", "license": "Apache-2.0"},
        "fastcore",
        id="pyo3-abi3-other-module",
    ),
    pytest.param("cffi", {}, "my_project", id="cffi-defaults"),
    pytest.param("cffi", {"module_name": "checksums"}, "checksums", id="cffi-other-module"),
    pytest.param("bin", {}, None, id="bin-defaults"),
    pytest.param("bin", {"command_name": "rwc"}, None, id="bin-other-command"),
]


def render(template: str, values: dict[str, str], dest: Path, env: dict[str, str]) -> Path:
    answers = [f"{k}={v}" for k, v in values.items()]
    argv = [sys.executable, "-m", "buildrs", "new", str(dest), "--template", template, "--no-input"]
    result = run([*argv, *answers], env=env)
    assert f"created {dest}" in result.stdout
    return dest


RUNNERS = ["ubuntu-latest", "ubuntu-24.04-arm", "macos-latest", "macos-15-intel", "windows-latest"]
"""Where the release's wheels are tested: both Linux, both macOS architectures, Windows."""


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is a test extra: pip install -e '.[test]'"
    return found


def check_release_workflow(project: Path, template: str, values: dict[str, str]) -> None:
    """The rendered release workflow: valid by the Actions schema and actionlint
    (which knows the runner labels GitHub offers today); one Linux job builds the
    release with `python -m buildrs wheels --sdist` for the targets pyproject.toml
    declares, with their standard libraries from rustup; the wheels are tested on
    each system; a tag publishes them with trusted publishing."""
    from buildrs.config.pyproject import load_pyproject

    path = project / ".github" / "workflows" / "wheels.yml"
    run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)])
    run([_tool("actionlint"), str(path)], cwd=project)
    jobs = yaml.safe_load(path.read_text())["jobs"]
    build = [step.get("run", "") for step in jobs["build"]["steps"]]
    assert jobs["build"]["runs-on"] == "ubuntu-latest"
    assert "python -m buildrs wheels --sdist -w dist" in build
    config = load_pyproject(project)[1]
    assert config is not None and config.release is not None
    added = next(text for text in build if text.startswith("rustup target add")).split()[3:]
    assert ["x86_64-unknown-linux-gnu", *added] == list(config.release.targets)
    floor = int(values.get("python_floor", "3.9").split(".")[1])
    pythons = {"pyo3": tuple((3, minor) for minor in range(floor, 15)), "cffi": (), "bin": ()}
    wanted = "abi3" if values.get("abi3") == "yes" else pythons[template]
    assert config.release.pythons == wanted
    assert jobs["test"]["needs"] == "build"
    assert jobs["test"]["strategy"]["matrix"]["os"] == RUNNERS
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["steps"][-1]["uses"] == "pypa/gh-action-pypi-publish@release/v1"


@pytest.mark.parametrize(("template", "values", "module"), CASES)
@pytest.mark.network
def test_rendered_project_builds_and_passes_its_tests(
    template: str,
    values: dict[str, str],
    module: str | None,
    build_env: dict[str, str],
    fresh_venv: Venv,
    tmp_path: Path,
) -> None:
    project = render(template, values, tmp_path / "my-project", build_env)
    check_release_workflow(project, template, values)
    wheel = pip_wheel(project, tmp_path / "dist", build_env)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    if values.get("abi3") == "yes":
        assert "-cp310-abi3-" in wheel.name
        assert f"{module}/_native.abi3.so" in names
        audit_abi3(wheel, "3.10")
    if template == "bin":
        # Binaries do not depend on the Python ABI: one wheel per platform.
        assert wheel.name.startswith("my_project-0.1.0-py3-none-")
        command = values.get("command_name", "my-project")
        assert f"my_project-0.1.0.data/scripts/{command}" in names
    fresh_venv.pip("install", str(wheel), "pytest")
    # Only the installed package may be imported: take the sources away.
    shutil.rmtree(project / "python", ignore_errors=True)
    result = run(
        [str(fresh_venv.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=fresh_venv.env,
    )
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout


@pytest.mark.network
def test_cookiecutter_renders_the_template_directly(
    tmp_path: Path, build_env: dict[str, str]
) -> None:
    run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            str(ROOT / "templates" / "pyo3"),
            "--no-input",
            "-o",
            str(tmp_path),
            "project_name=Direct Use",
        ],
        env=build_env,
    )
    assert (tmp_path / "direct-use" / "python" / "direct_use" / "__init__.py").is_file()
    assert (
        'target = "direct_use._native"' in (tmp_path / "direct-use" / "pyproject.toml").read_text()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["module_name=1bad-name"],
            "error: module_name '1bad-name' is not a Python identifier; use e.g. 'bad_name'",
        ),
        (["project_slug=has space"], "error: project_slug 'has space' must be lower case letters"),
        (["python_floor=3.7"], "error: python_floor '3.7' must be 3.9 or later"),
        (
            ["modul_name=x"],
            "error: template 'pyo3' has no key 'modul_name' — did you mean 'module_name'?",
        ),
        (["abi3=maybe"], "error: abi3='maybe' is not one of the choices: no, yes"),
        (["--template", "pyo4"], "invalid choice: 'pyo4'"),
        (["oops"], "expected key=value, got 'oops'"),
    ],
)
def test_bad_answers_are_refused_before_writing(
    args: list[str], message: str, tmp_path: Path, build_env: dict[str, str]
) -> None:
    dest = tmp_path / "out"
    result = run(
        [sys.executable, "-m", "buildrs", "new", str(dest), "--no-input", *args],
        env=build_env,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not dest.exists()


def test_existing_directory_needs_force(tmp_path: Path, build_env: dict[str, str]) -> None:
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    argv = [sys.executable, "-m", "buildrs", "new", str(dest), "--no-input"]
    refused = run(argv, env=build_env, check=False)
    assert refused.returncode == 1
    assert "already exists and is not empty" in refused.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    run([*argv, "--force"], env=build_env)
    assert (dest / "notes.txt").read_text() == "mine"
    assert (dest / "Cargo.toml").is_file()


def test_missing_cookiecutter_says_how_to_install(
    buildrs_wheel: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(bare)
    environment = Venv(bare, build_env)
    environment.pip("install", str(buildrs_wheel))
    result = run(
        [str(environment.python), "-m", "buildrs", "new", str(tmp_path / "x")],
        env=build_env,
        check=False,
    )
    assert result.returncode == 1
    assert "pip install 'buildrs[templates]'" in result.stderr
    assert not (tmp_path / "x").exists()


def test_cli_lists_every_template() -> None:
    from buildrs.cli import main as cli
    from buildrs.cli import new

    assert cli.TEMPLATES == new.TEMPLATES


def _readme_block(heading: str) -> list[str]:
    """The lines of the first ``sh`` block after ``heading`` in the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    block = after[after.index("```sh\n") + 6 :]
    return block[: block.index("```")].strip().splitlines()


@pytest.mark.network
def test_starting_a_project_works_as_the_readme_says_without_an_index(
    buildrs_wheel: Path, build_env: dict[str, str], tmp_path: Path
) -> None:
    """The README's three commands, run in a folder with no package index holding
    buildrs (the first installs it from this checkout's wheel instead of '.'): the
    new project installs, builds and passes its tests, and `new` printed the
    commands that got it there, and no bytecode."""
    install, render_line, test_line = _readme_block("## Starting a project")
    assert install == "python3 -m venv .venv && .venv/bin/pip install -q '.[templates]'"
    env = {k: v for k, v in build_env.items() if k != "PIP_FIND_LINKS"}
    shell = install.replace("'.[templates]'", f"'{buildrs_wheel}[templates]'")
    run(["bash", "-c", shell.replace("python3 ", f"{sys.executable} ", 1)], cwd=tmp_path, env=env)
    rendered = run(["bash", "-c", render_line], cwd=tmp_path, env=env)
    project = tmp_path / "fast-math"
    assert not list(project.rglob("__pycache__")), "new copied bytecode"
    python = str(tmp_path / ".venv" / "bin" / "python")
    printed = rendered.stdout.splitlines()[-1]
    assert printed.replace(python, "../.venv/bin/python") == f"next: {test_line}"
    result = run(["bash", "-c", test_line], cwd=tmp_path, env=env)
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout


@pytest.mark.network
def test_cffi_library_edits_are_rebuilt_when_the_package_is_imported(
    buildrs_wheel: Path, build_env: dict[str, str], fresh_venv: Venv, tmp_path: Path
) -> None:
    project = render("cffi", {}, tmp_path / "my-project", build_env)
    fresh_venv.pip("install", str(buildrs_wheel))
    fresh_venv.pip("install", "-e", str(project))
    code = "import my_project; print(my_project.add(2, 3))"
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    assert run([str(fresh_venv.python), "-c", code], cwd=cwd, env=fresh_venv.env).stdout == "5\n"
    source = project / "src" / "lib.rs"
    text = source.read_text()
    assert "a.wrapping_add(b)" in text
    source.write_text(text.replace("a.wrapping_add(b)", "a.wrapping_add(b).wrapping_mul(10)"))
    changed = run([str(fresh_venv.python), "-c", code], cwd=cwd, env=fresh_venv.env)
    assert changed.stdout == "50\n", changed.stderr

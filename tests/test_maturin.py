"""Maturin projects built by buildrs with real pip and cargo, ``[build-system]`` being
the only change: the pure-Rust layout (tests/crates/maturin) with its metadata from
Cargo.toml, wheel and editable install; the mixed layout through the whole loop
(sdist and the wheel built from it, an editable install that rebuilds on import,
``develop``, ``doctor``); ``include``/``exclude`` and a ``bin`` project against
maturin's own wheel; the sdist of a binding inside a Rust workspace; and a binding
buildrs does not build, stopped with the key named."""

from __future__ import annotations

import email.parser
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

from conftest import (
    CRATES,
    CopyProject,
    Venv,
    failing_build,
    maturin_env,
    pip_wheel,
    pip_wheel_logged,
    run,
    wheel_entries,
)

MIXED = """
[tool.maturin]
python-source = "python"
module-name = "mat_demo.mat_demo"
features = ["pyo3/extension-module"]
"""
PACKAGE = 'from .mat_demo import add, answer\n\nSOURCE = "python"\n'


def _mixed(copy_project: CopyProject) -> Path:
    root = copy_project(CRATES / "maturin")
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text[: text.index("[tool.maturin]")] + MIXED)
    (root / "python" / "mat_demo").mkdir(parents=True)
    (root / "python" / "mat_demo" / "__init__.py").write_text(PACKAGE)
    (root / "mat_demo.pyi").unlink()
    return root


def test_a_pure_rust_project_with_its_metadata_from_cargo_toml(
    copy_project: CopyProject,
    build_env: dict[str, str],
    buildrs_wheel: Path,
    tmp_path: Path,
    fresh_venv: Venv,
) -> None:
    root = copy_project(CRATES / "maturin")
    wheel, log = pip_wheel_logged(root, tmp_path / "out", build_env)
    assert (
        "buildrs: warning: License classifiers beside the licence expression 'MIT' are "
        "superseded (PEP 639); maturin ships them, and so does buildrs, but setuptools would "
        "refuse them: License :: OSI Approved :: MIT License"
    ) in log
    assert wheel.name == "mat_demo-0.2.0b1-cp39-abi3-linux_x86_64.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = email.parser.BytesParser().parsebytes(
            archive.read("mat_demo-0.2.0b1.dist-info/METADATA")
        )
        init = archive.read("mat_demo/__init__.py").decode()
        stub = archive.read("mat_demo/__init__.pyi")
        scripts = archive.read("mat_demo-0.2.0b1.dist-info/entry_points.txt").decode()
    assert sorted(n for n in names if not n.startswith("mat_demo-0.2.0b1.dist-info/")) == [
        "mat_demo-0.2.0b1.data/data/share/mat-demo/notes.txt",
        "mat_demo/__init__.py",
        "mat_demo/__init__.pyi",
        "mat_demo/mat_demo.abi3.so",
        "mat_demo/py.typed",
    ]
    assert "from .mat_demo import *" in init
    assert stub == (CRATES / "maturin" / "mat_demo.pyi").read_bytes()
    assert meta["Version"] == "0.2.0b1"
    assert meta["Summary"] == "A pure-Rust maturin project: its metadata comes from this file"
    assert meta["Author-email"] == "Ada Demo <ada@example.org>"
    assert meta["License-Expression"] == "MIT"
    assert meta["Keywords"] == "demo,maturin"
    assert meta.get_all("Classifier") == [
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Rust",
    ]
    assert meta.get_all("Project-URL") == ["Source Code, https://example.org/mat-demo"]
    assert meta.get_all("Requires-Dist") == ['packaging>=20; python_version >= "3.9"']
    assert "mat-demo = mat_demo:answer" in scripts

    listed = run(
        [sys.executable, "-m", "buildrs", "wheels", "-w", str(tmp_path / "own"), str(root)],
        env=build_env,
    )
    (own,) = (tmp_path / "own").glob("*.whl")
    assert own.name == wheel.name, listed.stderr
    assert wheel_entries(own) == wheel_entries(wheel)

    fresh_venv.pip("install", "--no-deps", str(wheel))
    assert (fresh_venv.path / "share" / "mat-demo" / "notes.txt").is_file()
    code = "import mat_demo; print(mat_demo.add(2, 3), mat_demo.answer(), mat_demo.__doc__)"
    assert fresh_venv.python_run(code).split()[:3] == ["5", "42", "A"]

    # Editable: the package maturin would write lives in build/buildrs/packages/.
    fresh_venv.pip("uninstall", "-y", "mat-demo")
    fresh_venv.pip("install", str(buildrs_wheel))
    fresh_venv.pip("install", "-e", str(root))
    assert not (root / "mat_demo").exists()
    assert fresh_venv.python_run(code).split()[:3] == ["5", "42", "A"]
    lib = root / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("    42\n", "    41\n"))
    assert fresh_venv.python_run(code).split()[:2] == ["5", "41"]


def test_the_whole_loop_on_a_mixed_project(
    copy_project: CopyProject,
    build_env: dict[str, str],
    buildrs_wheel: Path,
    tmp_path: Path,
    fresh_venv: Venv,
) -> None:
    root = _mixed(copy_project)

    out = tmp_path / "dist"
    built = run([sys.executable, "-m", "build", "--outdir", str(out), str(root)], env=build_env)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    assert "Building wheel from" not in built.stdout or sdist.name in built.stdout
    with tarfile.open(sdist) as archive:
        held = set(archive.getnames())
    top = "mat_demo-0.2.0b1"
    for name in ("PKG-INFO", "Cargo.toml", "Cargo.lock", "src/lib.rs", "pyproject.toml"):
        assert f"{top}/{name}" in held, name
    assert f"{top}/python/mat_demo/__init__.py" in held
    assert not any("/target/" in n or "/build/" in n for n in held)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("mat_demo/__init__.py").decode() == PACKAGE
        assert "mat_demo/mat_demo.abi3.so" in archive.namelist()

    fresh_venv.pip("install", str(buildrs_wheel))
    fresh_venv.pip("install", "-e", str(root))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import mat_demo; print(mat_demo.answer(), mat_demo.SOURCE)"
    assert fresh_venv.python_run(code, cwd=elsewhere).split() == ["42", "python"]
    lib = root / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("    42\n", "    43\n"))
    assert fresh_venv.python_run(code, cwd=elsewhere).split() == ["43", "python"]

    doctor = run([sys.executable, "-m", "buildrs", "doctor", str(root)], env=build_env)
    assert "[tool.maturin]" in doctor.stdout

    lib.write_text(lib.read_text().replace("    43\n", "    44\n"))
    developed = run([sys.executable, "-m", "buildrs", "develop", str(root)], env=build_env)
    assert "mat_demo.mat_demo: python/mat_demo/mat_demo.abi3.so" in developed.stdout
    check = "import mat_demo; print(mat_demo.answer())"
    assert run([sys.executable, "-c", check], cwd=root / "python", env=build_env).stdout == "44\n"


def test_a_binding_buildrs_does_not_build_stops_the_build(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    root = copy_project(CRATES / "maturin")
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text + 'bindings = "uniffi"\n')
    output = " ".join(failing_build(root, build_env, tmp_path).split())
    assert (
        "pyproject.toml: [tool.maturin].bindings: 'uniffi' bindings generate Python glue code, "
        "which buildrs does not build yet"
    ) in output
    assert not list((tmp_path).glob("**/*.whl"))


def test_include_and_exclude_give_the_wheel_maturin_gives(
    copy_project: CopyProject, build_env: dict[str, str], tmp_path: Path
) -> None:
    """``include`` and ``exclude`` for wheels, on a mixed project, built by maturin 1.16
    and by buildrs: the same files outside ``.dist-info``. An exclude pattern is
    matched against the file's path in the wheel (``mat_demo/tests/*``) and in the
    project (``python/mat_demo/sub/**``), file by file (``mat_demo/gone/``, a folder,
    leaves nothing out)."""
    root = _mixed(copy_project)
    files = {
        "python/mat_demo/key.secret": "s",
        "python/mat_demo/tests/test_it.py": "",
        "python/mat_demo/sub/deep/keep.txt": "k",
        "python/mat_demo/gone/kept.txt": "g",
        "extra/notes.txt": "n",
        "extra/skip.secret": "x",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    with (root / "pyproject.toml").open("a") as table:
        table.write(
            'include = ["extra/*", {path = "LICENSE-*", format = "wheel"}, '
            '{path = "README.md", format = "sdist"}]\n'
            'exclude = ["*.secret", "mat_demo/tests/*", "python/mat_demo/sub/**", '
            '"mat_demo/gone/"]\n'
        )
    (root / "LICENSE-MIT").write_text("MIT\n")
    theirs_root = tmp_path / "built-by-maturin"
    shutil.copytree(root, theirs_root)
    text = (theirs_root / "pyproject.toml").read_text()
    backend = '[build-system]\nrequires = ["maturin>=1.16,<2"]\nbuild-backend = "maturin"\n'
    (theirs_root / "pyproject.toml").write_text(backend + text[text.index("[project]") :])
    env = maturin_env(build_env)
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    run([*argv, "-w", str(tmp_path / "theirs"), str(theirs_root)], env=env)
    (theirs,) = (tmp_path / "theirs").glob("*.whl")
    ours = pip_wheel(root, tmp_path / "ours", build_env)

    def outside(wheel: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(wheel) as archive:
            return {
                n: archive.read(n)
                for n in archive.namelist()
                if not n.split("/")[0].endswith(".dist-info") and not n.endswith(".so")
            }

    assert outside(ours) == outside(theirs)
    assert sorted(outside(ours)) == [
        "LICENSE-MIT",
        "extra/notes.txt",
        "mat_demo/__init__.py",
        "mat_demo/gone/kept.txt",
    ]


WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["core", "py"]\nresolver = "2"\n\n'
    '[workspace.package]\nversion = "1.4.0"\n',
    "core/Cargo.toml": '[package]\nname = "demo-core"\nversion = "0.1.0"\nedition = "2021"\n',
    "core/src/lib.rs": "pub fn twice(x: i64) -> i64 {\n    2 * x\n}\n",
    "py/Cargo.toml": '[package]\nname = "ws-demo"\nversion.workspace = true\nedition = "2021"\n\n'
    '[lib]\nname = "ws_demo"\ncrate-type = ["cdylib"]\n\n[dependencies]\n'
    'demo-core = { path = "../core" }\npyo3 = { version = "0.30", features = ["abi3-py39"] }\n',
    "py/src/lib.rs": "use pyo3::prelude::*;\n\n#[pyfunction]\nfn twice(x: i64) -> i64 {\n"
    "    demo_core::twice(x)\n}\n\n#[pymodule]\nfn ws_demo(m: &Bound<'_, PyModule>) -> "
    "PyResult<()> {\n    m.add_function(wrap_pyfunction!(twice, m)?)\n}\n",
    "py/pyproject.toml": '[build-system]\nrequires = ["buildrs"]\n'
    'build-backend = "buildrs.build_meta"\n\n[project]\nname = "ws-demo"\n'
    'readme = "README.md"\ndynamic = ["version"]\n\n'
    '[tool.maturin]\nfeatures = ["pyo3/extension-module"]\n',
    "py/README.md": "# ws-demo\n",
}


def test_the_sdist_of_a_binding_inside_a_workspace_builds_again(
    build_env: dict[str, str], tmp_path: Path, fresh_venv: Venv
) -> None:
    """The layout of tokenizers or polars: pyproject.toml in py/, the workspace root one
    folder up, a path dependency ../core. The sdist carries them, and the wheel built
    from it is the wheel built from the project."""
    workspace = tmp_path / "ws"
    for name, text in WORKSPACE.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text)
    shutil.copy(CRATES / "maturin" / "Cargo.lock", workspace / "Cargo.lock")
    project = workspace / "py"
    direct = pip_wheel(project, tmp_path / "direct", build_env)

    out = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--outdir", str(out), str(project)], env=build_env)
    (sdist,) = out.glob("*.tar.gz")
    (from_sdist,) = out.glob("*.whl")
    with tarfile.open(sdist) as archive:
        held = sorted(archive.getnames())
        top = archive.extractfile("ws_demo-1.4.0/pyproject.toml")
        assert top is not None
        table = top.read().decode()
    assert held == [
        f"ws_demo-1.4.0/{name}"
        for name in (
            "Cargo.lock",
            "Cargo.toml",
            "PKG-INFO",
            "core/Cargo.toml",
            "core/src/lib.rs",
            "py/Cargo.toml",
            "py/README.md",
            "py/pyproject.toml",
            "py/src/lib.rs",
            "pyproject.toml",
        )
    ]
    assert table.endswith('\n[tool.buildrs-sdist]\nproject = "py"\n')
    assert from_sdist.name == direct.name == "ws_demo-1.4.0-cp39-abi3-linux_x86_64.whl"

    def files(wheel: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(wheel) as archive:
            return {
                n: archive.read(n) for n in archive.namelist() if not n.endswith((".so", "RECORD"))
            }

    assert files(from_sdist) == files(direct)
    fresh_venv.pip("install", "--no-deps", str(from_sdist))
    assert fresh_venv.python_run("import ws_demo; print(ws_demo.twice(21))").strip() == "42"


def test_a_binary_project_gives_the_wheel_maturin_gives(
    build_env: dict[str, str], tmp_path: Path, fresh_venv: Venv
) -> None:
    """``bindings = "bin"``: the crate's binary as a script of a ``py3-none`` wheel, the
    same files as maturin 1.16's wheel, and it runs once installed."""
    files = {
        "Cargo.toml": '[package]\nname = "hello-bin"\nversion = "0.3.0"\nedition = "2021"\n',
        "src/main.rs": 'fn main() {\n    println!("hello from rust");\n}\n',
        "pyproject.toml": '[project]\nname = "hello-bin"\ndynamic = ["version"]\n\n'
        '[tool.maturin]\nbindings = "bin"\n',
    }
    roots = {}
    for tool, backend in (("buildrs", "buildrs.build_meta"), ("maturin", "maturin")):
        root = roots[tool] = tmp_path / tool / "hello-bin"
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        system = f'[build-system]\nrequires = ["{tool}"]\nbuild-backend = "{backend}"\n\n'
        (root / "pyproject.toml").write_text(system + files["pyproject.toml"])
    env = maturin_env(build_env)
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    run([*argv, "-w", str(tmp_path / "theirs"), str(roots["maturin"])], env=env)
    (theirs,) = (tmp_path / "theirs").glob("*.whl")
    ours = pip_wheel(roots["buildrs"], tmp_path / "ours", build_env)
    assert ours.name == theirs.name == "hello_bin-0.3.0-py3-none-linux_x86_64.whl"

    def outside(wheel: Path) -> list[str]:
        with zipfile.ZipFile(wheel) as archive:
            return sorted(n for n in archive.namelist() if ".dist-info/" not in n)

    assert outside(ours) == outside(theirs) == ["hello_bin-0.3.0.data/scripts/hello-bin"]
    fresh_venv.pip("install", "--no-deps", str(ours))
    result = run([str(fresh_venv.bin / "hello-bin")], env=build_env)
    assert result.stdout == "hello from rust\n"

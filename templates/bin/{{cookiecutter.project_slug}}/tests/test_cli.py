import shutil
import subprocess
import sys
from pathlib import Path

COMMAND = "{{ cookiecutter.command_name }}"


def command() -> str:
    beside = Path(sys.executable).parent / COMMAND
    found = str(beside) if beside.is_file() else shutil.which(COMMAND)
    assert found, f"{COMMAND} is not installed: pip install ."
    return found


def test_counts_a_file(tmp_path: Path) -> None:
    sample = tmp_path / "sample.txt"
    sample.write_text("one two\nthree\n")
    out = subprocess.run([command(), str(sample)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "3", "14", str(sample)]


def test_counts_stdin() -> None:
    out = subprocess.run([command()], input="a b c\n", capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "3", "6"]


def test_missing_file_fails(tmp_path: Path) -> None:
    out = subprocess.run([command(), str(tmp_path / "nope")], capture_output=True, text=True)
    assert out.returncode == 1
    assert "nope" in out.stderr

"""Does the ``biometrics-lab`` command do what the README promises?"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from biometrics_lab import cli

CLI = Path(sys.executable).with_name("biometrics-lab")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_help_lists_every_command():
    """Does --help name each subcommand the README uses?"""
    out = subprocess.run([CLI, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("lab", "release", "grade", "data", "nbgrader"):
        assert command in out


def test_release_of_an_unknown_lab_fails_with_a_message(capsys):
    """Is a typo in a lab id an error that names the problem, not a traceback?"""
    assert cli.main(["release", "lab9-nonsense"]) == 2
    assert "lab9-nonsense" in capsys.readouterr().err


def test_lab_refuses_a_missing_folder(tmp_path, capsys):
    """Does `lab` say which folder is missing instead of starting an empty server?"""
    assert cli.main(["lab", str(tmp_path / "absent"), "--no-browser"]) == 2
    assert "absent" in capsys.readouterr().err


@pytest.mark.slow
def test_lab_serves_the_labs_folder(tmp_path):
    """Does `biometrics-lab lab` start a JupyterLab server rooted at labs/ (what `make lab` runs)?"""
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    server = subprocess.Popen(
        [CLI, "lab", "--no-browser", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        version = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as response:
                    version = json.load(response)["version"]
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert version, f"JupyterLab did not answer on port {port}: {server.stdout.read() if server.poll() is not None else ''}"
        runtime = list((tmp_path / "runtime").glob("jpserver-*.json"))
        assert runtime, "server wrote no runtime file"
        info = json.loads(runtime[0].read_text())
        assert Path(info["root_dir"]).resolve() == (cli.REPO_ROOT / "labs").resolve()
    finally:
        # Jupyter asks for confirmation on the first SIGINT; a second one stops it.
        for _ in range(2):
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                time.sleep(0.5)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.slow
def test_release_works_without_the_venv_on_path(tmp_path):
    """Started as `.venv/bin/biometrics-lab` with no activated venv, does nbgrader still find alembic?"""
    fixture = cli.REPO_ROOT / "tests" / "fixtures" / "solutions"
    lab = next(p.name for p in fixture.iterdir() if p.is_dir())
    (tmp_path / "solutions").mkdir()
    subprocess.run(["cp", "-r", str(fixture / lab), str(tmp_path / "solutions")], check=True)
    script = (
        "import sys, biometrics_lab._paths as p, biometrics_lab.course as c;"
        f"c.LAB_IDS = p.LAB_IDS = ({lab!r},);"
        f"print(c.release([{lab!r}], course_root=sys.argv[1]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "labs" / lab / f"{lab}.ipynb").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("answered, verdict", [(False, "VALIDATION FAILED"), (True, "Success!")])
def test_nbgrader_validate_resolves_a_notebook_relative_to_the_callers_folder(tmp_path, answered, verdict):
    """`biometrics-lab nbgrader validate lab.ipynb` from the student's folder: does it validate that notebook?"""
    import nbformat

    from nbgrader_harness import fixture_spec, load_release, load_solution, solved_release

    spec = fixture_spec()
    release = load_release(spec.lab, spec.labs)
    notebook = solved_release(release, load_solution(spec.lab, spec.solutions)) if answered else release
    nbformat.write(notebook, tmp_path / "lab.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "biometrics_lab.cli", "nbgrader", "validate", "lab.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert verdict in output, output[-2000:]
    assert "No nbgrader_config.py" not in output


def test_nbgrader_passthrough_refuses_a_missing_notebook(tmp_path, monkeypatch, capsys):
    """A typo in the notebook's name must not look like a silent pass."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["nbgrader", "validate", "nope.ipynb"]) == 2
    assert "no such notebook: nope.ipynb" in capsys.readouterr().err


def test_only_existing_files_are_made_absolute(tmp_path):
    """A notebook path is resolved from the caller's folder; an assignment id that is also a folder is not."""
    (tmp_path / "lab1-templates").mkdir()
    (tmp_path / "lab.ipynb").write_text("{}")
    assert cli._absolute_paths(["validate", "lab.ipynb", "lab1-templates", "--force"], tmp_path) == [
        "validate", str(tmp_path / "lab.ipynb"), "lab1-templates", "--force"]

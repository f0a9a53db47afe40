"""Does an installed (non-editable) package carry and find its data sets?

Students may install the kit with pip instead of working from a checkout; the
data must then load from inside the installed package, not from ``data/``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from biometrics_lab._paths import REPO_ROOT
from biometrics_lab.data import read_manifest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO_ROOT)]
    if importlib.util.find_spec("setuptools") is not None:
        command.insert(4, "--no-build-isolation")  # offline-friendly and quicker
    subprocess.run(command, check=True)
    (path,) = out.glob("biometrics_lab-*.whl")
    return path


def test_wheel_ships_every_committed_data_file(wheel):
    """Is each file listed in data/MANIFEST inside the wheel, beside the MANIFEST and datasheet?"""
    listed = list(read_manifest(REPO_ROOT / "data" / "MANIFEST"))
    assert listed, "data/MANIFEST lists no files"
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in [*listed, "MANIFEST", "DATASHEET.md", "casestudy.json"]:
        assert f"biometrics_lab/_data/{name}" in names, f"{name} missing from the wheel"


def test_wheel_ships_every_subpackage(wheel):
    """Is every module of the source tree (grading, widgets, ...) inside the wheel?"""
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO_ROOT / "biometrics_lab"
    modules = {path.relative_to(REPO_ROOT).as_posix() for path in package.rglob("*.py")}
    missing = sorted(module for module in modules if module not in names)
    assert not missing, f"modules missing from the wheel: {missing}"


def test_installed_package_loads_faces_without_a_checkout(wheel, tmp_path):
    """Run from an unpacked wheel, far from the checkout: do faces and case-study figures load?"""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import biometrics_lab, biometrics_lab._paths as p, pathlib;"
        "from biometrics_lab.data import load_faces;"
        "from biometrics_lab.casestudy import figure;"
        f"assert pathlib.Path(biometrics_lab.__file__).is_relative_to({str(site)!r}), biometrics_lab.__file__;"
        f"assert p.data_dir().is_relative_to({str(site)!r}), p.data_dir();"
        "faces = load_faces('faces-eval'); print(faces.images.shape, figure('edid_holders').value)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(site), "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 0, result.stderr
    assert "48, 48)" in result.stdout and "450000" in result.stdout

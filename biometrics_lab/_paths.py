"""Where the project's files are, in a checkout and in an installed package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The repository root when running from a checkout (editable install).
REPO_ROOT = Path(__file__).resolve().parent.parent

LAB_IDS = (
    "lab1-templates",
    "lab2-thresholds",
    "lab3-base-rates",
    "lab4-consent",
    "lab5-differentials",
)


def data_dir() -> Path:
    """Return the folder holding the committed data sets.

    A wheel installs ``data/`` as ``biometrics_lab/_data``; an editable install
    cannot map that folder, so a checkout's ``data/`` is used instead.
    """
    installed = Path(__file__).resolve().parent / "_data"
    if (installed / "MANIFEST").is_file():
        return installed
    return REPO_ROOT / "data"


def checkout_root() -> Path:
    """Return the repository root, or fail with a message if not in a checkout.

    Authoring and grading (``release``, ``grade``) need ``solutions/`` and
    ``grading/``, which only a checkout of the course has.
    """
    if not (REPO_ROOT / "grading" / "nbgrader_config.py").is_file():
        raise FileNotFoundError(
            f"{REPO_ROOT} is not a checkout of biometrics-lab (no grading/nbgrader_config.py); "
            "run this command from a clone of the course repository."
        )
    return REPO_ROOT


def path_with_interpreter_scripts(path: str) -> str:
    """Return the search path ``path`` with this interpreter's scripts folder first.

    nbgrader runs ``alembic`` and kernels run ``jupyter`` by PATH; a command
    started as ``.venv/bin/biometrics-lab`` without an activated venv, or a
    worker process, must still find the venv's copies.
    """
    scripts = os.path.dirname(sys.executable)
    return os.pathsep.join([scripts, *[part for part in path.split(os.pathsep) if part and part != scripts]])

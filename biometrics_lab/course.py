"""The nbgrader course: its configuration and the authoring step (release).

nbgrader finds ``nbgrader_config.py`` in the working directory; this course
keeps it in ``grading/`` instead, so every command here loads it explicitly
and may point it at another course root (a scratch copy in tests, a class's
grading folder).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from ._paths import LAB_IDS, checkout_root, path_with_interpreter_scripts


def config_path(repo_root: Path | None = None) -> Path:
    """Return the path of the course's ``nbgrader_config.py``."""
    return (repo_root or checkout_root()) / "grading" / "nbgrader_config.py"


def load_config(course_root: Path | None = None, db_url: str | None = None) -> Config:
    """Load the course's nbgrader configuration.

    Parameters
    ----------
    course_root : Path, optional
        Folder that holds ``solutions/``, ``labs/`` and nbgrader's working
        steps. Defaults to the checkout's root.
    db_url : str, optional
        Gradebook URL (``sqlite:///...`` or ``postgresql://...``). Defaults to
        ``<course_root>/gradebook.db`` (SQLite).

    Returns
    -------
    config : traitlets.config.Config
    """
    # nbgrader runs alembic by PATH ("No such file or directory: 'alembic'" otherwise).
    os.environ["PATH"] = path_with_interpreter_scripts(os.environ.get("PATH", ""))
    path = config_path()
    env = {}
    if course_root is not None:
        env["BIOMETRICS_LAB_COURSE_ROOT"] = str(Path(course_root).resolve())
    if db_url is not None:
        env["BIOMETRICS_LAB_DB_URL"] = db_url
    with _environ(env):
        return PyFileConfigLoader(path.name, str(path.parent)).load_config()


def available_labs(repo_root: Path | None = None) -> list[str]:
    """Return the lab ids that have a solution notebook, in course order."""
    solutions = (repo_root or checkout_root()) / "solutions"
    return [lab for lab in LAB_IDS if (solutions / lab / f"{lab}.ipynb").is_file()]


def release(labs: list[str] | None = None, course_root: Path | None = None) -> list[Path]:
    """Regenerate ``labs/<lab>/`` from ``solutions/<lab>/`` with nbgrader.

    Parameters
    ----------
    labs : list of str, optional
        Lab ids to release; all labs with a solution notebook by default.
    course_root : Path, optional
        Course folder (defaults to the checkout).

    Returns
    -------
    released : list of Path
        The released notebooks.

    Raises
    ------
    RuntimeError
        If nbgrader reports a failure; its log is in the message.
    """
    from nbgrader.apps import NbGraderAPI

    root = Path(course_root or checkout_root())
    labs = labs or available_labs(root)
    unknown = sorted(set(labs) - set(available_labs(root)))
    if unknown:
        raise ValueError(f"labs {unknown} have no solution notebook under {root / 'solutions'}")
    api = NbGraderAPI(config=load_config(root))
    released = []
    for lab in labs:
        result = api.generate_assignment(lab, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {lab} failed:\n{result.get('error') or result.get('log')}")
        released.append(root / "labs" / lab / f"{lab}.ipynb")
    return released


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old

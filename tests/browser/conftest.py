"""Session fixtures for the browser tests: one JupyterLab server and one Chromium.

The server serves a scratch copy of the course (never the checkout itself):

    <tmp>/course/<lab>/...              labs/<lab>/ as released to students
    <tmp>/course/solutions/<lab>/...    solutions/<lab>/
    <tmp>/course/fixtures/...           tests/browser/fixtures/

Without Debian's Chromium (``apt-get install chromium``) or Playwright for
Python, every browser test skips and says why (pytest runs with ``-rs``).
Screenshots go to ``tests/browser/artifacts/`` (ignored by git), or to
``$BROWSER_ARTIFACTS`` when set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from biometrics_lab._paths import REPO_ROOT
from biometrics_lab.course import available_labs

HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (tests/browser)")


#: Module fixtures that open a notebook, and the path (under the served folder) each opens.
NOTEBOOK_FIXTURES = {
    "release": lambda lab: f"{lab}/{lab}.ipynb",
    "solution": lambda lab: f"solutions/{lab}/{lab}.ipynb",
    "fixture_run": lambda _: "fixtures/fixture.ipynb",
}
_PLAN = pytest.StashKey[list]()


@pytest.hookimpl(trylast=True)  # after -k/-m deselection and pytest's grouping by fixture parameter
def pytest_collection_modifyitems(config, items):
    plan = []
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "lab_browser" in names:
            item.add_marker(pytest.mark.browser)  # `-m "not browser"` leaves them out
        params = getattr(getattr(item, "callspec", None), "params", {})
        for name, path in NOTEBOOK_FIXTURES.items():
            if name in names and (not plan or plan[-1] != path(params.get(name))):
                plan.append(path(params.get(name)))
    config.stash[_PLAN] = plan


def missing_browser() -> str | None:
    """Return why the browser tests cannot run here, or None if they can."""
    from labpage import CHROMIUM

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the folder for screenshots of this run (emptied first)."""
    folder = Path(os.environ.get("BROWSER_ARTIFACTS", HERE / "artifacts"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def copy_course(target: Path, labs: list[str]) -> Path:
    """Copy the released labs, their solutions and the test fixtures into ``target``."""
    for lab in labs:
        released = REPO_ROOT / "labs" / lab
        if released.is_dir():
            shutil.copytree(released, target / lab, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copytree(REPO_ROOT / "solutions" / lab, target / "solutions" / lab,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(HERE / "fixtures", target / "fixtures")
    return target


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """Return a running LabServer on a scratch copy of the course; stop it after the session."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    from labserver import LabServer

    course = copy_course(tmp_path_factory.mktemp("course"), available_labs())
    server = LabServer(course, tmp_path_factory.mktemp("jupyter-state")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lab_browser(lab_server, request):
    """Return the session's LabBrowser (one Chromium, one context)."""
    from labpage import LabBrowser
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    # the notebooks in the order the selected tests open them: each page loads while the one before runs
    browser = LabBrowser(playwright, lab_server, plan=request.config.stash.get(_PLAN, []))
    yield browser
    browser.close()
    playwright.stop()

"""Shared fixtures: scratch nbgrader courses that live for the whole test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def scratch_course(tmp_path_factory):
    """Return ``get(spec) -> ScratchCourse`` with ``spec.lab`` already released.

    One course (one gradebook, many students) per source folder: the
    checkout's labs share one, the harness's fixture lab has its own.
    ``generate_assignment`` runs once per lab per session.
    """
    from nbgrader_harness import ScratchCourse

    courses = {}

    def get(spec):
        if spec.solutions not in courses:
            courses[spec.solutions] = ScratchCourse(tmp_path_factory.mktemp("course"), solutions=spec.solutions)
        course = courses[spec.solutions]
        course.generate(spec.lab)
        return course

    return get


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "student(name): the scratch-course student whose autograde report the test reads")


def pytest_collection_modifyitems(session, config, items):
    """Run the browser tests last: their Playwright session keeps an event loop in the main thread."""
    items.sort(key=lambda item: "browser" in item.path.parts)

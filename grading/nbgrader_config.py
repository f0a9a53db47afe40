"""nbgrader configuration of the biometrics-lab course.

Every project command loads this file (``biometrics_lab.nbgrader_app``); no
``nbgrader_config.py`` at the repository root is needed. nbgrader's usual
``source/`` and ``release/`` steps are renamed: authors edit ``solutions/`` and
students receive ``labs/``.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

# traitlets defines __file__ when it loads a config file. Tests and the grader
# point the course at a scratch copy through BIOMETRICS_LAB_COURSE_ROOT.
_root = Path(os.environ.get("BIOMETRICS_LAB_COURSE_ROOT", Path(__file__).resolve().parent.parent))

c.CourseDirectory.course_id = "biometrics-lab"
c.CourseDirectory.root = str(_root)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
# The gradebook (nbgrader's default place, ignored by git) or a server by URL.
c.CourseDirectory.db_url = os.environ.get("BIOMETRICS_LAB_DB_URL", f"sqlite:///{_root / 'gradebook.db'}")

# Lab notebooks run in well under a minute; a cell that runs longer is stuck.
c.ExecutePreprocessor.timeout = 120
c.ExecutePreprocessor.interrupt_on_timeout = True

# Stubs that students replace. nbgrader writes these into the release.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

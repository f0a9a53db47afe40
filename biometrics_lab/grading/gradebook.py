"""The run's only gradebook writer: nbgrader's ``Gradebook`` API, one submission at a time."""

from __future__ import annotations

import datetime as dt


class Writer:
    """The run's single gradebook connection; stores one submission at a time.

    Opening nbgrader's ``Gradebook`` costs a connection and a schema check, so
    the run keeps one open (``with Writer(url) as writer: ...``).
    """

    def __init__(self, db_url: str, course_id: str = "biometrics-lab"):
        self.db_url, self.course_id = db_url, course_id
        self.gb = None

    def __enter__(self) -> "Writer":
        from nbgrader.api import Gradebook

        self.gb = Gradebook(self.db_url, self.course_id)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gb is not None:
            self.gb.close()
            self.gb = None

    def record(self, lab: str, student: str, scores: dict, *, timestamp: dt.datetime | None,
               penalty: float) -> dict:
        """Store one submission's autograded scores; return each cell's score as the gradebook has it.

        Writing twice with the same values leaves the gradebook as it was
        (``update_or_create_*``): a resumed run never duplicates a submission.
        Manual scores that instructors entered (formgrader) are kept; the
        returned scores use them where present (nbgrader's ``Grade.score``).

        Parameters
        ----------
        lab, student : str
        scores : dict
            Grade id -> autograded score, or None for manually graded cells.
        timestamp : datetime or None
            Submission time.
        penalty : float
            Late penalty (points), stored as nbgrader's ``late_submission_penalty``.
        """
        import warnings

        gb = self.gb
        with warnings.catch_warnings():
            # nbgrader's own session use makes SQLAlchemy warn about autoflush; the writes are correct.
            warnings.simplefilter("ignore")
            gb.update_or_create_student(student)
            if timestamp is not None:
                gb.update_or_create_submission(lab, student, timestamp=timestamp.replace(tzinfo=None))
            else:
                gb.update_or_create_submission(lab, student)
            notebook = gb.find_submission_notebook(lab, lab, student)
            final = {}
            for grade in notebook.grades:
                if grade.name in scores:
                    new = scores[grade.name]
                    if grade.manual_score is None:
                        grade.needs_manual_grade = new is None
                    elif grade.auto_score != new:
                        grade.needs_manual_grade = True  # graded by hand, and the autograder now disagrees
                    grade.auto_score = new
                final[grade.name] = grade.manual_score if grade.manual_score is not None else grade.auto_score
            notebook.late_submission_penalty = penalty or None
            gb.db.commit()
        return final


def ensure_due_date(db_url: str, lab: str, due: dt.datetime | None, course_id: str = "biometrics-lab") -> None:
    """Set a lab's due date in the gradebook (nbgrader reports lateness from it)."""
    if due is None:
        return
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_assignment(lab, duedate=due.astimezone(dt.timezone.utc).replace(tzinfo=None))

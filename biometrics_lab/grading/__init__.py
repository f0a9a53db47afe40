"""Grade a class: ingest submissions, autograde them in parallel sandboxed kernels, report.

Entry points: :func:`grade` (``biometrics-lab grade``) and :func:`ingest`.
See ``docs/grading.md`` for the threat model.
"""

from .config import GradingConfig
from .ingest import Submission, ingest
from .runner import RunSummary, grade

__all__ = ["GradingConfig", "RunSummary", "Submission", "grade", "ingest"]

"""Settings of a grading run: limits, timeouts, due dates, late penalty."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class GradingConfig:
    """What a grading run allows each student notebook, and how lateness costs.

    Attributes
    ----------
    cell_timeout : float
        Wall seconds per cell; a cell that runs longer is interrupted and fails.
    notebook_timeout : float
        Wall seconds per notebook (kernel start to finish); past it the run of
        that notebook is killed and its autograded cells score 0.
    cell_cpu_seconds : float
        CPU seconds one cell may use, over every process of the sandbox user;
        past it the kernel is killed and the cell fails. Needs the sandbox's
        own uid (a grader run as root); otherwise only ``cpu_seconds`` applies.
    cpu_seconds : int
        CPU-time limit of the kernel for the whole notebook (``RLIMIT_CPU``).
    memory_bytes : int
        Address-space limit of the kernel (``RLIMIT_AS``).
    max_processes : int
        Process/thread limit of the sandbox user (``RLIMIT_NPROC``): bounds fork bombs.
    max_file_bytes : int
        Largest file the kernel may write (``RLIMIT_FSIZE``).
    max_output_bytes : int
        Output kept per notebook; beyond it outputs are dropped and the
        submission is flagged.
    sandbox : {"auto", "require", "off"}
        ``auto`` uses bubblewrap when it is installed, ``require`` fails
        without it, ``off`` runs kernels unconfined (trusted notebooks only).
    due : dict of str to str
        Lab id -> due date (ISO 8601, UTC if no offset).
    late_penalty_per_day : float
        Fraction of the lab's maximum score taken per started day late.
    """

    cell_timeout: float = 60.0
    cell_cpu_seconds: float = 60.0
    notebook_timeout: float = 600.0
    cpu_seconds: int = 300
    memory_bytes: int = 4 * 1024 ** 3
    max_processes: int = 256
    max_file_bytes: int = 64 * 1024 ** 2
    max_output_bytes: int = 2 * 1024 ** 2
    sandbox: str = "auto"
    due: dict = dataclasses.field(default_factory=dict)
    late_penalty_per_day: float = 0.1

    def __post_init__(self) -> None:
        if self.sandbox not in ("auto", "require", "off"):
            raise ValueError(f"sandbox={self.sandbox!r}; expected 'auto', 'require' or 'off'")
        for name in ("cell_timeout", "cell_cpu_seconds", "notebook_timeout", "cpu_seconds", "memory_bytes", "max_processes",
                     "max_file_bytes", "max_output_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be positive")
        if not 0 <= self.late_penalty_per_day <= 1:
            raise ValueError(f"late_penalty_per_day={self.late_penalty_per_day!r} must be in [0, 1]")
        for lab, when in self.due.items():
            parse_time(when)  # fails early with the lab named below if malformed

    @classmethod
    def from_file(cls, path: Path | str) -> "GradingConfig":
        """Read a JSON file whose keys are this class's attributes."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown keys {unknown} in grading config {path}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-able values."""
        return dataclasses.asdict(self)

    def due_date(self, lab: str) -> dt.datetime | None:
        """Return the due date of a lab, or None if it has none."""
        return parse_time(self.due[lab]) if lab in self.due else None

    def late_penalty(self, lab: str, timestamp: dt.datetime | None, max_score: float) -> tuple[float, float]:
        """Return (days late, points taken) for a submission of ``lab`` at ``timestamp``.

        Each started day late costs ``late_penalty_per_day * max_score``; the
        penalty never exceeds the maximum score.
        """
        due = self.due_date(lab)
        if due is None or timestamp is None or timestamp <= due:
            return 0.0, 0.0
        days = (timestamp - due).total_seconds() / 86400
        penalty = min(max_score, math.ceil(days) * self.late_penalty_per_day * max_score)
        return round(days, 3), round(penalty, 6)


def parse_time(value: str | dt.datetime) -> dt.datetime:
    """Parse an ISO 8601 time; naive times are taken as UTC."""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)

"""Write a run's grades: ``grades.csv`` and Gradescope's ``results.json``.

Both files are rebuilt from the run's records on every run, sorted, with no
time stamps or timings in them: grading the same submissions twice writes the
same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

#: Flags that are notes, not problems: they do not make the exit status non-zero.
NOTE_FLAGS = ("resubmitted", "extra-files", "late", "late-lms", "restored")


def is_problem(flag: str) -> bool:
    """Whether a flag reports a problem (as opposed to a note such as a resubmission)."""
    return flag.split(":")[0] not in NOTE_FLAGS


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def grades_csv(rows: list[dict], task_columns: list[str]) -> str:
    """Return the CSV text: student, lab, score, max_score, one column per task, late_penalty, flags.

    Parameters
    ----------
    rows : list of dict
        ``student``, ``lab``, ``score``, ``max_score``, ``tasks`` (grade id ->
        score or None), ``late_penalty``, ``flags``.
    task_columns : list of str
        Grade ids, in column order.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "lab", "score", "max_score", *task_columns, "late_penalty", "flags"])
    for row in sorted(rows, key=lambda r: (r["student"], r["lab"], r.get("origin", ""))):
        tasks = row.get("tasks") or {}
        writer.writerow([row["student"], row["lab"], _fmt(row["score"]), _fmt(row["max_score"]),
                         *[_fmt(tasks.get(c)) for c in task_columns], _fmt(row.get("late_penalty") or 0.0),
                         "; ".join(row["flags"])])
    return buffer.getvalue()


def gradescope_result(row: dict, points: dict) -> dict:
    """Return one submission's result in Gradescope's ``results.json`` format.

    Manually graded cells are left out: Gradescope's own rubric grades them.
    """
    tests = []
    for name, score in (row.get("tasks") or {}).items():
        if score is None:
            continue
        tests.append({"name": name, "score": score, "max_score": points.get(name, 0.0), "visibility": "visible",
                      "output": "\n".join(row.get("verdicts", {}).get(name, []))})
    output = f"{row['lab']}: {_fmt(row['score'])} of {_fmt(row['max_score'])} points"
    if row.get("late_penalty"):
        output += f" (late penalty {_fmt(row['late_penalty'])})"
    if row["flags"]:
        output += "\nFlags: " + "; ".join(row["flags"])
    return {"score": row["score"], "output": output, "tests": tests, "visibility": "visible",
            "stdout_visibility": "hidden"}


def results_json(rows: list[dict], points: dict) -> dict:
    """Gradescope's format for a run: one submission's result, or all of them as tests of one result."""
    rows = sorted(rows, key=lambda r: (r["student"], r["lab"], r.get("origin", "")))
    if len(rows) == 1:
        return gradescope_result(rows[0], points)
    tests = []
    for row in rows:
        single = gradescope_result(row, points)
        tests.append({"name": f"{row['student']} / {row['lab']}", "score": row["score"],
                      "max_score": row["max_score"], "output": single["output"], "visibility": "visible"})
    return {"score": sum(r["score"] for r in rows), "output": f"{len(rows)} submissions", "tests": tests}


def write_text(path: Path, text: str) -> None:
    """Write a file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, data: dict) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")

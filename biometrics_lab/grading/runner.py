"""``biometrics-lab grade``: grade a class's submissions into a gradebook and reports.

Under ``--out`` a run keeps:

``course/``
    An nbgrader course: ``solutions/`` (copied), ``labs/`` (``generate_assignment``),
    ``submitted/<student>/<lab>/`` (what was graded), ``autograded/``.
``gradebook.db``
    The SQLite gradebook (unless ``--db`` names another).
``state/journal.jsonl``
    One line per graded submission, appended after its gradebook write: a
    killed run resumes by skipping what the journal holds.
``feedback/<student>/<lab>.html``, ``grades.csv``, ``results.json``, ``results/``
    The reports.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

from .config import GradingConfig
from .exports import NOTE_FLAGS, grades_csv, is_problem, results_json, write_json, write_text
from .ingest import Submission, ingest
from .pool import run_jobs
from .sandbox import unavailable_reason
from .spec import LabSpec


@dataclasses.dataclass
class RunSummary:
    """What a run did."""

    rows: list
    graded: int
    reused: int
    flagged: int
    seconds: float
    out: Path

    def line(self) -> str:
        """One-line summary."""
        return (f"graded {self.graded} submission(s) ({self.reused} from an earlier run), {len(self.rows)} row(s), "
                f"{self.flagged} flagged, in {self.seconds:.1f} s -> {self.out / 'grades.csv'}")


def _sha(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _labs_in(course_root: Path) -> list[str]:
    solutions = course_root / "solutions"
    if not solutions.is_dir():
        return []
    return sorted(p.name for p in solutions.iterdir() if (p / f"{p.name}.ipynb").is_file())


def _prepare_lab(lab: str, source_root: Path, course: Path, db_url: str, state: dict) -> LabSpec:
    """Copy a lab's source into the run's course, release it (once per source version), return its spec."""
    from nbgrader.apps import NbGraderAPI

    from ..course import load_config

    src = source_root / "solutions" / lab
    digest = _sha(*[p.read_bytes() for p in sorted(src.rglob("*")) if p.is_file()], db_url)
    dest = course / "solutions" / lab
    spec_path = course / "spec" / f"{lab}.json"
    if state.get(lab) != digest or not spec_path.is_file():
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        api = NbGraderAPI(config=load_config(course, db_url))
        result = api.generate_assignment(lab, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {lab} failed:\n{result.get('error') or result.get('log')}")
        spec = LabSpec.from_gradebook(db_url, lab, dest / f"{lab}.ipynb")
        write_text(spec_path, spec.to_json())
        state[lab] = digest
    return LabSpec.from_json(spec_path.read_text(encoding="utf-8"))


def _load_journal(path: Path) -> dict[str, dict]:
    done = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a kill: that job is graded again
            done[entry["job"]] = entry["result"]
    return done


def _append_journal(path: Path, job_id: str, result: dict) -> None:
    with open(path, "a", encoding="utf-8") as journal:
        journal.write(json.dumps({"job": job_id, "result": result}, sort_keys=True) + "\n")
        journal.flush()
        os.fsync(journal.fileno())


class _Progress:
    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled and total > 0

    def step(self, label: str) -> None:
        self.done += 1
        if self.enabled:
            width = 30
            filled = int(width * self.done / self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label[:40]:<40}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def grade(submissions: Path | str, *, out: Path | str, lab: str | None = None, workers: int | None = None,
          db_url: str | None = None, course_root: Path | str | None = None, config: GradingConfig | None = None,
          mode: str = "hardened", student: str | None = None, feedback: bool = True,
          progress: bool | None = None, on_result: Callable[[dict], None] | None = None) -> RunSummary:
    """Grade submissions and write the gradebook, ``grades.csv``, feedback and ``results.json``.

    Parameters
    ----------
    submissions : path
        A folder ``<student>/<lab>/<lab>.ipynb``, an LMS zip, or one notebook.
    out : path
        Output folder (created); a second run with the same folder resumes.
    lab : str, optional
        Grade only this lab (required to name the lab of a notebook named otherwise).
    workers : int, optional
        Worker processes (default: the number of cores).
    db_url : str, optional
        Gradebook URL (default: SQLite ``<out>/gradebook.db``).
    course_root : path, optional
        Folder with ``solutions/<lab>/<lab>.ipynb`` (default: this checkout).
    config : GradingConfig, optional
        Limits, timeouts, due dates.
    mode : {"hardened", "plain"}
        ``hardened`` decides hidden tests outside the kernel; ``plain`` runs
        test cells as nbgrader does (for comparison).
    student : str, optional
        Student id of a single notebook.
    feedback : bool
        Write feedback HTML.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    on_result : callable, optional
        Called with each fresh worker result (tests use it to stop a run).
    """
    from .._paths import checkout_root
    from .gradebook import Writer, ensure_due_date

    started = time.perf_counter()
    if mode not in ("hardened", "plain"):
        raise ValueError(f"mode={mode!r}; expected 'hardened' or 'plain'")
    config = config or GradingConfig()
    if config.sandbox == "require" and unavailable_reason():
        raise RuntimeError(f"the sandbox is required but unavailable: {unavailable_reason()}")
    out = Path(out).resolve()
    source_root = Path(course_root).resolve() if course_root else checkout_root()
    labs = _labs_in(source_root)
    if not labs:
        raise FileNotFoundError(f"no lab under {source_root / 'solutions'}")
    course = out / "course"
    state_dir = out / "state"
    state_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{out / 'gradebook.db'}"
    workers = max(1, int(workers or os.cpu_count() or 1))

    records = ingest(submissions, labs, out / "staging", lab=lab, student=student)
    assignments_path = state_dir / "assignments.json"
    assignments = json.loads(assignments_path.read_text()) if assignments_path.is_file() else {}
    specs = {}
    for name in sorted({r.lab for r in records if r.lab in labs}):
        specs[name] = _prepare_lab(name, source_root, course, db_url, assignments)
        ensure_due_date(db_url, name, config.due_date(name))
    write_json(assignments_path, assignments)

    sandbox_on = config.sandbox != "off" and unavailable_reason() is None
    if config.sandbox == "auto" and not sandbox_on:
        print(f"warning: grading without a sandbox: {unavailable_reason()}", file=sys.stderr)
    secret = [str(out), str(source_root), str(Path(submissions).resolve().parent if Path(submissions).is_file()
                                               else Path(submissions).resolve())]
    config_hash = _sha(json.dumps(config.to_dict(), sort_keys=True), mode, str(sandbox_on))
    journal_path = state_dir / "journal.jsonl"
    done = _load_journal(journal_path)

    jobs, job_of = [], {}
    for rec in records:
        if not rec.gradable or rec.lab not in specs:
            continue
        submitted = course / "submitted" / rec.student / rec.lab
        submitted.mkdir(parents=True, exist_ok=True)
        target = submitted / f"{rec.lab}.ipynb"
        if Path(rec.path).resolve() != target.resolve():
            shutil.copyfile(rec.path, target)
        if rec.timestamp is not None:
            (submitted / "timestamp.txt").write_text(rec.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        spec_path = course / "spec" / f"{rec.lab}.json"
        job_id = _sha(target.read_bytes(), spec_path.read_bytes(), config_hash, str(feedback))
        key = f"{rec.student}/{rec.lab}"
        job_of[key] = job_id
        if job_id in done:
            continue
        jobs.append({
            "key": key, "student": rec.student, "lab": rec.lab, "notebook": str(target), "spec": str(spec_path),
            "mode": mode, "config": config.to_dict(), "secret": secret, "sandbox": sandbox_on,
            "release_dir": str(course / "labs" / rec.lab),
            "autograded": str(course / "autograded" / rec.student / rec.lab / f"{rec.lab}.ipynb"),
            "feedback": str(out / "feedback" / rec.student / f"{rec.lab}.html") if feedback else None,
        })

    by_key = {f"{r.student}/{r.lab}": r for r in records}
    bar = _Progress(len(jobs), sys.stderr.isatty() if progress is None else progress)

    def store(result: dict) -> None:
        rec = by_key[result["key"]]
        spec = specs[rec.lab]
        scores = result.get("scores") or {c["name"]: (None if c["task"] or c["solution"] else 0.0)
                                          for c in spec.grade_cells}
        days, penalty = config.late_penalty(rec.lab, rec.timestamp, spec.max_score)
        writer.record(rec.lab, rec.student, scores, timestamp=rec.timestamp, penalty=penalty)
        _append_journal(journal_path, job_of[result["key"]], result)
        done[job_of[result["key"]]] = result
        bar.step(result["key"])
        if on_result is not None:
            on_result(result)

    with Writer(db_url) as writer:
        try:
            run_jobs(jobs, workers, log_dir=state_dir / "logs", job_timeout=config.notebook_timeout + 120,
                     on_result=store)
        finally:
            bar.close()
        rows = _rows(records, specs, done, job_of, config, writer)

    points = {}
    for spec in specs.values():
        points.update({c["name"]: c["points"] for c in spec.grade_cells})
    columns = [c["name"] for name in sorted(specs) for c in specs[name].grade_cells]
    write_text(out / "grades.csv", grades_csv(rows, columns))
    write_json(out / "results.json", results_json(rows, points))
    from .exports import gradescope_result

    for row in rows:
        if row["lab"] in specs and row["student"] != "unknown":
            write_json(out / "results" / row["student"] / f"{row['lab']}.json", gradescope_result(row, points))
    flagged = sum(1 for row in rows if any(is_problem(f) for f in row["flags"]))
    return RunSummary(rows, graded=len(jobs), reused=sum(1 for r in records if r.gradable and r.lab in specs) - len(jobs),
                      flagged=flagged, seconds=time.perf_counter() - started, out=out)


def _rows(records: list, specs: dict, done: dict, job_of: dict, config: GradingConfig, writer) -> list[dict]:
    """One report row per record, with the gradebook's scores (manual ones included)."""
    rows = []
    for rec in records:
        spec = specs.get(rec.lab)
        flags = list(rec.flags)
        result = done.get(job_of.get(f"{rec.student}/{rec.lab}", "")) if rec.gradable else None
        if spec is None:
            rows.append({"student": rec.student, "lab": rec.lab, "score": 0.0, "max_score": 0.0, "tasks": {},
                         "flags": flags, "origin": rec.origin})
            continue
        scores = (result or {}).get("scores")
        if scores is None:
            scores = {c["name"]: (None if c["solution"] or c["task"] else 0.0) for c in spec.grade_cells}
        days, penalty = config.late_penalty(rec.lab, rec.timestamp, spec.max_score)
        if _valid_for_gradebook(rec):
            tasks = writer.record(rec.lab, rec.student, scores, timestamp=rec.timestamp, penalty=penalty)
        else:
            tasks = scores
        tasks = {c["name"]: tasks.get(c["name"]) for c in spec.grade_cells}
        flags += [f for f in (result or {}).get("flags", []) if f not in flags]
        if penalty:
            flags.append(f"late: {days:g} day(s) after the due date, -{penalty:g} point(s)")
        score = max(0.0, sum(v for v in tasks.values() if v is not None) - penalty)
        rows.append({"student": rec.student, "lab": rec.lab, "score": round(score, 6), "max_score": spec.max_score,
                     "tasks": tasks, "late_penalty": penalty, "flags": flags, "origin": rec.origin,
                     "verdicts": (result or {}).get("verdicts", {})})

    return rows


def _valid_for_gradebook(rec: Submission) -> bool:
    return rec.student != "unknown" and rec.lab != "unknown"


__all__ = ["grade", "RunSummary", "NOTE_FLAGS"]

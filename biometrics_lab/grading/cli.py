"""Arguments and entry of ``biometrics-lab grade`` (kept light: heavy imports happen in ``run``)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``grade`` subcommand's arguments to ``parser``."""
    parser.add_argument("submissions", help="folder <student>/<lab>/<lab>.ipynb, an LMS .zip, or one .ipynb")
    parser.add_argument("--lab", help="grade only this lab (and the lab of a single notebook)")
    parser.add_argument("--out", default="grading-out", help="output folder (default: ./grading-out); "
                        "running again with the same folder resumes")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: core count)")
    parser.add_argument("--db", dest="db_url", help="gradebook URL (default: SQLite under --out), "
                        "e.g. postgresql://user@host/db")
    parser.add_argument("--course", help="folder holding solutions/<lab>/ (default: this checkout)")
    parser.add_argument("--config", help="grading config JSON (limits, timeouts, due dates, late penalty)")
    parser.add_argument("--student", help="student id of a single notebook (default: its folder's name)")
    parser.add_argument("--plain", action="store_true",
                        help="run test cells in the kernel as nbgrader does (no hardened verdict)")
    parser.add_argument("--no-feedback", action="store_true", help="do not write feedback HTML")


def run(args: argparse.Namespace) -> int:
    """Grade; print a one-line summary. Exit 0 if nothing was flagged, 1 if something was, 2 on errors."""
    from .config import GradingConfig
    from .runner import grade

    if args.workers is not None and args.workers < 1:
        print(f"error: --workers={args.workers} must be at least 1", file=sys.stderr)
        return 2
    # A terminated run stops its workers and keeps what the journal holds; run again to resume.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        config = GradingConfig.from_file(args.config) if args.config else GradingConfig()
        summary = grade(Path(args.submissions), out=Path(args.out), lab=args.lab, workers=args.workers,
                        db_url=args.db_url, course_root=args.course, config=config,
                        mode="plain" if args.plain else "hardened", student=args.student,
                        feedback=not args.no_feedback)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    print(summary.line())
    from .exports import is_problem

    for row in summary.rows:
        problems = [f for f in row["flags"] if is_problem(f)]
        if problems:
            print(f"flagged {row['student']}/{row['lab']}: {'; '.join(problems)}")
    return 1 if summary.flagged else 0

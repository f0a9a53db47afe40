"""Grading throughput: a class of students x 2 labs, plain sequential nbgrader vs ``biometrics-lab grade``.

The class: Lab 1 (if written) and the grader's fixture lab (or the fixture's second lab), each
student a seeded variation of the solution (some wrong answers, some blank releases). Three
measurements on the same notebooks, in one run:

1. plain sequential ``nbgrader autograde`` (its own API, one notebook after the other, no sandbox);
2. ``biometrics-lab grade --workers 2`` (sandboxed kernels, hardened verdict, feedback HTML);
3. per-notebook overhead: ``biometrics-lab grade --workers 1`` on a sample vs a bare
   ``jupyter execute`` of the same notebooks.

Goals (issue 3): (2) <= 0.6 x (1) on 2 cores; overhead <= 1 s per notebook.
Usage: ``python -m bench grading``; ``BENCH_GRADING_STUDENTS=10`` for a smaller class.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from biometrics_lab._paths import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "grading" / "solutions"
FIXTURE_WRONG = {
    "g0-cosine": "def cosine(a, b):\n    return float(np.dot(a, b))",
    "g0-count": "def match_count(scores, threshold):\n    return int(sum(1 for s in scores if s > threshold))",
}


def _labs(course: Path) -> list[str]:
    (course / "solutions").mkdir(parents=True)
    labs = []
    lab1 = REPO_ROOT / "solutions" / "lab1-templates"
    if (lab1 / "lab1-templates.ipynb").is_file():
        shutil.copytree(lab1, course / "solutions" / "lab1-templates")
        labs.append("lab1-templates")
    for lab in ("lab0-grading", "lab0-other"):
        if len(labs) < 2:
            shutil.copytree(FIXTURE / lab, course / "solutions" / lab)
            labs.append(lab)
    return labs


def _release(course: Path, labs: list[str], db: str) -> None:
    from nbgrader.apps import NbGraderAPI

    from biometrics_lab.course import load_config

    api = NbGraderAPI(config=load_config(course, db))
    for lab in labs:
        assert api.generate_assignment(lab, force=True, create=True)["success"], lab


def _wrong_answers(lab: str) -> list[dict]:
    if lab == "lab1-templates":
        sys.path.insert(0, str(REPO_ROOT))
        from tests.wrong_answers.lab1_templates import WRONG_ANSWERS

        return [{entry["grade_id"]: entry["source"]} for entry in WRONG_ANSWERS]
    if lab == "lab0-grading":
        return [{k: v} for k, v in FIXTURE_WRONG.items()]
    return [{"o0-double": "def double(x):\n    return x + 2"}]


def make_class(course: Path, labs: list[str], n_students: int, subs: Path, seed: int = 0) -> int:
    """Write ``subs/<student>/<lab>/<lab>.ipynb``: 70% solution (30% of those with a wrong answer), 10% blank."""
    rng = random.Random(seed)
    count = 0
    for i in range(n_students):
        student = f"s{i:03d}"
        for lab in labs:
            kind = rng.random()
            if kind < 0.1:
                nb = nbformat.read(str(course / "labs" / lab / f"{lab}.ipynb"), as_version=4)
            else:
                nb = nbformat.read(str(course / "solutions" / lab / f"{lab}.ipynb"), as_version=4)
                if kind < 0.4:
                    answer = rng.choice(_wrong_answers(lab))
                    for cell in nb.cells:
                        if cell.metadata.get("nbgrader", {}).get("grade_id") in answer:
                            cell.source = answer[cell.metadata["nbgrader"]["grade_id"]]
            nb.cells.append(nbformat.v4.new_markdown_cell(f"Submitted by {student}."))
            path = subs / student / lab / f"{lab}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(path))
            count += 1
    return count


def plain_sequential(course: Path, labs: list[str], subs: Path, db: str) -> float:
    """Wall seconds of nbgrader's own autograde, one notebook after the other."""
    from nbgrader.apps import NbGraderAPI

    from biometrics_lab.course import load_config

    for student_dir in subs.iterdir():
        shutil.copytree(student_dir, course / "submitted" / student_dir.name, dirs_exist_ok=True)
    api = NbGraderAPI(config=load_config(course, db))
    start = time.perf_counter()
    for student_dir in sorted(subs.iterdir()):
        for lab in labs:
            result = api.autograde(lab, student_dir.name, force=True, create=True)
            if not result["success"]:
                print(f"  nbgrader failed on {student_dir.name}/{lab}: {result.get('error') or result.get('log', '')[-300:]}")
    return time.perf_counter() - start


def cli_grade(subs: Path, course: Path, out: Path, workers: int) -> float:
    command = [str(Path(sys.executable).with_name("biometrics-lab")), "grade", str(subs), "--course", str(course),
               "--out", str(out), "--workers", str(workers)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=_env())
    seconds = time.perf_counter() - start
    print("  " + (proc.stdout.splitlines() or ["(no output)"])[0])
    if proc.returncode == 2:
        raise RuntimeError(proc.stderr[-2000:])
    return seconds


def bare_execute(notebooks: list[Path], scratch: Path) -> float:
    """Wall seconds of ``jupyter execute`` over the notebooks, one after the other."""
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    start = time.perf_counter()
    for nb in notebooks:
        subprocess.run([jupyter, "execute", "--allow-errors", f"--output={scratch / nb.name}", str(nb)],
                       capture_output=True, env=_env(), cwd=scratch)
    return time.perf_counter() - start


def _env() -> dict:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def main() -> None:
    n_students = int(os.environ.get("BENCH_GRADING_STUDENTS", "60"))
    os.environ["PATH"] = _env()["PATH"]
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        course = tmp / "course"
        labs = _labs(course)
        db = f"sqlite:///{tmp / 'release.db'}"
        _release(course, labs, db)
        subs = tmp / "subs"
        total = make_class(course, labs, n_students, subs)
        print(f"class: {n_students} students x {labs} = {total} notebooks, {os.cpu_count()} cores")

        # The machine is shared: measure in chunks, alternating which method goes first, so that a
        # change in background load falls on both methods alike.
        students = sorted(p.name for p in subs.iterdir())
        chunks = [students[i:i + 15] for i in range(0, len(students), 15)]
        sequential = parallel = 0.0
        for number, chunk in enumerate(chunks):
            part = tmp / f"chunk{number}"
            for student in chunk:
                shutil.copytree(subs / student, part / student)
            load = os.getloadavg()[0]
            if number % 2:
                parallel += cli_grade(part, course, tmp / f"out-{number}", workers=2)
                sequential += plain_sequential(course, labs, part, db)
            else:
                sequential += plain_sequential(course, labs, part, db)
                parallel += cli_grade(part, course, tmp / f"out-{number}", workers=2)
            print(f"  chunk {number}: {len(chunk)} students, load average at start {load:.1f}")
        print(f"plain sequential nbgrader autograde: {sequential:.1f} s ({sequential / total:.2f} s/notebook)")
        print(f"biometrics-lab grade --workers 2:     {parallel:.1f} s ({parallel / total:.2f} s/notebook)")
        print(f"ratio: {parallel / sequential:.2f} of sequential (goal <= 0.6)")

        sample_students = sorted(p.name for p in subs.iterdir())[:6]
        sample = tmp / "sample"
        for student in sample_students:
            shutil.copytree(subs / student, sample / student)
        notebooks = sorted(sample.rglob("*.ipynb"))
        scratch = tmp / "scratch"
        scratch.mkdir()
        bare = bare_execute(notebooks, scratch)
        one = cli_grade(sample, course, tmp / "out1", workers=1)
        print(f"load average now {os.getloadavg()[0]:.1f}")
        print(f"sample of {len(notebooks)}: bare jupyter execute {bare / len(notebooks):.2f} s/notebook, "
              f"grade --workers 1 {one / len(notebooks):.2f} s/notebook, "
              f"overhead {(one - bare) / len(notebooks):+.2f} s/notebook (goal <= 1 s; includes release, "
              f"sandbox, hardened verdict, gradebook and feedback HTML)")


if __name__ == "__main__":
    main()

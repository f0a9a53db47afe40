"""Grade one submission: restore, execute in a sandboxed kernel, decide, write feedback.

Workers never open the gradebook; they return scores to the run's single
writer (:mod:`biometrics_lab.grading.runner`). Run as a module, a worker reads
one JSON job per line on stdin and answers one JSON result per line.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_output

from .config import GradingConfig
from .execute import run_cells
from .sandbox import SandboxPolicy
from .spec import GradebookView, LabSpec
from .verdict import PROBE_END, PROBE_START, instrument, judge, read_probe, scan

_SPECS: dict[str, LabSpec] = {}


def redact_hidden(source: str) -> str:
    """A test cell's text without its hidden-test region, as nbgrader's release has it."""
    kept, inside = [], False
    for line in source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            inside = True
        elif line.strip() == "### END HIDDEN TESTS":
            inside = False
        elif not inside:
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _spec(path: str) -> LabSpec:
    if path not in _SPECS:
        _SPECS[path] = LabSpec.from_json(Path(path).read_text(encoding="utf-8"))
    return _SPECS[path]


def _nbg(cell: Any) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def restore(nb: Any, spec: LabSpec, student: str) -> tuple[Any, list[str]]:
    """Put the instructor's locked and grade cells back into a submission.

    nbgrader's ``DeduplicateIds`` and ``OverwriteCells`` (run against the
    spec, not the database) restore changed locked cells, cell types, points
    and checksums; then every source cell with an id that is still missing
    (deleted, turned into markdown under another id, id edited) is re-inserted
    after the nearest earlier source cell that is present.

    Returns
    -------
    nb : NotebookNode
    flags : list of str
        ``restored:`` notes (informational) and ``other-lab:`` if the
        notebook carries no cell of this lab.
    """
    from nbgrader.preprocessors import ClearOutput, DeduplicateIds, OverwriteCells

    flags: list[str] = []
    known = {c["name"] for c in spec.cells}
    present = {_nbg(c).get("grade_id") for c in nb.cells} - {None}
    if present and not present & known:
        flags.append(f"other-lab: no cell of {spec.lab} in this notebook (ids like {sorted(present)[0]!r})")
    # Metadata a student mangled (not a dict, no id) makes a cell a plain one.
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or not isinstance(meta.get("grade_id"), str)):
            cell.metadata["nbgrader"] = {}
            flags.append("restored: a cell's nbgrader metadata was malformed and removed")

    class _Overwrite(OverwriteCells):
        def preprocess(self, nb, resources):  # noqa: ANN001 - nbgrader's signature
            self.notebook_id = self.assignment_id = spec.lab
            self.gradebook = GradebookView(spec)
            return super(OverwriteCells, self).preprocess(nb, resources)

        def preprocess_cell(self, cell, resources, index):  # noqa: ANN001
            # A test cell as released (hidden tests removed) differs from the stored source by design.
            grade_id = _nbg(cell).get("grade_id")
            self._as_released = (grade_id in known and
                                 redact_hidden(spec.cell(grade_id)["source"]) == redact_hidden(cell.source))
            return super().preprocess_cell(cell, resources, index)

        def report_change(self, name, attr, old, new):  # noqa: ANN001
            if not (attr == "checksum" and getattr(self, "_as_released", False)):
                flags.append(f"restored: cell {name}: {attr} was changed")

    resources = {"nbgrader": {"notebook": spec.lab, "assignment": spec.lab, "student": student, "db_url": ""}}
    for pp in (ClearOutput(), DeduplicateIds(), _Overwrite()):
        nb, resources = pp.preprocess(nb, resources)
    nb.metadata["kernelspec"] = copy.deepcopy(spec.kernelspec) or nb.metadata.get("kernelspec", {})
    for cell in nb.cells:
        meta = _nbg(cell)
        if meta and "grade_id" not in meta:
            cell.metadata["nbgrader"] = {}  # OverwriteCells dropped an unknown id
    # Re-insert missing cells in source order.
    order = [c["name"] for c in spec.cells]
    for position, source in enumerate(spec.cells):
        ids = [_nbg(c).get("grade_id") for c in nb.cells]
        if source["name"] in ids:
            continue
        if not (source["locked"] or source["grade"] or source["task"]):
            continue  # an unlocked, ungraded cell (e.g. a helper solution cell) is the student's to delete
        anchor = 0
        for earlier in reversed(order[:position]):
            if earlier in ids:
                anchor = ids.index(earlier) + 1
                break
        nb.cells.insert(anchor, _cell_from_source(source))
        flags.append(f"restored: cell {source['name']} was missing and was put back")
    return nb, flags


def _cell_from_source(source: dict) -> Any:
    meta = {"nbgrader": {"grade": source["grade"], "grade_id": source["name"], "locked": source["locked"],
                         "schema_version": 3, "solution": source["solution"], "task": source["task"],
                         "checksum": source["checksum"]}}
    if source["grade"] or source["task"]:
        meta["nbgrader"]["points"] = source["points"]
    if source["cell_type"] == "code":
        return nbformat.v4.new_code_cell(source["source"], metadata=meta)
    return nbformat.v4.new_markdown_cell(source["source"], metadata=meta)


def _student_cells(nb: Any, spec: LabSpec) -> list[tuple[str, str]]:
    """(label, source) of the code cells a student could write (not restored locked cells)."""
    locked = {c["name"] for c in spec.cells if c["locked"]}
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _nbg(cell).get("grade_id") not in locked:
            cells.append((f"cell {index} ({_nbg(cell).get('grade_id') or 'added by the student'})", cell.source))
    return cells


def grade_submission(job: dict) -> dict:
    """Grade one notebook; return scores, flags and the files written.

    Parameters
    ----------
    job : dict
        ``student``, ``lab``, ``notebook`` (path), ``spec`` (path of the lab
        spec JSON), ``mode`` (``"hardened"`` or ``"plain"``), ``config``
        (GradingConfig as a dict), ``secret`` (folders to hide), ``slot``,
        ``autograded`` (where to write the executed notebook), ``feedback``
        (where to write the HTML feedback).
    """
    start = time.perf_counter()
    config = GradingConfig(**job["config"])
    spec = _spec(job["spec"])
    student, lab = job["student"], job["lab"]
    nb = nbformat.read(job["notebook"], as_version=4)
    nb, flags = restore(nb, spec, student)
    hardened = job.get("mode", "hardened") == "hardened"
    if hardened:
        flags += scan(_student_cells(nb, spec))

    # Build what the kernel runs: code cells, test cells instrumented, probes around them.
    code_index = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    sources, plans = [], {}
    for i in code_index:
        cell = nb.cells[i]
        meta = _nbg(cell)
        if hardened and meta.get("grade") and not meta.get("solution"):
            plan = instrument(spec.cell(meta["grade_id"])["source"])
            plans[i] = plan
            sources.append(plan.code)
        else:
            sources.append(cell.source)
    if hardened:
        sources = [PROBE_START] + sources + [PROBE_END]

    scratch = Path(tempfile.mkdtemp(prefix="blg-", dir="/tmp"))
    policy, run_flags = None, []
    try:
        release_dir = Path(job.get("release_dir") or "")
        if release_dir.is_dir():
            # The lab's other files (data, helpers), as nbgrader copies them next to the notebook.
            for item in release_dir.iterdir():
                if item.suffix != ".ipynb" and item.is_file():
                    shutil.copy(item, scratch / item.name)
        if config.sandbox != "off" and job.get("sandbox", True):
            policy = SandboxPolicy.for_course(scratch, secret=job.get("secret", []), config=config,
                                              slot=int(job.get("slot", 0)))
            policy.prepare()
            policy.reap()
        for attempt in range(2):
            runs, run_flags = run_cells(sources, scratch=scratch, policy=policy, cell_timeout=config.cell_timeout,
                                        cell_cpu_seconds=config.cell_cpu_seconds,
                                        notebook_timeout=config.notebook_timeout,
                                        max_output_bytes=config.max_output_bytes,
                                        kernel_name=(spec.kernelspec or {}).get("name", "python3"))
            # A kernel that never started ran no student code: try once more on a clean slate.
            if attempt or not any(f.startswith("kernel-error") for f in run_flags):
                break
            print(f"{student}/{lab}: kernel did not start ({run_flags}); retrying", file=sys.stderr)
            if policy is not None:
                policy.reap()
    finally:
        if policy is not None:
            left = policy.reap()
            if left:
                print(f"{student}/{lab}: killed {left} process(es) left by the kernel", file=sys.stderr)
        shutil.rmtree(scratch, ignore_errors=True)
    flags += run_flags
    if hardened:
        flags += read_probe(runs[-1].outputs if runs[-1].error in (None, "stderr") else None)
        runs = runs[1:-1]

    from nbgrader.utils import determine_grade

    scores, verdicts = {}, {}
    for i, run in zip(code_index, runs):
        cell = nb.cells[i]
        cell.outputs = [nbformat.from_dict(o) for o in run.outputs]
        if i in plans:
            verdict = judge(plans[i], run.outputs, run.error)
            verdicts[_nbg(cell)["grade_id"]] = verdict.lines
            text = "\n".join(verdict.lines) + "\n"
            cell.outputs = [new_output("stream", name="stdout", text=text)]
            if not verdict.passed:
                cell.outputs.append(new_output("error", ename="AssertionError", evalue="a check failed",
                                               traceback=["AssertionError: a check failed (see above)"]))
        elif run.error == "not run" and _nbg(cell).get("grade"):
            cell.outputs.append(new_output("error", ename="NotRun", evalue="the cell was not run",
                                           traceback=["the kernel stopped before this cell"]))
    for cell in nb.cells:
        meta = _nbg(cell)
        if meta.get("grade") or meta.get("task"):
            if meta.get("task"):
                scores[meta["grade_id"]] = None
                continue
            auto, _ = determine_grade(cell)
            scores[meta["grade_id"]] = auto
    for name in [c["name"] for c in spec.grade_cells]:
        scores.setdefault(name, 0.0)

    autograded = Path(job["autograded"])
    autograded.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(autograded, nbformat.writes(nb))
    result = {"student": student, "lab": lab, "scores": scores, "flags": flags, "verdicts": verdicts,
              "mode": job.get("mode", "hardened"), "seconds": round(time.perf_counter() - start, 3),
              "autograded": str(autograded)}
    if job.get("feedback"):
        from .feedback import write_feedback

        try:
            write_feedback(nb, spec, Path(job["feedback"]), scores=scores, student=student)
            result["feedback_file"] = job["feedback"]
        except Exception as error:  # a leak found by the check, or a rendering failure
            result["flags"].append(f"feedback-withheld: {error}")
    return result


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main() -> int:
    """Serve jobs: one JSON object per line on stdin, one result per line on the original stdout."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by libraries goes to the log, not the protocol
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the runner
    except (OSError, AttributeError):
        pass
    for line in sys.stdin:
        job = json.loads(line)
        try:
            result = grade_submission(job)
        except Exception as error:
            traceback.print_exc()
            result = {"student": job.get("student"), "lab": job.get("lab"), "scores": None,
                      "flags": [f"grader-error: {type(error).__name__}: {error}"[:300]]}
        result["key"] = job.get("key")
        protocol.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

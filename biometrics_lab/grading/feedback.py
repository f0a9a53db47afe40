"""Feedback HTML for a student, with hidden tests and mark schemes removed.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is, so
hidden tests (restored into the test cells for grading) and mark schemes reach
the student (nbgrader issue #917). Here the notebook is rendered only after
every hidden-test region and mark scheme is cut out, test cells show the
grader's verdict lines (hidden checks by number only) and other cells show no
output; the rendered text is then searched for every hidden-test and
mark-scheme line, and a file that contains one is not written.
"""

from __future__ import annotations

import copy
import html
import os
import re
from pathlib import Path
from typing import Any

from nbformat.v4 import new_markdown_cell

from .spec import LabSpec

_HIDDEN_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*$.*?^[ \t]*### END HIDDEN TESTS[ \t]*$", re.M | re.S)
_SCHEME_RE = re.compile(r"=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===", re.S)
_OPEN_HIDDEN_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*", re.M | re.S)
_OPEN_SCHEME_RE = re.compile(r"=== BEGIN MARK SCHEME ===.*", re.S)


class FeedbackLeak(RuntimeError):
    """Raised when rendered feedback still contains a hidden test or mark scheme line."""


def redact(text: str) -> str:
    """Remove hidden-test regions and mark schemes (also unterminated ones) from a cell's text."""
    text = _HIDDEN_RE.sub("# (hidden tests are not shown)", text)
    text = _SCHEME_RE.sub("", text)
    text = _OPEN_HIDDEN_RE.sub("# (hidden tests are not shown)", text)
    return _OPEN_SCHEME_RE.sub("", text)


def html_text(document: str) -> str:
    """The visible text of an HTML document (tags dropped, entities decoded)."""
    document = re.sub(r"<(script|style)\b.*?</\1>", " ", document, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", document))


def secret_lines(spec: LabSpec) -> list[str]:
    """Hidden-test and mark-scheme lines that must not appear in feedback."""
    public = set()
    for cell in spec.cells:
        public |= {line.strip() for line in redact(cell["source"]).splitlines()}
    return [line for line in spec.hidden_lines + spec.mark_scheme_lines
            if len(line) >= 8 and line not in public]


def leaks(document: str, spec: LabSpec) -> list[str]:
    """Secret lines found in an HTML or text document."""
    text = html_text(document)
    return [line for line in secret_lines(spec) if line in text or line in document]


def render(nb: Any, spec: LabSpec, *, scores: dict, student: str) -> str:
    """Return the feedback HTML of an autograded notebook."""
    nb = copy.deepcopy(nb)
    points = {c["name"]: c["points"] for c in spec.grade_cells}
    auto = [s for name, s in scores.items() if s is not None]
    pending = [name for name, s in scores.items() if s is None]
    lines = [f"# Feedback: {spec.lab}, {student}", "",
             f"Autograded score: **{sum(auto):g}** of {sum(points[n] for n in scores if scores[n] is not None):g} points"
             + (f"; {len(pending)} answer(s) await manual grading." if pending else "."), "",
             "| task | score | points |", "|---|---|---|"]
    for name, score in scores.items():
        lines.append(f"| `{name}` | {'manual' if score is None else f'{score:g}'} | {points.get(name, 0):g} |")
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        cell.source = redact(cell.source)
        if cell.cell_type == "code":
            if not (meta.get("grade") and not meta.get("solution")):
                cell.outputs = []  # only the verdict lines of test cells are shown
            else:
                cell.outputs = [o for o in cell.outputs if o.get("output_type") == "stream"]
            cell.execution_count = None
        cell.metadata = {}
        cell.pop("attachments", None)
    nb.cells.insert(0, new_markdown_cell("\n".join(lines)))
    nb.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}), "language_info": {"name": "python"}}
    body, _ = _exporter().from_notebook_node(nb)
    return body


_EXPORTER = None


def _exporter():
    """One HTML exporter per process: building its templates costs more than rendering."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="classic")
    return _EXPORTER


def write_feedback(nb: Any, spec: LabSpec, path: Path, *, scores: dict, student: str) -> Path:
    """Render feedback, check it for leaks, write it atomically.

    Raises
    ------
    FeedbackLeak
        If a hidden-test or mark-scheme line is still in the rendered file.
    """
    body = render(nb, spec, scores=scores, student=student)
    found = leaks(body, spec)
    if found:
        raise FeedbackLeak(f"feedback would show {len(found)} hidden line(s), e.g. {found[0][:60]!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)
    return path

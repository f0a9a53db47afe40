"""Which error outputs a lab notebook may show after a full run (no browser needed).

The rule for a **released** notebook, read from each cell's nbgrader metadata:

- an *answer cell* (``solution: true``, grade id ending in ``-answer``) may
  show ``NotImplementedError``: the stub that the student replaces;
- a *check cell* (``grade: true``, ``solution: false``: the autograded tests
  of a question) may show ``NameError`` or ``NotImplementedError``: the
  answer it checks is missing or still the stub;
- every other cell (setup, facts, figures, widgets, exploration) shows no
  error at all: cells after a question print a ``needs()`` message such as
  "Answer Question 1.1 first" on stdout instead of failing.

A **solution** notebook shows no error output at all. Output on stderr that
is not an exception (a warning) counts as an error output too: a student sees
it as the same red box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Exceptions a released notebook may show, by kind of cell.
ALLOWED_IN_ANSWER = frozenset({"NotImplementedError"})
ALLOWED_IN_CHECK = frozenset({"NameError", "NotImplementedError"})


@dataclass
class CellReport:
    """What one cell shows after the run.

    Attributes
    ----------
    index : int
        Position in the notebook (0-based, markdown cells included).
    kind : str
        ``"code"``, ``"markdown"`` or ``"raw"``.
    nbgrader : dict
        The cell's nbgrader metadata (empty if none).
    execution_count : int or None
        The number in the cell's prompt; None if the cell never ran.
    errors : list of str
        One entry per error output: the exception's name (``ename``), or
        ``"stderr"`` for text written to standard error.
    mime_types : list of str
        The mime types of the cell's outputs, in order.
    text : str
        The cell's stdout text (``needs()`` messages land here).
    empty : bool
        Whether the cell's source is blank (JupyterLab does not run those).
    head : str
        The first characters of the cell's source.
    """

    index: int
    kind: str
    nbgrader: dict = field(default_factory=dict)
    execution_count: int | None = None
    errors: list[str] = field(default_factory=list)
    mime_types: list[str] = field(default_factory=list)
    text: str = ""
    empty: bool = False
    head: str = ""

    @property
    def grade_id(self) -> str:
        return self.nbgrader.get("grade_id", "")

    @property
    def is_answer(self) -> bool:
        return bool(self.nbgrader.get("solution")) and self.grade_id.endswith("-answer")

    @property
    def is_check(self) -> bool:
        return bool(self.nbgrader.get("grade")) and not self.nbgrader.get("solution")

    def label(self) -> str:
        return f"cell {self.index}" + (f" ({self.grade_id})" if self.grade_id else "")


def allowed_errors(cell: CellReport, released: bool) -> frozenset[str]:
    """Return the exception names ``cell`` may show in a released or a solution notebook."""
    if not released:
        return frozenset()
    if cell.is_answer:
        return ALLOWED_IN_ANSWER
    if cell.is_check:
        return ALLOWED_IN_CHECK
    return frozenset()


def unexpected_errors(cells: list[CellReport], released: bool) -> list[str]:
    """Return one line per error output that the rule above does not allow."""
    return [f"{cell.label()}: {error}" for cell in cells for error in cell.errors
            if error not in allowed_errors(cell, released)]


def unexecuted_code_cells(cells: list[CellReport]) -> list[str]:
    """Return the labels of non-empty code cells that never ran."""
    return [cell.label() for cell in cells
            if cell.kind == "code" and not cell.empty and cell.execution_count is None]


#: A figure's caption: a markdown cell that starts with "*Figure <n>."
CAPTION = re.compile(r"^\*Figure \d+[.:]")
#: What a needs()-style message names when a figure waits for an answer.
WAITS_FOR_ANSWER = re.compile(r"\bQuestions? \d")


def figures_not_shown(cells: list[CellReport], released: bool) -> list[str]:
    """Return the captioned figures that the cell above their caption did not draw.

    Every markdown caption "*Figure N. ...*" follows the code cell that draws
    the figure. That cell must show an image (``image/png`` or
    ``image/svg+xml``); in a released notebook it may instead print a message
    naming the question it waits for (``needs()``: "Answer Question 1.1 first").
    """
    missing = []
    for position, cell in enumerate(cells):
        if cell.kind != "markdown" or not CAPTION.match(cell.head):
            continue
        drawer = next((c for c in reversed(cells[:position]) if c.kind == "code"), None)
        if drawer is None:
            missing.append(f"{cell.label()}: a caption with no code cell above it")
            continue
        if any(mime.startswith("image/") for mime in drawer.mime_types):
            continue
        if released and WAITS_FOR_ANSWER.search(drawer.text):
            continue
        caption = cell.head.split(".")[0].lstrip("*")
        missing.append(f"{caption}: {drawer.label()} shows no image"
                       + (f" (stdout: {drawer.text.strip()[:80]!r})" if drawer.text.strip() else ""))
    return missing

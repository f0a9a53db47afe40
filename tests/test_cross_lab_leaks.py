"""Does any lab's release give away another lab's answers?

All five labs are released together in ``labs/``, so a student working on one
lab can open the others. ``test_release.py`` checks each lab's release for its
own answers; these tests check every *other* lab's release, in two ways:

- a secret line (``nbgrader_harness.secret_lines``: solution regions, hidden
  tests, mark schemes) appears as a whole line in another lab's release
  (``leaked_lines``, as ``test_release.py`` does for one lab);
- a run of ``RUN`` consecutive Python tokens of a secret *code* line appears in
  a code cell of another lab's release. Tokens ignore spacing, line breaks and
  comments, so an answer re-typed inside a longer expression is still found:
  Lab 4's first release rebuilt Lab 1's ``reconstruct`` (Question 6.1) in a
  locked cell as ``np.sqrt(K) * np.asarray(template, dtype=float).reshape(1, -1)``,
  which no whole-line comparison catches.

Runs that also occur in the secret lab's own release (an idiom the lab shows
its students) are not secret. Written answers' prose is compared as whole
lines only: the labs share rubric phrases on purpose.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import nbformat
import pytest

from nbgrader_harness import course_specs, leaked_lines, load_release, load_solution, secret_lines, text_lines

SPECS = course_specs()
LAB_IDS = [spec.lab for spec in SPECS]
PAIRS = [(secret, release) for secret in LAB_IDS for release in LAB_IDS if secret != release]
#: Consecutive Python tokens that count as a copied answer. Eight catch generic idioms shared by
#: honest code (``np.array([0.1, 0.2`` ...); twelve catch re-typed answers and nothing generic.
RUN = 12
_IGNORED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER}
# Leaks found when this test was written, owned by another lab: strict, so the marker must go once fixed.
KNOWN: dict[tuple[str, str], str] = {}


def python_tokens(code: str) -> list[str]:
    """The token strings of ``code``, without comments, line breaks or indentation.

    Stops quietly at the first error, so a fragment of a statement (an unclosed
    bracket) gives the tokens before it.
    """
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type not in _IGNORED:
                found.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def runs(tokens: list[str], length: int = RUN) -> set[tuple[str, ...]]:
    """Every run of ``length`` consecutive tokens."""
    return {tuple(tokens[i:i + length]) for i in range(len(tokens) - length + 1)}


def code_runs(nb) -> set[tuple[str, ...]]:
    """The token runs of every code cell of a notebook."""
    return set().union(*(runs(python_tokens(cell.source)) for cell in nb.cells if cell.cell_type == "code"))


def secret_runs(solution, release) -> dict[tuple[str, ...], str]:
    """Token runs of the solution's secret code lines that its own release does not show, each with its line."""
    code_lines = {line.strip() for cell in solution.cells if cell.cell_type == "code" for line in cell.source.split("\n")}
    shown = code_runs(release)
    return {run: line for line in secret_lines(solution) & code_lines
            for run in runs(python_tokens(line)) if run not in shown}


def copied_answers(secrets: dict[tuple[str, ...], str], in_other: set[tuple[str, ...]]) -> list[tuple[str, str]]:
    """``(secret line, copied tokens)`` for each secret code line of which a run is among ``in_other``."""
    found = {}
    for run, line in secrets.items():
        if run in in_other:
            found.setdefault(line, " ".join(run))
    return sorted(found.items())


def _pair(secret_lab: str, release_lab: str):
    marks = [pytest.mark.xfail(reason=KNOWN[(secret_lab, release_lab)], strict=True)] \
        if (secret_lab, release_lab) in KNOWN else []
    return pytest.param(secret_lab, release_lab, id=f"{secret_lab}-in-{release_lab}", marks=marks)


@pytest.fixture(scope="module")
def labs():
    """Each lab's secret lines, secret token runs and release token runs, computed once."""
    found = {}
    for lab in LAB_IDS:
        solution, release = load_solution(lab), load_release(lab)
        found[lab] = dict(solution=solution, release=release, secret_lines=secret_lines(solution),
                          secret_runs=secret_runs(solution, release), release_runs=code_runs(release),
                          release_lines=text_lines(Path(SPECS[LAB_IDS.index(lab)].release_path).parent))
    return found


@pytest.mark.parametrize("secret_lab, release_lab", [_pair(*pair) for pair in PAIRS])
def test_no_lab_release_holds_another_labs_answers(labs, secret_lab, release_lab):
    """Is there no secret line of one lab, and no re-typed run of one, in another lab's release?"""
    whole_lines = leaked_lines(labs[secret_lab]["secret_lines"], labs[release_lab]["release_lines"])
    copied = copied_answers(labs[secret_lab]["secret_runs"], labs[release_lab]["release_runs"])
    assert not whole_lines and not copied, (
        f"{release_lab}'s release holds answers of {secret_lab}:\n"
        + "\n".join(f"  line: {line}" for _, line in whole_lines)
        + "\n".join(f"  {line}\n    copied: {run}" for line, run in copied))


def test_the_check_finds_lab1s_reconstruct_retyped_in_lab4s_first_release(labs, tmp_path):
    """Would the check have caught Lab 4's first release, which rebuilt Lab 1's answer to Question 6.1?"""
    lab1 = labs["lab1-templates"]
    leaky = nbformat.v4.new_notebook(cells=list(labs["lab4-consent"]["release"].cells))
    # The locked cell of Lab 4's first release (commit 96095a9), verbatim.
    leaky.cells.append(nbformat.v4.new_code_cell(
        'def reconstruct(template):\n'
        '    """Lab 1\'s reconstruction: the standardised (48, 48) face the extractor maps to a unit-length template."""\n'
        '    whitened = np.sqrt(K) * np.asarray(template, dtype=float).reshape(1, -1)\n'
        '    return standardise(pca.inverse_transform(whitened))[0].reshape(48, 48)\n'))
    copied = copied_answers(lab1["secret_runs"], code_runs(leaky))
    assert [line for line, _ in copied] == ["rescaled = np.sqrt(K) * np.asarray(template, dtype=float)"]
    # A whole-line comparison alone misses it: the lines were re-typed, not pasted.
    nbformat.write(leaky, tmp_path / "leaky.ipynb")
    assert not leaked_lines(lab1["secret_lines"], text_lines(tmp_path))
    # The current Lab 4 release is clean.
    assert not copied_answers(lab1["secret_runs"], labs["lab4-consent"]["release_runs"])


def test_token_runs_ignore_spacing_comments_and_line_breaks():
    """Is an answer found however it is spaced, commented or wrapped, and a different expression not?"""
    line = "rescaled = np.sqrt(K) * np.asarray(template, dtype=float)"
    wrapped = "x = (np.sqrt( K )*  # scale first\n     np.asarray(template,\n                dtype=float))"
    assert runs(python_tokens(line)) & runs(python_tokens(wrapped))
    assert not runs(python_tokens(line)) & runs(python_tokens("x = np.sqrt(n) * np.asarray(probe, dtype=float)"))
    assert python_tokens("grid = np.stack([")[-2:] == ["(", "["]  # a fragment keeps its tokens

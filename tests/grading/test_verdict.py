"""Is a hidden test's verdict decided outside the kernel, and does feedback keep hidden tests hidden?"""

from __future__ import annotations

from biometrics_lab.grading.feedback import html_text, leaks, redact
from biometrics_lab.grading.spec import LabSpec
from biometrics_lab.grading.verdict import MIME, decode, instrument, judge, read_probe, scan

CELL = '''expect_close(f(2), 4.0, atol=1e-9, hint="double it")
### BEGIN HIDDEN TESTS
x = [1, 2]
expect_equal(g(x), (3, 4))
assert f(1) == 2
### END HIDDEN TESTS'''


def _emit(k, value=None, error=None):
    payload = {"k": k, "error": error} if error else {"k": k, "value": value}
    return {"output_type": "display_data", "data": {MIME: payload}, "metadata": {}}


def test_expected_literals_never_reach_the_kernel():
    """Does the instrumented code contain the actual expressions but none of the expected values?"""
    plan = instrument(CELL)
    assert [c.kind for c in plan.checks] == ["close", "equal", "true"]
    assert [c.hidden for c in plan.checks] == [False, True, True]
    assert plan.checks[0].expected == 4.0 and plan.checks[0].atol == 1e-9
    assert plan.checks[1].expected == (3, 4)
    assert "4.0" not in plan.code and "(3, 4)" not in plan.code and "double it" not in plan.code
    assert "f(2)" in plan.code and "g(x)" in plan.code and "x = [1, 2]" in plan.code
    compile(plan.code, "<cell>", "exec")


def test_judge_compares_outside_and_fails_missing_or_repeated_values():
    plan = instrument(CELL)
    right = [_emit(0, 4.0), _emit(1, {"__tuple__": [3, 4]}), _emit(2, True)]
    assert judge(plan, right, None).passed
    # A list is not the tuple the check expects (as in the kernel, where [3, 4] != (3, 4)).
    assert not judge(plan, [_emit(0, 4.0), _emit(1, [3, 4]), _emit(2, True)], None).passed
    # An input transformer that skipped the cell: nothing was sent.
    assert not judge(plan, [], None).passed
    # A value sent twice for one check is not trusted.
    assert not judge(plan, right + [_emit(1, {"__tuple__": [3, 4]})], None).passed
    # An object that claims equality with everything arrives as an opaque value.
    assert not judge(plan, [_emit(0, {"__opaque__": "Liar"}), right[1], right[2]], None).passed
    # A check that raised in the kernel fails; so does a cell that raised elsewhere.
    assert not judge(plan, [_emit(0, error="ZeroDivisionError"), right[1], right[2]], None).passed
    assert not judge(plan, right, "NameError").passed


def test_feedback_lines_show_visible_failures_and_hide_hidden_ones():
    plan = instrument(CELL)
    verdict = judge(plan, [_emit(0, 5.0), _emit(1, {"__tuple__": [9, 9]}), _emit(2, False)], None)
    text = "\n".join(verdict.lines)
    assert "expected 4.0" in text and "got 5.0" in text and "double it" in text
    assert "hidden check 2" in text and "(3, 4)" not in text and "(9, 9)" not in text and "g(x)" not in text


def test_decode_restores_tuples_nonfinite_floats_and_big_ints():
    assert decode({"__tuple__": [1, {"__float__": "nan"}]})[0] == 1
    assert decode({"__float__": "inf"}) == float("inf")
    assert decode({"__int__": str(2 ** 80)}) == 2 ** 80
    assert decode({"__opaque__": "X"}) != decode({"__opaque__": "X"})


def test_non_literal_expected_value_is_compared_outside_too():
    """`expect_equal(len(a), len(b))`: both values come from the kernel, the comparison does not."""
    plan = instrument("expect_equal(len(a), len(b), hint=f'{n} items')")
    (check,) = plan.checks
    assert check.pair and check.hint is None and "expect_equal" not in plan.code
    assert judge(plan, [_emit(0, {"__tuple__": [3, 3]})], None).passed
    assert not judge(plan, [_emit(0, {"__tuple__": [3, 4]})], None).passed
    assert not judge(plan, [_emit(0, 3)], None).passed


def test_checks_inside_loops_must_all_pass():
    source = "for value in values:\n    expect_true(value > 0)\nfor x in y: expect_true(x)"
    plan = instrument(source)
    (check,) = plan.checks  # the one-line loop keeps its check in the kernel
    assert check.nested and "for x in y: expect_true(x)" in plan.code
    compile(plan.code, "<cell>", "exec")
    assert judge(plan, [_emit(0, True), _emit(0, True)], None).passed
    assert not judge(plan, [_emit(0, True), _emit(0, False)], None).passed


def test_scan_flags_machinery_and_not_ordinary_code():
    attacks = {
        "ast": "get_ipython().ast_transformers.append(T())",
        "input": "ip.input_transformers_post.append(lambda lines: ['pass'])",
        "exc": "get_ipython().set_custom_exc((AssertionError,), h)",
        "trace": "import sys\nsys.settrace(t)",
        "exit": "import os\nos._exit(1)",
        "np": "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None",
        "builtins": "import builtins\nbuiltins.abs = lambda x: 0",
        "checks": "expect_close = lambda *a, **k: None",
    }
    for name, source in attacks.items():
        assert scan([(name, source)]), name
    honest = "def cosine(a, b):\n    close = np.isclose(a, b)\n    return float(a @ b)"
    assert scan([("honest", honest)]) == []


def test_probe_report_flags_installed_hooks_and_silence():
    good = {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.biometrics-lab.probe+json": {
                "input_transformers": 0, "ast_transformers": 0, "custom_exceptions": 0, "trace": False,
                "snapshot": True, "builtins": [], "numpy.testing": [], "checks": []}}}
    assert read_probe([good]) == []
    bad = {**good, "data": {"application/vnd.biometrics-lab.probe+json": {
        **good["data"]["application/vnd.biometrics-lab.probe+json"], "ast_transformers": 1, "checks": ["close"]}}}
    assert len(read_probe([bad])) == 2
    assert read_probe(None)[0].startswith("tamper")


def _spec():
    cells = [{"name": "t", "cell_type": "code", "locked": True, "checksum": "", "source": CELL, "grade": True,
              "solution": False, "task": False, "points": 1.0},
             {"name": "m", "cell_type": "markdown", "locked": False, "checksum": "", "grade": True, "solution": True,
              "task": False, "points": 2.0,
              "source": "answer\n=== BEGIN MARK SCHEME ===\n2 points: names who bears the error\n=== END MARK SCHEME ==="}]
    return LabSpec("lab", {}, cells, ["x = [1, 2]", "expect_equal(g(x), (3, 4))", "assert f(1) == 2"],
                   ["2 points: names who bears the error"])


def test_redact_removes_hidden_regions_and_mark_schemes():
    spec = _spec()
    for cell in spec.cells:
        assert leaks(redact(cell["source"]), spec) == []
    assert leaks(CELL, spec)  # the unredacted cell would leak
    assert "expect_close(f(2), 4.0" in redact(CELL)
    # An unterminated region is cut to the end of the cell.
    assert "secret" not in redact("ok\n### BEGIN HIDDEN TESTS\nsecret()")


def test_leak_check_sees_through_html_markup():
    spec = _spec()
    page = '<pre><span class="n">expect_equal</span>(g(x), (<span class="mi">3</span>, 4))</pre>'
    assert "expect_equal(g(x), (3, 4))" in html_text(page)
    assert leaks(page, spec)

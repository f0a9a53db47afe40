"""Hidden-test verdicts decided outside the student's kernel.

A test cell states its checks as ``expect_close(actual, <literal>, ...)``,
``expect_equal(actual, <literal>)``, ``expect_true(condition)`` or ``assert``
statements (:mod:`biometrics_lab.checks`). :func:`instrument` parses the
*source* cell with :mod:`ast` and replaces each check by code that only
evaluates the actual value and sends it, as JSON, on a private output channel
(``display_data`` with :data:`MIME`). The expected literals and tolerances stay
in the grader's process, where :func:`judge` compares them with
:func:`biometrics_lab.checks.close` / :func:`~biometrics_lab.checks.equal`.

A kernel whose IPython machinery the student altered (AST or input
transformers, custom exception handlers, patched ``numpy.testing`` or
builtins) can change what runs, but it cannot make a wrong value equal a
literal it never sees: a missing, duplicated or wrong value fails the cell.
``expect_true`` and ``assert`` conditions are still computed in the kernel;
the lab authors use them only where no expected value exists.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from typing import Any

from ..checks import CHECK_NAMES, close, equal

#: MIME type of the private channel that carries actual values out of the kernel.
MIME = "application/vnd.biometrics-lab.check+json"
#: MIME type of the runtime probe's report.
PROBE_MIME = "application/vnd.biometrics-lab.probe+json"

_HIDDEN_BEGIN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
_HIDDEN_END = re.compile(r"^\s*### END HIDDEN TESTS\s*$")

# Defined at the top of every instrumented cell: evaluates a thunk and emits its
# value as JSON (tuples, non-finite floats and numpy values tagged, other
# objects reduced to their type name so that they never compare equal).
_EMIT = r'''
def __bl_emit__(k, thunk):
    import sys as _s
    from IPython.display import display as _d
    def enc(v, depth=0):
        np = _s.modules.get("numpy")
        if depth > 20:
            return {"__opaque__": "too deep"}
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return v if abs(v) < 2 ** 63 else {"__int__": str(v)}
        if isinstance(v, float):
            return v if v == v and v not in (float("inf"), float("-inf")) else {"__float__": repr(v)}
        if isinstance(v, complex):
            return {"__complex__": [enc(v.real), enc(v.imag)]}
        if np is not None and isinstance(v, np.ndarray):
            if v.size > 1_000_000:
                return {"__opaque__": "array too large"}
            if v.dtype.kind not in "biufcUSO":
                return {"__opaque__": "ndarray " + str(v.dtype)}
            return enc(v.tolist(), depth + 1)
        if np is not None and isinstance(v, np.generic):
            return enc(v.item(), depth + 1)
        if isinstance(v, tuple):
            return {"__tuple__": [enc(x, depth + 1) for x in v]}
        if isinstance(v, list):
            if len(v) > 1_000_000:
                return {"__opaque__": "list too large"}
            return [enc(x, depth + 1) for x in v]
        if isinstance(v, dict):
            return {"__dict__": [[enc(a, depth + 1), enc(b, depth + 1)] for a, b in v.items()]}
        return {"__opaque__": type(v).__name__}
    try:
        payload = {"k": k, "value": enc(thunk())}
    except Exception as e:
        payload = {"k": k, "error": type(e).__name__}
    _d({"%s": payload}, raw=True)
''' % MIME


@dataclasses.dataclass
class Check:
    """One check of a test cell, with what it expects (kept out of the kernel)."""

    index: int
    kind: str  # "close", "equal", "true" (also used for assert)
    expected: Any
    atol: float = 1e-8
    rtol: float = 1e-5
    hidden: bool = False
    text: str = ""
    hint: str | None = None
    pair: bool = False  # the expected value is an expression: both values come from the kernel
    nested: bool = False  # inside a loop or condition: zero or more reports, all must pass


@dataclasses.dataclass
class Instrumented:
    """A test cell prepared for the hardened verdict."""

    code: str
    checks: list
    plain: bool  # True if the cell could not be parsed: run as it is, in-kernel verdict only


@dataclasses.dataclass
class CellVerdict:
    """Outcome of one test cell."""

    passed: bool
    lines: list  # feedback lines, with nothing from hidden checks but their number and outcome


class _Opaque:
    """A value the kernel could not send (an arbitrary object): equal to nothing."""

    def __init__(self, what: str):
        self.what = what

    def __eq__(self, other: Any) -> bool:
        return False

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<{self.what}>"


def decode(value: Any) -> Any:
    """Turn the kernel's JSON encoding back into Python values."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__float__" in value:
            return float(value["__float__"])
        if "__int__" in value:
            return int(value["__int__"])
        if "__complex__" in value:
            return complex(*[decode(v) for v in value["__complex__"]])
        if "__dict__" in value:
            try:
                return {decode(a): decode(b) for a, b in value["__dict__"]}
            except TypeError:
                return _Opaque("dict")
        return _Opaque(str(value.get("__opaque__", "object")))
    return value


def _hidden_lines(source: str) -> set[int]:
    """1-based line numbers inside hidden-test regions."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if _HIDDEN_BEGIN.match(line):
            inside = True
        elif _HIDDEN_END.match(line):
            inside = False
        elif inside:
            hidden.add(number)
    return hidden


def _check_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in CHECK_NAMES else None


def _literal(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return False, None


def _parse_check(stmt: ast.stmt, source: str, index: int, hidden: set[int]) -> tuple[Check, str] | None:
    """Return (check, replacement code) for a check statement, or None to run it as it is."""
    text = ast.get_source_segment(source, stmt) or ""
    is_hidden = stmt.lineno in hidden
    if isinstance(stmt, ast.Assert):
        cond = ast.get_source_segment(source, stmt.test)
        return Check(index, "true", True, hidden=is_hidden, text=text), f"__bl_emit__({index}, lambda: bool({cond}))"
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    name = _check_name(call)
    if name is None or any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    kwargs = {k.arg: k.value for k in call.keywords}
    args = list(call.args)
    options = {}
    if "hint" in kwargs:
        ok, value = _literal(kwargs.pop("hint"))
        options["hint"] = value if ok and isinstance(value, str) else None  # an f-string hint is dropped
    for key in ("atol", "rtol"):
        if key in kwargs:
            ok, value = _literal(kwargs.pop(key))
            if not ok:
                return None
            options[key] = value
    if name == "expect_true":
        condition = args[0] if args else kwargs.pop("condition", None)
        if condition is None or kwargs or len(args) > 1:
            return None
        cond = ast.get_source_segment(source, condition)
        check = Check(index, "true", True, hidden=is_hidden, text=text, hint=options.get("hint"))
        return check, f"__bl_emit__({index}, lambda: bool({cond}))"
    actual = args[0] if args else kwargs.pop("actual", None)
    expected = args[1] if len(args) > 1 else kwargs.pop("expected", None)
    if actual is None or expected is None or kwargs or len(args) > 2:
        return None
    kind = "close" if name == "expect_close" else "equal"
    actual_code = ast.get_source_segment(source, actual)
    ok, value = _literal(expected)
    check = Check(index, kind, value if ok else None, atol=float(options.get("atol", 1e-8)),
                  rtol=float(options.get("rtol", 1e-5)), hidden=is_hidden, text=text, hint=options.get("hint"),
                  pair=not ok)
    if ok:
        return check, f"__bl_emit__({index}, lambda: ({actual_code}))"
    # Not a literal (e.g. a length to match): both sides come from the kernel, the comparison does not.
    return check, f"__bl_emit__({index}, lambda: (({actual_code}), ({ast.get_source_segment(source, expected)})))"


def _statements(body: list, nested: bool = False):
    """Yield (statement, nested) for every statement, inside compound statements too."""
    for stmt in body:
        yield stmt, nested
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                   ast.ClassDef, ast.Lambda)):
                yield from _statements(inner, True)
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _statements(handler.body, True)


def instrument(source: str) -> Instrumented:
    """Replace a test cell's top-level checks by value emitters.

    Parameters
    ----------
    source : str
        The test cell's source as the instructor wrote it (with hidden tests).

    Returns
    -------
    Instrumented
        The code to run in the kernel (no expected literal in it) and the
        checks to judge outside.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Instrumented(source, [], plain=True)
    hidden = _hidden_lines(source)
    lines = source.splitlines()
    replacements = []
    checks = []
    taken: set[int] = set()
    for stmt, nested in _statements(tree.body):
        span = set(range(stmt.lineno, stmt.end_lineno + 1))
        # Only statements that own their lines can be swapped (not `for x in y: check(x)`).
        if span & taken or lines[stmt.lineno - 1][:stmt.col_offset].strip():
            continue
        parsed = _parse_check(stmt, source, len(checks), hidden)
        if parsed is None:
            continue
        check, code = parsed
        check.nested = nested
        checks.append(check)
        taken |= span
        replacements.append((stmt.lineno, stmt.end_lineno, " " * stmt.col_offset + code))
    for start, end, code in sorted(replacements, reverse=True):
        lines[start - 1:end] = [code]
    return Instrumented(_EMIT.strip() + "\n" + "\n".join(lines) + "\ndel __bl_emit__\n", checks, plain=False)


def emissions(outputs: list) -> list[dict]:
    """Payloads sent on the private channel, in order."""
    found = []
    for output in outputs:
        if output.get("output_type") == "display_data" and MIME in output.get("data", {}):
            payload = output["data"][MIME]
            if isinstance(payload, str):
                try:
                    payload = json.loads(payload)
                except json.JSONDecodeError:
                    continue
            if isinstance(payload, dict):
                found.append(payload)
    return found


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def judge(instrumented: Instrumented, outputs: list, error: str | None) -> CellVerdict:
    """Decide a test cell from the values its kernel sent.

    Parameters
    ----------
    instrumented : Instrumented
        What :func:`instrument` returned for the cell.
    outputs : list
        The instrumented cell's outputs.
    error : str or None
        The kernel's error for the cell (exception name), if it raised, or a
        timeout / dead-kernel note; ``"stderr"`` if it wrote to stderr
        (nbgrader scores such a cell 0, and so does this verdict).
    """
    sent: dict[int, list] = {}
    for payload in emissions(outputs):
        if isinstance(payload.get("k"), int):
            sent.setdefault(payload["k"], []).append(payload)
    lines, passed = [], True
    for check in instrumented.checks:
        label = f"hidden check {check.index + 1}" if check.hidden else f"check {check.index + 1}: {check.text}"
        got = sent.get(check.index, [])
        if not check.nested and len(got) != 1:
            passed = False
            lines.append(f"FAILED {label} (did not run)" if not got else f"FAILED {label} (reported twice)")
            continue
        failure = None
        for payload in got:
            failure = _judge_one(check, payload)
            if failure is not None:
                break
        if failure is None:
            lines.append(f"ok     {label}")
            continue
        passed = False
        lines.append(f"FAILED {label}" + ("" if check.hidden else failure))
    if error:
        passed = False
        lines.append(f"FAILED the test cell did not complete: {error}")
    if not instrumented.checks and not error:
        lines.append("ok     (no checks in this cell; it ran without error)")
    return CellVerdict(passed, lines)


def _judge_one(check: Check, payload: dict) -> str | None:
    """None if one reported value passes the check, else what to tell the student (for visible checks)."""
    if "error" in payload:
        return f": raised {payload['error']}"
    actual = decode(payload.get("value"))
    expected = check.expected
    if check.pair:
        if not (isinstance(actual, tuple) and len(actual) == 2):
            return ": the check did not report a value"
        actual, expected = actual
    if check.kind == "close":
        ok = close(actual, expected, atol=check.atol, rtol=check.rtol)
    elif check.kind == "equal":
        ok = equal(actual, expected)
    else:
        ok = actual is True
    if ok:
        return None
    hint = f": {check.hint}" if check.hint else ""
    if check.kind == "true":
        return hint
    tol = f" (atol={check.atol:g}, rtol={check.rtol:g})" if check.kind == "close" else ""
    return f": expected {_show(expected)}{tol}, got {_show(actual)}{hint}"


# --- tamper detection -------------------------------------------------------

#: Patterns in student cells that touch the kernel's machinery, with a reason.
TAMPER_PATTERNS = [
    (r"\binput_transformers", "installs an IPython input transformer"),
    (r"\bast_transformers\b", "installs an IPython AST transformer"),
    (r"\bset_custom_exc\b", "installs a custom exception handler"),
    (r"\bsys\s*\.\s*(settrace|setprofile)\b|\bsettrace\s*\(", "installs a trace/profile hook"),
    (r"\b_exit\s*\(", "calls os._exit (kills the kernel)"),
    (r"\bbuiltins\b|__builtins__", "touches builtins"),
    (r"\b(np|numpy)\s*\.\s*testing\s*\.\s*\w+\s*=(?!=)", "monkeypatches numpy.testing"),
    (r"\bmath\s*\.\s*isclose\s*=(?!=)", "monkeypatches math.isclose"),
    (r"\bexpect_\w+\s*=(?!=)|\bchecks\s*\.\s*\w+\s*=(?!=)|\bdef\s+expect_\w+", "redefines the check functions"),
    (r"\bevents\s*\.\s*register\b|\bregister_post_execute\b", "registers IPython event hooks"),
    (r"\bget_ipython\s*\(", "uses get_ipython()"),
    (r"\bsys\s*\.\s*modules\b", "edits sys.modules"),
    (r"\bctypes\b", "uses ctypes (raw memory access)"),
    (r"\bsignal\s*\.\s*signal\b", "installs a signal handler"),
]


def scan(cells: list) -> list[str]:
    """Return ``tamper:`` flags for student-written cells that touch kernel machinery.

    Parameters
    ----------
    cells : list of (str, str)
        (label, source) of each cell the student could edit.
    """
    flags = []
    for label, source in cells:
        for pattern, reason in TAMPER_PATTERNS:
            if re.search(pattern, source):
                flags.append(f"tamper: {label} {reason}")
    return flags


PROBE_START = r'''
def __bl_probe_start__():
    import sys, builtins
    ip = get_ipython()
    snap = {"builtins": {k: id(v) for k, v in vars(builtins).items()},
            "cleanup": len(ip.input_transformers_cleanup)}
    try:
        import numpy.testing as nt
        snap["numpy.testing"] = {k: id(getattr(nt, k)) for k in dir(nt) if not k.startswith("_")}
    except Exception:
        pass
    try:
        import biometrics_lab.checks as ck
        snap["checks"] = {k: id(getattr(ck, k)) for k in ("expect_close", "expect_equal", "expect_true", "close", "equal")}
    except Exception:
        pass
    sys.__dict__["__bl_snapshot__"] = snap
__bl_probe_start__(); del __bl_probe_start__
'''

PROBE_END = r'''
def __bl_probe_end__():
    import sys, builtins
    from IPython.display import display
    ip = get_ipython()
    snap = sys.__dict__.get("__bl_snapshot__") or {}
    report = {
        "input_transformers": len(ip.input_transformers_post)
            + max(0, len(ip.input_transformers_cleanup) - snap.get("cleanup", 0)),
        "ast_transformers": len(ip.ast_transformers),
        "custom_exceptions": len(ip.custom_exceptions or ()),
        "trace": sys.gettrace() is not None or sys.getprofile() is not None,
        "snapshot": bool(snap),
    }
    changed = [k for k, v in snap.get("builtins", {}).items() if k in vars(builtins) and id(vars(builtins)[k]) != v]
    # ipykernel itself swaps input/getpass for each request; "_" names hold results.
    report["builtins"] = sorted(k for k in changed if k not in ("_", "__", "___", "input", "raw_input", "getpass"))
    try:
        import numpy.testing as nt
        report["numpy.testing"] = sorted(k for k, v in snap.get("numpy.testing", {}).items() if id(getattr(nt, k, None)) != v)
    except Exception:
        pass
    try:
        import biometrics_lab.checks as ck
        report["checks"] = sorted(k for k, v in snap.get("checks", {}).items() if id(getattr(ck, k, None)) != v)
    except Exception:
        pass
    display({"%s": report}, raw=True)
__bl_probe_end__(); del __bl_probe_end__
''' % PROBE_MIME


def read_probe(outputs: list | None) -> list[str]:
    """Return ``tamper:`` flags from the runtime probe's report (its absence is one)."""
    reports = [o["data"][PROBE_MIME] for o in (outputs or [])
               if o.get("output_type") == "display_data" and PROBE_MIME in o.get("data", {})]
    if len(reports) != 1 or not isinstance(reports[0], dict):
        return ["tamper: the runtime probe did not report (later cells were altered or the kernel died)"]
    report = reports[0]
    flags = []
    for key, reason in (("input_transformers", "an input transformer is installed"),
                        ("ast_transformers", "an AST transformer is installed"),
                        ("custom_exceptions", "a custom exception handler is installed")):
        if report.get(key):
            flags.append(f"tamper: at the end of the run {reason}")
    if report.get("trace"):
        flags.append("tamper: at the end of the run a trace/profile hook is installed")
    if not report.get("snapshot"):
        flags.append("tamper: the runtime probe's snapshot was removed")
    for key in ("builtins", "numpy.testing", "checks"):
        if report.get(key):
            flags.append(f"tamper: {key} replaced at run time: {', '.join(map(str, report[key]))[:200]}")
    return flags

"""Lab 4 (Consent, purpose and revocation): checks of the notebook's own promises, beyond the course-wide harness tests.

The course-wide tests (test_release.py, test_autograde.py) grade the lab through
nbgrader; these read the source notebook, run its locked and solution cells in
this process, and ask lab-specific questions: does every objective point at
graded work; does the reference store keep its promises under sequences of
operations that the check cells do not try; would the store-checking tool
`copies_of` notice a leftover copy; is the solution's BioHash unlinkable by a
test statistic, revocable and, without its token, irreversible; are the
hidden bit literals away from a knife edge; are provisions loaded, not typed.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from datetime import date, timedelta

import nbformat
import numpy as np
import pytest
from nbgrader import utils as nbutils
from scipy import stats

from biometrics_lab import casestudy
from biometrics_lab._paths import REPO_ROOT
from tests.wrong_answers.lab4_consent import WRONG_ANSWERS

LAB = "lab4-consent"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
CHECKS = ("expect_close", "expect_equal", "expect_true")
BV = "border-verification"
# Wrong answers whose slip the visible checks (not only the hidden tests) must catch.
CAUGHT_VISIBLY = ("exempt crossing checked after consent and ignored", "verify ignores the purpose",
                  "withdraw leaves a cached index entry", "audit log hands out its internal list",
                  "biohash without Gram-Schmidt signs", "stolen scores hash each probe with its own token",
                  "revoked probes compared with the new template",
                  "auc ignores ties", "inversion counts instead of shares")


@pytest.fixture(scope="module")
def source():
    return nbformat.read(SOURCE, as_version=4)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _graded(nb) -> dict[str, float]:
    return {_meta(c)["grade_id"]: float(_meta(c).get("points", 0)) for c in nb.cells if nbutils.is_grade(c)}


def _test_cells(nb) -> list:
    return [c for c in nb.cells if nbutils.is_grade(c) and not nbutils.is_solution(c)]


def _split_hidden(source: str) -> tuple[str, str]:
    match = re.search(r"^### BEGIN HIDDEN TESTS$(.*?)^### END HIDDEN TESTS$", source, re.M | re.S)
    if match is None:
        return source, ""
    return source[:match.start()] + source[match.end():], match.group(1)


def _check_calls(code: str) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CHECKS]


def _code(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN" not in line and "### END" not in line)


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {}
    for cell in source.cells:
        if cell.cell_type != "code" or nbutils.is_grade(cell):
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(_code(cell.source), _meta(cell)["grade_id"], "exec"), namespace)
        plt.close("all")
    return namespace


# --------------------------------------------------------------------------- structure


def test_every_objective_points_at_graded_cells_and_every_graded_cell_at_an_objective(source):
    """Does each learning objective name graded cells that exist, and is every graded cell named by one?"""
    intro = source.cells[0].source
    table = intro[intro.index("## Learning objectives"):intro.index("## What is graded")]
    rows = [line for line in table.splitlines() if re.match(r"\|\s*O\d+\s*\|", line)]
    graded = _graded(source)
    named = set()
    for row in rows:
        ids = set(re.findall(r"`(l4-[a-z0-9-]+)`", row))
        assert ids, f"objective without a graded cell: {row}"
        assert ids <= set(graded), f"objective names cells that are not graded: {sorted(ids - set(graded))}"
        named |= ids
    assert named == set(graded), f"graded cells no objective names: {sorted(set(graded) - named)}"


def test_grading_table_sums_to_the_nbgrader_points(source):
    """Do the points column of 'What is graded and how' and nbgrader's points agree?"""
    intro = source.cells[0].source
    table = intro[intro.index("## What is graded"):intro.index("Total points:")]
    stated = 0.0
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+\.\d+", cells[0]):
            stated += sum(float(part) for part in cells[2].split("+"))
    assert stated == sum(_graded(source).values()) > 0


def test_every_check_cell_has_visible_checks_and_hidden_value_tests(source):
    """Can students get feedback from each check cell, and are its hidden tests comparisons with literals?"""
    cells = _test_cells(source)
    assert len(cells) >= 10
    for cell in cells:
        gid = _meta(cell)["grade_id"]
        visible, hidden = _split_hidden(cell.source)
        assert _check_calls(visible), f"{gid}: no visible check"
        calls = _check_calls(hidden)
        assert calls and all(call.func.id != "expect_true" for call in calls), f"{gid}: hidden tests must compare values"
        for call in calls:
            ast.literal_eval(call.args[1])


def test_needs_names_the_question_of_every_name_a_student_creates(source, solved):
    """Does needs() map each name of the grading table to its question, and a stub store method to 2.1?"""
    intro = source.cells[0].source
    table = intro[intro.index("## What is graded"):intro.index("Total points:")]
    created = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+\.\d+", cells[0]):
            for name in re.findall(r"`([A-Za-z_][A-Za-z_0-9]*)", cells[1]):
                created[name] = cells[0]
    assert created == solved["ANSWERS"]
    needs = solved["needs"]
    for name, question in [("stolen_scores", "Question 3.3 first"), ("scores_biohash", "Questions 3.1 and 3.2."),
                           ("TOKENS", "run the cells above")]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert needs(lambda: eval(name, {})) is None
        assert question in out.getvalue(), out.getvalue()
    stub = dict(solved)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec("class BiometricStore:\n    def __init__(self):\n        raise NotImplementedError()\n\n"
             "result = needs(lambda: BiometricStore())", stub)
    assert "Question 2.1 first" in out.getvalue() and stub["result"] is None


def test_provisions_and_figures_are_loaded_not_typed():
    """Does the students' notebook load each provision and the retention period instead of typing them?"""
    release = nbformat.read(RELEASE, as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    assert 'casestudy.figure("bipa_retention_years")' in text
    for key in ("gdpr-9-2-a", "gdpr-7-3", "gdpr-recital-42", "gdpr-recital-43", "bipa-15-a", "ai-act-2-3",
                "biohashing-stolen-token", "F3", "F6", "F9", "L1", "L3", "L4", "P1", "P2", "P4"):
        paraphrase = casestudy.fact(key).text
        assert f'"{key}"' in text, f"{key} is not loaded in the lab"
        # No run of 8 words from the record's paraphrase is typed into the notebook.
        words = paraphrase.split()
        runs = {" ".join(words[i:i + 8]) for i in range(len(words) - 7)}
        assert not [run for run in runs if run in text], f"text of {key} typed into the lab"


def test_matching_keys_are_provisions_with_one_answer_each(solved):
    """Is every offered provision a case-study record of kind law, every answer unique, and some left over?"""
    provisions, matches = solved["PROVISIONS"], solved["matches"]
    assert all(casestudy.fact(key).kind == "law" for key in provisions)
    assert sorted(matches) == sorted(solved["SCENARIOS"])
    assert set(matches.values()) <= set(provisions) and len(set(matches.values())) == len(matches)
    assert len(provisions) - len(matches) >= 3, "too few distractors"


@pytest.mark.parametrize("name", CAUGHT_VISIBLY)
def test_visible_checks_catch_the_common_slips(source, solved, name):
    """Does a check cell fail on its visible checks alone, with a hint, for each of these slips?"""
    answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
    cells = {_meta(c)["grade_id"]: c for c in source.cells if _meta(c)}
    namespace = dict(solved)
    exec(compile(answer["source"], answer["grade_id"], "exec"), namespace)
    visible, _ = _split_hidden(cells[answer["loses"][0]].source)
    exec(compile(visible, "visible", "exec"), dict(solved))  # the solution passes the same checks
    with pytest.raises(AssertionError, match=": "):
        exec(compile(visible, "visible", "exec"), namespace)


# --------------------------------------------------------------------------- the store


def _random_history(solved, seed, steps=300):
    """Drive the reference store with random operations; return it, every subject's template, and the log after each step."""
    ns = solved
    store = ns["BiometricStore"]()
    rng = np.random.default_rng(seed)
    purposes = [BV, "airport-gate", "research", "tracking"]
    subjects = [f"s{i}" for i in range(8)]
    template_of = {s: ns["unit_rows"](rng.normal(size=(1, 6)))[0] for s in subjects}
    withdrawn, day, logs = set(), date(2019, 1, 1), []
    for _ in range(steps):
        day += timedelta(days=int(rng.integers(0, 40)))
        subject = subjects[rng.integers(len(subjects))]
        action = rng.choice(["enrol", "verify", "search", "withdraw", "purge"], p=[0.3, 0.3, 0.2, 0.1, 0.1])
        purpose = purposes[rng.integers(len(purposes))]
        if action == "enrol":
            chosen = set(rng.choice(purposes[:3], size=rng.integers(1, 3), replace=False))
            ends = day + timedelta(days=int(rng.integers(100, 2000))) if rng.random() < 0.5 else None
            template_of[subject] = ns["unit_rows"](rng.normal(size=(1, 6)))[0]
            store.enrol(subject, template_of[subject], ns["Consent"](subject, chosen, day, ends), on=day)
            withdrawn.discard(subject)
        elif action == "verify":
            ns["outcome"](store.verify, subject, template_of[subject], purpose, on=day)
        elif action == "search":
            found = ns["outcome"](store.search, template_of[subject], purpose, on=day, threshold=-1.0)
            if isinstance(found, list):
                consenting = {s for s in store.consents if purpose in store.consents[s].purposes}
                assert set(found) == consenting, "a search returned someone who did not consent, or missed someone"
        elif action == "withdraw":
            if ns["outcome"](store.withdraw, subject, on=day) is None:
                withdrawn.add(subject)
        else:
            withdrawn |= set(store.purge(day))
        for gone in withdrawn:
            assert ns["copies_of"](store, gone, template_of[gone]) == {"templates": 0, "subject": 0}
        logs.append(ns["plain_log"](store))
    return store, logs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_store_keeps_its_promises_over_random_histories(solved, seed):
    """Under random sequences of operations: are withdrawn and purged people gone, searches purpose-bound, the log append-only?"""
    store, logs = _random_history(solved, seed)
    for before, after in zip(logs, logs[1:]):
        assert after[:len(before)] == before
    assert isinstance(store.audit_log, tuple) and len(store.audit_log) > 100
    # Retention: after a purge no record is past its deadline or its purpose.
    last_day = date.fromisoformat(logs[-1][-1][0])
    store.purge(last_day)
    for subject, consent in store.consents.items():
        assert last_day < solved["retention_deadline"](store.last_interaction[subject])
        assert consent.purpose_ends is None or last_day < consent.purpose_ends


def test_copies_of_finds_a_template_wherever_it_is_kept(solved):
    """Would the checking tool notice a leftover copy in a nested dict, a list, an object, a float32 matrix row?"""
    copies_of, template = solved["copies_of"], np.array([0.6, 0.8, 0.0])

    class Holder:
        def __init__(self, value):
            self.value = value

    class Store:
        pass

    cases = {
        "nested dict": {"cache": {"p1": {"t": template.copy()}}},
        "list of floats": {"rows": [[0.6, 0.8, 0.0]]},
        "object attribute": {"holder": Holder(template.copy())},
        "matrix row, float32": {"matrix": np.vstack([np.zeros(3), template]).astype(np.float32)},
        "tuple in a set": {"keys": {("p1", 1)}},
    }
    for name, attributes in cases.items():
        store = Store()
        vars(store).update(attributes)
        found = copies_of(store, "p1", template)
        assert found["templates"] >= 1 or found["subject"] >= 1, name
    empty = Store()
    empty.log = [solved["AuditEntry"](date(2019, 1, 1), "withdraw", "p1", None, True)]
    assert copies_of(empty, "p1", template) == {"templates": 0, "subject": 0}, "the audit log is not a copy"


# Another store, written from the text of Question 2.1 alone, with other internals (records with
# __slots__, an index rebuilt on deletion, refusals logged before raising): the check cells must not
# depend on how the reference solution is organised.
OTHER_STORE = '''
class _Record:
    __slots__ = ("template", "consent", "last_seen")

    def __init__(self, template, consent, last_seen):
        self.template, self.consent, self.last_seen = template, consent, last_seen


class BiometricStore:
    def __init__(self):
        self.records = {}
        self.index = {}
        self._entries = []

    @property
    def audit_log(self):
        return tuple(self._entries)

    def _note(self, *entry):
        self._entries.append(AuditEntry(*entry))

    def _forget(self, subject):
        self.records.pop(subject, None)
        self.index = {purpose: {s: t for s, t in members.items() if s != subject}
                      for purpose, members in self.index.items()}
        self.index = {purpose: members for purpose, members in self.index.items() if members}

    def enrol(self, subject, template, consent, on, crossing="work"):
        if crossing in EXEMPT_CROSSINGS:
            raise ExemptError(subject)
        if not (isinstance(consent, Consent) and consent.subject == subject and len(consent.purposes) > 0):
            raise ConsentError(subject)
        self._forget(subject)
        record = _Record(np.array(template, dtype=float), consent, on)
        self.records[subject] = record
        for purpose in consent.purposes:
            self.index.setdefault(purpose, {})[subject] = record.template
        self._note(on, "enrol", subject, None, True)

    def verify(self, subject, probe, purpose, on):
        record = self.records.get(subject)
        allowed = record is not None and purpose in record.consent.purposes
        self._note(on, "verify", subject, purpose, allowed)
        if record is None:
            raise KeyError(subject)
        if not allowed:
            raise ConsentError(purpose)
        record.last_seen = max(record.last_seen, on)
        return cosine_similarity(probe, record.template)

    def search(self, probe, purpose, on, threshold):
        members = self.index.get(purpose)
        self._note(on, "search", None, purpose, bool(members))
        if not members:
            raise ConsentError(purpose)
        scores = {s: cosine_similarity(probe, t) for s, t in members.items()}
        return sorted((s for s in scores if scores[s] >= threshold), key=lambda s: (-scores[s], s))

    def withdraw(self, subject, on):
        if subject not in self.records:
            raise KeyError(subject)
        self._forget(subject)
        self._note(on, "withdraw", subject, None, True)

    def purge(self, now):
        due = sorted(s for s, r in self.records.items()
                     if (r.consent.purpose_ends is not None and now >= r.consent.purpose_ends)
                     or now >= retention_deadline(r.last_seen))
        for s in due:
            self._forget(s)
            self._note(now, "purge", s, None, True)
        return due
'''


def test_a_store_written_from_the_question_text_passes_every_store_check(source):
    """Do the store's check cells, hidden tests included, accept a correct store organised differently?"""
    namespace: dict = {}
    for cell in source.cells:
        gid = _meta(cell).get("grade_id", "")
        if gid == "l4-setup":
            exec(compile(_code(cell.source), gid, "exec"), namespace)
        elif gid == "l4-store-answer":
            exec(compile(OTHER_STORE, "other store", "exec"), namespace)
        elif gid.startswith("l4-store-") and nbutils.is_grade(cell):
            exec(compile(_code(cell.source), gid, "exec"), namespace)  # raises AssertionError on a failed check


# --------------------------------------------------------------------------- BioHashing


def test_unlinkability_with_different_tokens_is_not_rejected_and_linking_is(solved):
    """Is the solution's cross-database genuine/impostor test consistent with chance for different tokens, and not for one token?"""
    ns = solved
    same = np.eye(len(ns["people"]), dtype=bool)
    hashed = lambda vectors, tokens: np.concatenate([ns["biohash"](v[None], t) for v, t in zip(vectors, tokens)])
    for tokens_b, linkable in [(ns["TOKENS_B"], False), (ns["TOKENS"], True)]:
        scores = ns["hamming_similarity"](ns["protected_templates"], hashed(ns["templates_b"], tokens_b))
        genuine, impostor = scores[same], scores[~same]
        auc = ns["linkage_auc"](genuine, impostor)
        low, high = ns["auc_interval"](auc, len(genuine), len(impostor))
        p_value = stats.ks_2samp(genuine, impostor).pvalue
        if linkable:
            assert auc > 0.95 and p_value < 1e-6
        else:
            assert low < 0.5 < high and p_value > 0.05, (auc, low, high, p_value)


def test_without_the_sign_step_tokens_share_a_pattern(solved):
    """Is the student text's reason for the sign step true here: numpy's Q mostly has a negative diagonal (always its first entry)?"""
    K, tokens = solved["K"], solved["TOKENS"][:100]
    diagonals = np.array([np.diag(np.linalg.qr(np.random.default_rng(token).standard_normal((K, K)))[0])
                          for token in tokens])
    assert np.all(diagonals[:, 0] < 0) and np.mean(diagonals < 0) > 0.7
    # The solution's Q has no such pattern: bit b of the unit vector e_b is the sign of its Q[b, b].
    bits = np.array([solved["biohash"](np.eye(K), token).diagonal() for token in tokens])
    assert 0.4 < bits.mean() < 0.6 and 0.2 < bits[:, 0].mean() < 0.8


def test_revocation_stolen_token_and_irreversibility_tell_the_lab_story(solved):
    """Revoked templates score like impostors, a stolen token raises FMR, and inversion needs the token."""
    ns = solved
    per_person = np.array([ns["revoked_scores"][ns["owner"] == j].mean() for j in range(len(ns["people"]))])
    half = 1.96 * per_person.std(ddof=1) / np.sqrt(len(per_person))
    assert abs(per_person.mean() - 0.5) < half
    own, stolen = ns["scores_biohash"][~ns["is_mated"]], ns["stolen_scores"][~ns["is_mated"]]
    threshold = ns["threshold_for_fmr"](own, 0.001)
    assert np.mean(stolen >= threshold) > 2 * np.mean(own >= threshold)
    assert ns["eer_table"]["stolen token"] >= ns["eer_table"]["unprotected"]
    assert ns["inversion_top1"]["pca"] == 1.0 and ns["inversion_top1"]["biohash"] < 0.05


def test_hidden_bit_literals_are_not_on_a_knife_edge(solved):
    """Are the projections behind the hidden biohash literals far enough from 0 to give the same bits on any BLAS?"""
    ns, K = solved, solved["K"]

    def projections(features, token, n_bits):
        q, r = np.linalg.qr(np.random.default_rng(token).standard_normal((K, n_bits)))
        return np.asarray(features) @ (q * np.sign(np.diag(r)))

    cases = [(ns["probe_features"][:2], 12345, K), (ns["templates"][:3], 99, 16), (ns["probe_features"], 2024, K)]
    smallest = min(np.abs(projections(features, token, n_bits)).min() for features, token, n_bits in cases)
    assert smallest > 1e-9


def test_every_figure_has_a_caption_with_alt_text(source):
    """Is every cell that draws a figure followed by a markdown caption that starts 'Figure N' and has alt text?"""
    figures = 0
    for index, cell in enumerate(source.cells):
        if cell.cell_type == "code" and re.search(r"^fig = needs\(", cell.source, re.M):
            figures += 1
            caption = source.cells[index + 1]
            assert caption.cell_type == "markdown" and caption.source.startswith(f"*Figure {figures}."), _meta(cell)
            assert "Alt text:" in caption.source
    assert figures == 3


def test_essay_rubric_has_four_criteria_with_four_levels_each(source):
    """Does the essay's mark scheme grade facts, frameworks, perspectives and reasoning, each at 3, 2, 1 and 0 points?"""
    essay = next(cell for cell in source.cells if _meta(cell).get("grade_id") == "l4-essay")
    scheme = essay.source[essay.source.index("=== BEGIN MARK SCHEME ==="):]
    criteria = re.split(r"^- ", scheme, flags=re.M)[1:]
    assert [c.split(" ")[0] for c in criteria] == ["Facts", "Frameworks", "Perspectives", "Reasoning"]
    for criterion in criteria:
        levels = re.findall(r"(\d) points?:", criterion)
        assert levels == ["3", "2", "1", "0"], criterion[:60]
    assert _meta(essay)["points"] == 12

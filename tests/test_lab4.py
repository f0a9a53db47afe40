"""Lab 4 (Consent, purpose and revocation): checks of the notebook's own promises, beyond the course-wide harness tests.

The course-wide tests (test_release.py, test_autograde.py) grade the lab through
nbgrader, test_lab_structure.py checks its objectives, points and check cells, and
test_cross_lab_leaks.py that no other lab's release holds its answers; these read
the source notebook, run its locked and solution cells in this process, and ask
lab-specific questions: do the visible checks catch the slips of the new-student
trial; does the reference store keep its promises under sequences of
operations that the check cells do not try; would the store-checking tool
`copies_of` notice a leftover copy; is the solution's BioHash unlinkable by a
test statistic, revocable and, without its token, irreversible; are the
hidden bit literals away from a knife edge; are provisions loaded, not typed.
"""

from __future__ import annotations

import contextlib
import io
import re
from datetime import date, timedelta

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from nbgrader import utils as nbutils
from scipy import stats

from biometrics_lab import casestudy
from biometrics_lab._paths import REPO_ROOT
from lab_notebooks import created_names, printed, run_solution, split_hidden, without_markers
from nbgrader_harness import grade_id, nbgrader_meta
from tests.wrong_answers.lab4_consent import WRONG_ANSWERS, _edit, _store

LAB = "lab4-consent"
SOURCE = REPO_ROOT / "solutions" / LAB / f"{LAB}.ipynb"
RELEASE = REPO_ROOT / "labs" / LAB / f"{LAB}.ipynb"
BV = "border-verification"
# Wrong answers whose slip the visible checks (not only the hidden tests) must catch.
CAUGHT_VISIBLY = ("exempt crossing checked after consent and ignored", "verify ignores the purpose",
                  "withdraw leaves a cached index entry", "audit log hands out its internal list",
                  "biohash without Gram-Schmidt signs", "stolen scores hash each probe with its own token",
                  "revoked probes compared with the new template",
                  "auc ignores ties", "inversion counts instead of shares")
# Slips that passed every visible check in the new-student trial (2026-11-27, 19:55). Each costs a
# full nbgrader run as a wrong answer, so they are tried here, in process, against the visible checks
# of one check cell: (answer cell, its source with the slip, the check cell that must fail).
TRIAL_SLIPS = {
    "search: score > threshold": ("l4-store-answer", _store(
        ("if -negative_score >= threshold]", "if -negative_score > threshold]")), "l4-store-purpose"),
    "search: index order, not by score": ("l4-store-answer", _store((
        "scored = sorted((-cosine_similarity(probe, template), subject) for subject, template in candidates.items())",
        "scored = [(-cosine_similarity(probe, template), subject) for subject, template in candidates.items()]")),
        "l4-store-purpose"),
    "search: ties in reverse alphabetical order": ("l4-store-answer", _store(
        ("scored = sorted((-cosine_similarity(probe, template), subject) for subject, template in candidates.items())",
         "scored = sorted(((cosine_similarity(probe, template), subject) for subject, template in candidates.items()), "
         "reverse=True)"),
        ("return [subject for negative_score, subject in scored if -negative_score >= threshold]",
         "return [subject for score, subject in scored if score >= threshold]")), "l4-store-purpose"),
    "verify: last interaction not updated": ("l4-store-answer", _store(
        ("        self.last_interaction[subject] = max(self.last_interaction[subject], on)\n", "")), "l4-store-purge"),
    "verify: last interaction set to on": ("l4-store-answer", _store(
        ("self.last_interaction[subject] = max(self.last_interaction[subject], on)",
         "self.last_interaction[subject] = on")), "l4-store-purge"),
    "purge: now > deadline": ("l4-store-answer", _store(
        ("now >= retention_deadline(", "now > retention_deadline(")), "l4-store-purge"),
    "purge: retention from the consent date": ("l4-store-answer", _store(
        ("retention_deadline(self.last_interaction[subject])", "retention_deadline(consent.given_on)")),
        "l4-store-purge"),
    "withdraw: empty purpose entry left, search finds no one": ("l4-store-answer", _store(
        ("            if not self.index[purpose]:\n                del self.index[purpose]\n", ""),
        ("        if not candidates:\n", "        if purpose not in self.index:\n")), "l4-store-withdraw"),
    "withdraw: someone not enrolled passes silently": ("l4-store-answer", _store(
        ("        if subject not in self.templates:\n            raise KeyError(f\"{subject!r} is not enrolled\")\n"
         "        self._forget(subject)\n", "        self._forget(subject)\n")), "l4-store-withdraw"),
    "audit: refused search not logged": ("l4-store-answer", _store(
        ("            self._log.append(AuditEntry(on, \"search\", None, purpose, False))\n", "")), "l4-store-audit"),
    "audit: verify of someone not enrolled not logged": ("l4-store-answer", _store(
        ("            self._log.append(AuditEntry(on, \"verify\", subject, purpose, False))\n"
         "            raise KeyError", "            raise KeyError")), "l4-store-audit"),
    "enrol: another subject's consent accepted": ("l4-store-answer", _store(
        (" or consent.subject != subject", "")), "l4-store-enrol"),
    "enrol: the caller's array stored": ("l4-store-answer", _store(
        ("stored = np.array(template, dtype=float)", "stored = template")), "l4-store-enrol"),
    "biohash: n_bits ignored": ("l4-biohash-answer", _edit("l4-biohash-answer", (
        "standard_normal((features.shape[1], n_bits))", "standard_normal((features.shape[1], features.shape[1]))")),
        "l4-biohash"),
    "eer: stolen token copied from biohash": ("l4-eer-answer", _edit("l4-eer-answer", (
        '("stolen token", stolen_scores)', '("stolen token", scores_biohash)')), "l4-eer"),
    "revoke: the template hashed, not the probes": ("l4-revoke-answer", (
        "revoked_scores = np.zeros(len(probe_features))\n"
        "for j in range(len(people)):\n"
        "    revoked_scores[owner == j] = hamming_similarity(biohash(templates[[j]], NEW_TOKENS[j]), "
        "protected_templates[[j]])[0, 0]"), "l4-revoke"),
    "inversion: biohash share inverted": ("l4-inversion-answer", _edit("l4-inversion-answer", (
        '"biohash": share_recognised(', '"biohash": 1 - share_recognised(')), "l4-inversion"),
}


@pytest.fixture(scope="module")
def source():
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def solved(source):
    """Namespace after running the source's setup, locked and solution cells in this process (no kernel)."""
    return run_solution(source)


def _visible(source, check_id: str) -> str:
    cell = next(c for c in source.cells if grade_id(c) == check_id)
    return split_hidden(cell.source)[0]


def test_needs_names_the_question_of_every_name_a_student_creates(source, solved):
    """Does needs() map each name of the grading table to its question, and a stub store method to 2.1?"""
    assert created_names(source) == solved["ANSWERS"]  # BiometricStore (2.1) included
    namespace = dict(solved)
    for name, question in [("stolen_scores", "Question 3.3 first"), ("scores_biohash", "Questions 3.1 and 3.2."),
                           ("TOKENS", "run the cells above")]:
        output = printed(f"result = needs(lambda: eval({name!r}, {{}}))", namespace)
        assert namespace["result"] is None and question in output, output
    output = printed("class BiometricStore:\n    def __init__(self):\n        raise NotImplementedError()\n\n"
                     "result = needs(lambda: BiometricStore())", namespace)  # the released stub of 2.1
    assert "Question 2.1 first" in output and namespace["result"] is None


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


def _fails_visibly(source, solved, answer_id: str, answer_source: str, check_id: str) -> None:
    """Assert that the visible checks of ``check_id`` pass for the solution and fail, with a hint, for the answer."""
    visible = _visible(source, check_id)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(visible, "visible", "exec"), dict(solved))  # the solution passes the same checks
        namespace = dict(solved)
        exec(compile(answer_source, answer_id, "exec"), namespace)
        with pytest.raises(AssertionError, match=": "):  # "expected ..., got ...: <hint>"
            exec(compile(visible, "visible", "exec"), namespace)


@pytest.mark.parametrize("name", CAUGHT_VISIBLY)
def test_visible_checks_catch_the_common_slips(source, solved, name):
    """Does a check cell fail on its visible checks alone, with a hint, for each of these slips?"""
    answer = next(a for a in WRONG_ANSWERS if a["name"] == name)
    _fails_visibly(source, solved, answer["grade_id"], answer["source"], answer["loses"][0])


@pytest.mark.parametrize("name", sorted(TRIAL_SLIPS))
def test_visible_checks_catch_the_trials_slips(source, solved, name):
    """Does the check cell of each slip that passed in the new-student trial now fail on its visible checks?"""
    answer_id, answer_source, check_id = TRIAL_SLIPS[name]
    _fails_visibly(source, solved, answer_id, answer_source, check_id)


def test_enrol_check_runs_before_verify_is_written(source, solved):
    """Can a student who wrote _forget and enrol (verify still the stub) pass the enrolment check, as the hint suggests?"""
    namespace = dict(solved)
    exec(_store(("    def verify(self, subject, probe, purpose, on):\n",
                 "    def verify(self, subject, probe, purpose, on):\n        raise NotImplementedError()\n")), namespace)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(_visible(source, "l4-store-enrol"), "visible", "exec"), namespace)


def test_figure_cells_say_what_they_wait_for_and_draw_nothing_half(source, solved):
    """With 3.1-3.2 or 3.6 unanswered, do Figures 1 and 2 name the questions and leave no half-drawn figure?"""
    cells = {grade_id(c): c for c in source.cells if grade_id(c)}
    for cell_id, missing, question in [("l4-fig-protect", "scores_biohash", "Questions 3.1 and 3.2"),
                                       ("l4-fig-linkage", "linkage", "Question")]:
        namespace = dict(solved)
        if missing == "linkage":
            namespace["linkage"] = None  # what l4-linkage leaves when needs() stopped it
        else:
            del namespace[missing]
        plt.close("all")
        output = printed(cells[cell_id].source, namespace)
        assert namespace["fig"] is None and plt.get_fignums() == [], cell_id
        assert question in output, (cell_id, output)
    assert "3.6" in output


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
        gid = grade_id(cell) or ""
        if gid == "l4-setup":
            exec(compile(without_markers(cell.source), gid, "exec"), namespace)
        elif gid == "l4-store-answer":
            exec(compile(OTHER_STORE, "other store", "exec"), namespace)
        elif gid.startswith("l4-store-") and nbutils.is_grade(cell):
            exec(compile(without_markers(cell.source), gid, "exec"), namespace)  # raises AssertionError on a failed check


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
            assert caption.cell_type == "markdown" and caption.source.startswith(f"*Figure {figures}."), grade_id(cell)
            assert "Alt text:" in caption.source
    assert figures == 3


def test_essay_rubric_has_four_criteria_with_four_levels_each(source):
    """Does the essay's mark scheme grade facts, frameworks, perspectives and reasoning, each at 3, 2, 1 and 0 points?"""
    essay = next(cell for cell in source.cells if grade_id(cell) == "l4-essay")
    scheme = essay.source[essay.source.index("=== BEGIN MARK SCHEME ==="):]
    criteria = re.split(r"^- ", scheme, flags=re.M)[1:]
    assert [c.split(" ")[0] for c in criteria] == ["Facts", "Frameworks", "Perspectives", "Reasoning"]
    for criterion in criteria:
        levels = re.findall(r"(\d) points?:", criterion)
        assert levels == ["3", "2", "1", "0"], criterion[:60]
    assert nbgrader_meta(essay)["points"] == 12

"""Plausible wrong answers to Lab 4 (Consent, purpose and revocation), each of which must lose points.

Each entry replaces the whole source of one solution cell (``grade_id``) of
``solutions/lab4-consent/lab4-consent.ipynb`` and names the autograder test
cells that must lose points (``loses``). Later cells that build on the answer
may lose points too; ``loses`` lists only the cells that must.

The store of Question 2.1 is one long class, so its wrong answers are made
from the solution itself with one small edit each (``_store``): the edit is
the mistake, and an edit that no longer applies to the solution fails loudly
when this module is imported. Every entry costs one full nbgrader run of the
notebook (about 10 s), so the list keeps one instructive mistake per check
cell; the instructor guide lists more that the checks also catch.
"""

from __future__ import annotations

import nbformat

from biometrics_lab._paths import REPO_ROOT

_SOURCE = REPO_ROOT / "solutions" / "lab4-consent" / "lab4-consent.ipynb"


def _solution(grade_id: str) -> str:
    """The solution cell's code as a student would type it (solution markers removed)."""
    cell = next(c for c in nbformat.read(_SOURCE, as_version=4).cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(line for line in cell.source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def _edit(grade_id: str, *replacements: tuple[str, str]) -> str:
    """The solution of ``grade_id`` with each ``(old, new)`` replaced once; ``old`` must occur exactly once."""
    source = _solution(grade_id)
    for old, new in replacements:
        if source.count(old) != 1:
            raise ValueError(f"{grade_id}: the wrong answer's edit {old!r} matches {source.count(old)} times")
        source = source.replace(old, new)
    return source


def _store(*replacements: tuple[str, str]) -> str:
    return _edit("l4-store-answer", *replacements)


WRONG_ANSWERS = [
    # ------------------------------------------------------------------ 2.1 BiometricStore
    dict(
        name="exempt crossing checked after consent and ignored",
        grade_id="l4-store-answer",
        source=_store((
            "        if crossing in EXEMPT_CROSSINGS:\n"
            "            raise ExemptError(f\"{crossing} crossings are exempt: {subject!r} is not enrolled\")\n",
            "")),
        loses=["l4-store-enrol"],
        why="Enrols anyone with a consent, also on a humanitarian crossing (F6): exemptions must never enrol.",
    ),
    dict(
        name="verify ignores the purpose",
        grade_id="l4-store-answer",
        source=_store((
            "        if purpose not in self.consents[subject].purposes:\n",
            "        if False:  # the purpose is logged but never checked\n")),
        loses=["l4-store-purpose"],
        why="Logs the purpose but returns a score for any purpose: consent for border verification becomes "
            "consent for everything.",
    ),
    dict(
        name="withdraw leaves a cached index entry",
        grade_id="l4-store-answer",
        source=_store((
            "            raise KeyError(f\"{subject!r} is not enrolled\")\n"
            "        self._forget(subject)\n",
            "            raise KeyError(f\"{subject!r} is not enrolled\")\n"
            "        for table in (self.templates, self.consents, self.last_interaction):\n"
            "            del table[subject]\n")),
        loses=["l4-store-withdraw"],
        why="Deletes the template, consent and dates but not the subject's entries in the search index, so a "
            "later search still returns the withdrawn person and a copy of the template remains.",
    ),
    dict(
        name="purge counts from the enrolment date",
        grade_id="l4-store-answer",
        source=_store(
            ("        self.last_interaction[subject] = max(self.last_interaction[subject], on)\n", ""),
        ),
        loses=["l4-store-purge"],
        why="Never updates the last interaction after enrolment, so retention runs from the enrolment date: "
            "a worker who crossed last month is purged three years after enrolling (BIPA 15(a) counts from the "
            "last interaction).",
    ),
    dict(
        name="audit log hands out its internal list",
        grade_id="l4-store-answer",
        source=_store(("        return tuple(self._log)\n", "        return self._log\n")),
        loses=["l4-store-audit"],
        why="Returns the list the store appends to, so any caller can clear or rewrite the log: not append-only.",
    ),
    # ------------------------------------------------------------------ 3.1 biohash
    dict(
        name="biohash without Gram-Schmidt signs",
        grade_id="l4-biohash-answer",
        source=_edit("l4-biohash-answer", (
            "    basis = basis * np.sign(np.diag(upper))  # Gram-Schmidt's signs: R's diagonal positive\n", "")),
        loses=["l4-biohash"],
        why="Uses numpy's Q as it comes: the b-th entry of column b is negative for every token, a shared "
            "pattern that makes databases with different tokens slightly linkable.",
    ),
    # ------------------------------------------------------------------ 3.2 hamming_similarity
    dict(
        name="hamming in uint8 arithmetic",
        grade_id="l4-hamming-answer",
        source=(
            "def hamming_similarity(bits_a, bits_b):\n"
            "    a, b = np.asarray(bits_a), np.asarray(bits_b)\n"
            "    return (a @ b.T + (1 - a) @ (1 - b).T) / a.shape[1]"
        ),
        loses=["l4-hamming"],
        why="Counts agreements in uint8, which wraps around above 255: right for 40 bits, wrong for 300.",
    ),
    # ------------------------------------------------------------------ 3.3 stolen_scores, 3.4 eer_table
    dict(
        name="stolen scores hash each probe with its own token",
        grade_id="l4-stolen-answer",
        source=(
            "stolen_scores = np.zeros(scores_biohash.shape)\n"
            "for j in range(len(people)):\n"
            "    rows = owner == j\n"
            "    stolen_scores[rows] = hamming_similarity(biohash(probe_features[rows], TOKENS[j]), protected_templates)"
        ),
        loses=["l4-stolen", "l4-eer"],
        why="Rebuilds scores_biohash: each impostor keeps their own token instead of using the victim's "
            "(TOKENS[j] for template j), so the stolen-token EER equals the own-token one.",
    ),
    # ------------------------------------------------------------------ 3.5 revoked_scores
    dict(
        name="revoked probes compared with the new template",
        grade_id="l4-revoke-answer",
        source=(
            "revoked_scores = np.zeros(len(probe_features))\n"
            "for j in range(len(people)):\n"
            "    rows = owner == j\n"
            "    new_template = biohash(templates[[j]], NEW_TOKENS[j])\n"
            "    revoked_scores[rows] = hamming_similarity(biohash(probe_features[rows], NEW_TOKENS[j]), new_template)[:, 0]"
        ),
        loses=["l4-revoke"],
        why="Compares the new probe with the re-enrolled template, which measures the new system, not whether "
            "the leaked old template still works.",
    ),
    # ------------------------------------------------------------------ 3.6 linkage_auc
    dict(
        name="auc ignores ties",
        grade_id="l4-unlink-answer",
        source=(
            "def linkage_auc(genuine, impostor):\n"
            "    return float(np.mean(np.asarray(genuine)[:, None] > np.asarray(impostor)[None, :]))"
        ),
        loses=["l4-unlink"],
        why="Counts ties as losses: BioHash scores take 41 values, so the AUC of indistinguishable sets falls "
            "well below 0.5.",
    ),
    # ------------------------------------------------------------------ 3.7 inversion_top1
    dict(
        name="inversion counts instead of shares",
        grade_id="l4-inversion-answer",
        source=_edit("l4-inversion-answer", (
            "    return float(np.mean(scores.argmax(axis=1) == np.arange(len(people))))",
            "    return int(np.sum(scores.argmax(axis=1) == np.arange(len(people))))")),
        loses=["l4-inversion"],
        why="Counts the people recognised (200) instead of the share (1.0).",
    ),
    # ------------------------------------------------------------------ 4.1 matches
    dict(
        name="matches by keyword",
        grade_id="l4-match-answer",
        source=_edit("l4-match-answer",
                     ('"permit-authority": "gdpr-recital-43"', '"permit-authority": "gdpr-9-2-a"'),
                     ('"old-templates": "bipa-15-a"', '"old-templates": "bipa-15-c-d"')),
        loses=["l4-match-gdpr", "l4-match-other"],
        why="Picks the consent exception for the permit scenario (the question is who the controller is: "
            "Recital 43) and the no-sale rule for over-long retention (BIPA 15(a)).",
    ),
]

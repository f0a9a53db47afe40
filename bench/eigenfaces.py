"""A minimal eigenfaces pipeline for calibrating the synthetic faces (dev only).

Used by ``tests/test_synth.py`` (the EER range test) and
``bench/bench_synth.py --calibrate``. It lives outside the package on purpose:
Lab 1 asks students to write templates and cosine comparison, so
``biometrics_lab`` must not ship them.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def znorm(images):
    """Flatten images and give each zero mean and unit variance."""
    x = images.reshape(len(images), -1).astype(np.float64)
    x -= x.mean(axis=1, keepdims=True)
    x /= x.std(axis=1, keepdims=True) + 1e-12
    return x


def unit_rows(a):
    """Divide each row by its Euclidean length."""
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def equal_error_rate(genuine, impostor):
    """EER: where FNMR (score < t) and FMR (score >= t) cross, averaged there."""
    thresholds = np.sort(np.concatenate([genuine, impostor]))
    fnmr = np.searchsorted(np.sort(genuine), thresholds, side="left") / len(genuine)
    fmr = 1.0 - np.searchsorted(np.sort(impostor), thresholds, side="left") / len(impostor)
    i = np.argmin(np.abs(fnmr - fmr))
    return (fnmr[i] + fmr[i]) / 2


def cosine_scores(train, test, n_enrol=3, n_components=40):
    """Score every probe of ``test`` against every template of ``test``'s identities.

    PCA (whitened) is fitted on ``train`` only; a template is the L2-normalised
    mean of an identity's first ``n_enrol`` captures; probes are the other captures.

    Returns
    -------
    scores : ndarray (n_probes, n_identities)
        Cosine similarities.
    same : ndarray of bool, same shape
        True for mated (genuine) comparisons.
    same_group : ndarray of bool, same shape
        True where probe and template belong to the same synthetic group.
    probe_group : ndarray of str (n_probes,)
    """
    pca = PCA(n_components=n_components, whiten=True, random_state=0).fit(znorm(train.images))
    features = pca.transform(znorm(test.images))
    ids = np.unique(test.identity)
    enrol = test.capture["index"] < n_enrol
    templates = unit_rows(np.stack([features[enrol & (test.identity == i)].mean(axis=0) for i in ids]))
    template_group = np.array([test.group[test.identity == i][0] for i in ids])
    scores = unit_rows(features[~enrol]) @ templates.T
    same = test.identity[~enrol][:, None] == ids[None, :]
    same_group = test.group[~enrol][:, None] == template_group[None, :]
    return scores, same, same_group, test.group[~enrol]

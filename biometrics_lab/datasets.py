"""Build the committed data sets under ``data/``, byte for byte reproducibly.

``np.savez`` stamps each zip entry with the current time, so two builds of the
same arrays differ. Here every entry is written with a fixed date and fixed
compression, in a fixed order, so the same code and numpy give the
same bytes, and ``data/MANIFEST`` can pin them with sha256 sums. Entries are
stored uncompressed: noisy 8-bit images deflate by only ~5 %, and leaving zlib
out means the bytes depend on numpy alone.

Two kinds of set are built: synthetic faces (:data:`SPECS`) and comparison
score sets (:data:`SCORE_SPECS`). ``scores-border`` comes from the score model
of :mod:`biometrics_lab.synth`, calibrated to a published operating point;
``scores-faces`` scores the committed faces with the eigenfaces pipeline of
``bench/eigenfaces.py``. That pipeline is dev-only on purpose (Lab 1 asks
students to write it), so building ``scores-faces`` needs a checkout.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np

from . import casestudy
from ._paths import checkout_root
from .data import FaceSet, load_faces, sha256_file
from .synth import calibrate_score_model, generate_faces, generate_scores

__all__ = ["SPECS", "SCORE_SPECS", "DATASET_NAMES", "build_all", "build_face_set", "build_score_arrays",
           "write_npz"]

#: Every committed set of faces: its generator arguments. Distinct seeds and
#: id ranges keep the identities of the two sets disjoint.
SPECS = {
    "faces-train": dict(n_identities=300, n_captures=5, group_b_fraction=0.5,
                        first_identity=0, random_state=20261127),
    "faces-eval": dict(n_identities=200, n_captures=10, group_b_fraction=0.5,
                       first_identity=1000, random_state=20261128,
                       clean_captures=3, mask_rate=0.15, glasses_rate=0.10),
}

#: Every committed score set: how it is built.
#: ``scores-border``: :func:`~biometrics_lab.synth.calibrate_score_model` with
#: FNMR = the case-study figure ``figure`` at FMR = ``fmr``, then
#: :func:`~biometrics_lab.synth.generate_scores`.
#: ``scores-faces``: every probe (captures >= ``n_enrol``) of ``evaluation``
#: against every template, by the eigenfaces pipeline fitted on ``train``.
SCORE_SPECS = {
    "scores-border": dict(figure="nist_fnmr_border_fmr1e-6", fmr=1e-6, impostor_mean=0.0, impostor_sd=0.1,
                          genuine_sd=0.07, n_genuine=10_000, n_impostor=1_000_000, random_state=20261129),
    "scores-faces": dict(train="faces-train", evaluation="faces-eval", n_enrol=3, n_components=40,
                         quality_percentile=1.0),
}

#: Names of every committed data set, i.e. of every ``<name>.npz`` in ``MANIFEST``.
DATASET_NAMES = tuple(sorted([*SPECS, *SCORE_SPECS]))

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date zip can store


def build_face_set(name: str) -> FaceSet:
    """Generate the committed face set ``name`` from its entry in :data:`SPECS`."""
    if name not in SPECS:
        raise ValueError(f"unknown data set name={name!r}; valid names are {sorted(SPECS)}")
    return generate_faces(name=name, **SPECS[name])


def face_set_arrays(faces: FaceSet) -> dict[str, np.ndarray]:
    """Return the arrays stored for a face set, keyed as in the .npz file."""
    arrays = {"images": faces.images, "identity": faces.identity, "group": faces.group}
    arrays.update({f"capture_{key}": value for key, value in sorted(faces.capture.items())})
    return arrays


def build_score_arrays(name: str) -> dict[str, np.ndarray]:
    """Build the committed score set ``name`` as the arrays stored in its .npz file.

    Keys: ``genuine`` and ``impostor`` (float32) for ``scores-border``, plus its
    model parameters as 0-d ``attr_*`` arrays; for ``scores-faces`` the score
    matrix ``scores`` (probes x references, float32), per-probe ``probe_*`` and
    per-reference ``reference_*`` metadata and ``attr_quality_limit``.
    """
    if name not in SCORE_SPECS:
        raise ValueError(f"unknown score set name={name!r}; valid names are {sorted(SCORE_SPECS)}")
    spec = SCORE_SPECS[name]
    if name == "scores-border":
        return _border_arrays(**spec)
    return _face_score_arrays(**spec)


def _border_arrays(*, figure, fmr, impostor_mean, impostor_sd, genuine_sd, n_genuine, n_impostor, random_state):
    fnmr = casestudy.figure(figure).value
    model = calibrate_score_model(fmr, fnmr, impostor_mean=impostor_mean, impostor_sd=impostor_sd,
                                  genuine_sd=genuine_sd)
    genuine, impostor = generate_scores(model, n_genuine, n_impostor, random_state=random_state)
    attrs = dict(target_fmr=fmr, target_fnmr=fnmr, threshold=model.threshold_at_fmr(fmr),
                 genuine_mean=model.genuine_mean, genuine_sd=model.genuine_sd,
                 impostor_mean=model.impostor_mean, impostor_sd=model.impostor_sd)
    return {"genuine": genuine, "impostor": impostor,
            **{f"attr_{key}": np.float64(value) for key, value in attrs.items()}}


def _dev_eigenfaces():
    """Import the checkout's dev-only eigenfaces pipeline (``bench/eigenfaces.py``)."""
    root = str(checkout_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    from bench import eigenfaces

    return eigenfaces


def _face_score_arrays(*, train, evaluation, n_enrol, n_components, quality_percentile):
    from sklearn.decomposition import PCA

    eigenfaces = _dev_eigenfaces()
    train_set, test_set = load_faces(train), load_faces(evaluation)
    scores, _, _, _ = eigenfaces.cosine_scores(train_set, test_set, n_enrol=n_enrol, n_components=n_components)
    probe = test_set.capture["index"] >= n_enrol
    references = np.unique(test_set.identity)
    reference_group = np.array([test_set.group[test_set.identity == i][0] for i in references])

    # Acquisition quality: the share of a standardised capture's deviation from
    # the mean face that the eigenfaces explain (1 - "distance from face space",
    # Turk & Pentland 1991). The limit rejects `quality_percentile` % of the
    # training captures, as a vendor might set a quality check.
    pca = PCA(n_components=n_components, random_state=0).fit(eigenfaces.znorm(train_set.images))

    def quality(images):
        x = eigenfaces.znorm(images)
        residual = x - pca.inverse_transform(pca.transform(x))
        return 1.0 - np.sum(residual ** 2, axis=1) / np.sum((x - pca.mean_) ** 2, axis=1)

    limit = np.percentile(quality(train_set.images), quality_percentile)
    return {
        "scores": scores.astype(np.float32),
        "probe_identity": test_set.identity[probe],
        "probe_index": test_set.capture["index"][probe],
        "probe_group": test_set.group[probe],
        "probe_mask": test_set.capture["mask"][probe],
        "probe_glasses": test_set.capture["glasses"][probe],
        "probe_quality": quality(test_set.images[probe]).astype(np.float32),
        "reference_identity": references,
        "reference_group": reference_group,
        "attr_quality_limit": np.float64(np.float32(limit)),
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` as an .npz file whose bytes depend only on the arrays.

    Readable with ``np.load``. Entries are written uncompressed, in sorted
    order, with a fixed date; no array may hold Python objects.
    """
    path = Path(path)
    with zipfile.ZipFile(path, "w") as archive:
        for key in sorted(arrays):
            array = np.asarray(arrays[key], order="C")  # C order; 0-d arrays stay 0-d
            if array.dtype.hasobject:
                raise ValueError(f"array {key!r} holds Python objects; store plain dtypes only")
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    return path


def manifest_header() -> list[str]:
    """Return MANIFEST's comment lines, recording the versions that fix the bytes."""
    return [
        "# sha256 of each committed data set; rebuild with `make data` (biometrics-lab data)",
        f"# numpy {np.__version__}",
    ]


def build_all(out_dir) -> list[Path]:
    """Generate every committed data set into ``out_dir`` and write its MANIFEST.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing); ``data/`` for the committed sets.

    Returns
    -------
    list of Path
        The files written: one ``<name>.npz`` per name in :data:`DATASET_NAMES`, then ``MANIFEST``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_npz(out / f"{name}.npz",
                         face_set_arrays(build_face_set(name)) if name in SPECS else build_score_arrays(name))
               for name in DATASET_NAMES]
    lines = manifest_header() + [f"{sha256_file(path)}  {path.name}" for path in written]
    manifest = out / "MANIFEST"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written + [manifest]

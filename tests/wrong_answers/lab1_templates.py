"""Plausible wrong answers to Lab 1 (Templates), each of which must lose points.

Each entry replaces the whole source of one solution cell (``grade_id``) of
``solutions/lab1-templates/lab1-templates.ipynb`` and names the autograder test
cells that must lose points (``loses``). Later cells that build on the answer
may lose points too; ``loses`` lists only the cells that must.

Every entry costs one full nbgrader run of the notebook (about 10 s), so the
list keeps one or two of the most common and instructive mistakes per check
cell; the instructor guide lists more that the checks also catch.
"""

_ENROLL_HEAD = '''def enroll(features):
    """Return a person's template."""
'''

_COMPARE_HEAD = '''def compare(probes, templates):
    """Cosine similarity of every probe with every template."""
'''

_RECONSTRUCT_ERROR = (
    "\n\nreconstruction_error = np.sqrt(np.mean((standardise(first_capture[None])[0]"
    " - reconstruct(templates[0]).ravel()) ** 2))\n"
)

WRONG_ANSWERS = [
    # ------------------------------------------------------------------ 1.1 grid_images
    dict(
        name="grid first thirty rows",
        grade_id="l1-grid-answer",
        source="grid_images = faces.images[:30]",
        loses=["l1-grid"],
        why="Takes the first 30 rows of faces: three people with ten captures each, not six people with five; "
            "the visible check names which person each row of the grid should show.",
    ),
    # ------------------------------------------------------------------ 2.1 k_target
    dict(
        name="k off by one",
        grade_id="l1-k-target-answer",
        source="k_target = int(np.argmax(cumulative >= VARIANCE_TARGET))",
        loses=["l1-k-target"],
        why="Returns the index of the first component that reaches the target, not the number of components.",
    ),
    # ------------------------------------------------------------------ 3.1 enroll
    dict(
        name="enroll without normalising",
        grade_id="l1-enroll-answer",
        source=_ENROLL_HEAD + "    return np.mean(features, axis=0)",
        loses=["l1-enroll"],
        why="The template is the mean feature vector, not scaled to length 1.",
    ),
    dict(
        name="enroll normalises each capture then averages",
        grade_id="l1-enroll-answer",
        source=_ENROLL_HEAD + (
            "    features = np.asarray(features, dtype=float)\n"
            "    return np.mean(features / np.linalg.norm(features, axis=1, keepdims=True), axis=0)"
        ),
        loses=["l1-enroll"],
        why="Normalises before averaging, so the template is not of length 1 unless all captures point the same "
            "way; the visible check's two captures point different ways.",
    ),
    # ------------------------------------------------------------------ 4.1 compare
    dict(
        name="compare with Euclidean distance",
        grade_id="l1-compare-answer",
        source=_COMPARE_HEAD + (
            "    probes, templates = np.asarray(probes, dtype=float), np.asarray(templates, dtype=float)\n"
            "    return np.linalg.norm(probes[:, None, :] - templates[None, :, :], axis=2)"
        ),
        loses=["l1-compare", "l1-genuine", "l1-impostor"],
        why="Euclidean distance where cosine similarity is asked: lower means more similar, and length matters.",
    ),
    dict(
        name="compare assumes unit-length templates",
        grade_id="l1-compare-answer",
        source=_COMPARE_HEAD + (
            "    probes = np.asarray(probes, dtype=float)\n"
            "    return (probes / np.linalg.norm(probes, axis=1, keepdims=True)) @ np.asarray(templates).T"
        ),
        loses=["l1-compare"],
        why="Normalises only the probes; right for enroll's templates, wrong for templates of any other length.",
    ),
    # ------------------------------------------------------------------ 5.1 genuine, impostor
    dict(
        name="impostor set includes the genuine pairs",
        grade_id="l1-score-sets-answer",
        source=(
            "is_mated = probe_identity[:, None] == people[None, :]\n"
            "genuine = scores[is_mated]\n"
            "impostor = scores.ravel()"
        ),
        loses=["l1-impostor"],
        why="Every comparison counted as an impostor comparison, the mated ones included.",
    ),
    dict(
        name="genuine scores from the diagonal",
        grade_id="l1-score-sets-answer",
        source=(
            "genuine = np.diagonal(scores)\n"
            "impostor = scores[~np.eye(*scores.shape, dtype=bool)]"
        ),
        loses=["l1-genuine", "l1-impostor"],
        why="Assumes probe i belongs to template i; probes and templates are not in the same order "
            "(seven probes per person).",
    ),
    # ------------------------------------------------------------------ 6.1 reconstruct
    dict(
        name="reconstruct without undoing the normalisation",
        grade_id="l1-reconstruct-answer",
        source=(
            "def reconstruct(template):\n"
            "    pixels = pca.inverse_transform(np.asarray(template, dtype=float)[None, :])\n"
            "    return standardise(pixels)[0].reshape(48, 48)"
        ) + _RECONSTRUCT_ERROR,
        loses=["l1-reconstruct"],
        why="Inverts the unit-length template as it is: the average face dominates the reconstruction.",
    ),
    # ------------------------------------------------------------------ 7.1 storage
    dict(
        name="storage in float64",
        grade_id="l1-storage-answer",
        source=(
            "bytes_per_template = K * np.dtype(np.float64).itemsize\n"
            "bytes_per_image = 48 * 48\n"
            "gallery_megabytes = GALLERY_SIZE * bytes_per_template / 1e6"
        ),
        loses=["l1-storage"],
        why="numpy's default float64 takes 8 bytes a value; the question asks for float32 (4 bytes).",
    ),
    dict(
        name="storage in bits",
        grade_id="l1-storage-answer",
        source=(
            "bytes_per_template = K * 32\n"
            "bytes_per_image = 48 * 48 * 8\n"
            "gallery_megabytes = GALLERY_SIZE * bytes_per_template / 1e6"
        ),
        loses=["l1-storage"],
        why="Counts bits, not bytes.",
    ),
]

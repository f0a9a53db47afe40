"""Plausible wrong answers to Lab 1 (Templates), each of which must lose points.

Each entry replaces the whole source of one solution cell (``grade_id``) of
``solutions/lab1-templates/lab1-templates.ipynb`` and names the autograder test
cells that must lose points (``loses``). Later cells that build on the answer
may lose points too; ``loses`` lists only the cells that must.
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
        name="grid capture by capture",
        grade_id="l1-grid-answer",
        source=(
            "grid_images = np.stack([\n"
            "    faces.images[(faces.identity == person) & (faces.capture['index'] == c)][0]\n"
            "    for c in range(5)\n"
            "    for person in people[:6]\n"
            "])"
        ),
        loses=["l1-grid"],
        why="Loops in the wrong order: each row of five then mixes people, and the first image is still right, "
            "so only the hidden test catches it.",
    ),
    dict(
        name="grid first thirty rows",
        grade_id="l1-grid-answer",
        source="grid_images = faces.images[:30]",
        loses=["l1-grid"],
        why="Takes the first 30 rows of faces: three people with ten captures each, not six people with five.",
    ),
    # ------------------------------------------------------------------ 2.1 k_target
    dict(
        name="k off by one",
        grade_id="l1-k-target-answer",
        source="k_target = int(np.argmax(cumulative >= VARIANCE_TARGET))",
        loses=["l1-k-target"],
        why="Returns the index of the first component that reaches the target, not the number of components.",
    ),
    dict(
        name="k from variances instead of shares",
        grade_id="l1-k-target-answer",
        source="k_target = int(np.argmax(np.cumsum(pca_all.explained_variance_) >= VARIANCE_TARGET)) + 1",
        loses=["l1-k-target"],
        why="Accumulates the components' variances (explained_variance_) instead of their shares of the total "
            "(explained_variance_ratio_), so the first component already 'reaches' the target.",
    ),
    dict(
        name="k with a percentage",
        grade_id="l1-k-target-answer",
        source="k_target = int(np.argmax(cumulative >= 100 * VARIANCE_TARGET)) + 1",
        loses=["l1-k-target"],
        why="Compares a fraction with a percentage: the target is never reached and argmax returns 0.",
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
            "way; identical captures in the visible test pass, the hidden tests do not.",
    ),
    dict(
        name="enroll normalises each capture, averages, normalises again",
        grade_id="l1-enroll-answer",
        source=_ENROLL_HEAD + (
            "    features = np.asarray(features, dtype=float)\n"
            "    mean_unit = np.mean(features / np.linalg.norm(features, axis=1, keepdims=True), axis=0)\n"
            "    return mean_unit / np.linalg.norm(mean_unit)"
        ),
        loses=["l1-enroll"],
        why="Length 1, but every capture weighs the same whatever its length: not the normalised mean that "
            "the question asks for (hidden test with captures of different lengths).",
    ),
    dict(
        name="enroll averages over the wrong axis",
        grade_id="l1-enroll-answer",
        source=_ENROLL_HEAD + (
            "    mean_vector = np.mean(features, axis=1)\n"
            "    return mean_vector / np.linalg.norm(mean_vector)"
        ),
        loses=["l1-enroll"],
        why="Averages each capture's components instead of the captures: one number per capture.",
    ),
    dict(
        name="enroll normalises by the sum",
        grade_id="l1-enroll-answer",
        source=_ENROLL_HEAD + (
            "    mean_vector = np.mean(features, axis=0)\n"
            "    return mean_vector / np.sum(mean_vector)"
        ),
        loses=["l1-enroll"],
        why="Divides by the sum of the components (an L1-style scaling, and signed), not by the L2 norm.",
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
        name="compare with raw dot products",
        grade_id="l1-compare-answer",
        source=_COMPARE_HEAD + "    return np.asarray(probes) @ np.asarray(templates).T",
        loses=["l1-compare", "l1-genuine", "l1-impostor"],
        why="Dot products without normalising: scores depend on the vectors' lengths and leave [-1, 1].",
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
    dict(
        name="compare normalises columns",
        grade_id="l1-compare-answer",
        source=_COMPARE_HEAD + (
            "    probes, templates = np.asarray(probes, dtype=float), np.asarray(templates, dtype=float)\n"
            "    probes = probes / np.linalg.norm(probes, axis=0, keepdims=True)\n"
            "    templates = templates / np.linalg.norm(templates, axis=0, keepdims=True)\n"
            "    return probes @ templates.T"
        ),
        loses=["l1-compare", "l1-genuine", "l1-impostor"],
        why="Normalises over axis 0 (each component across vectors) instead of each vector.",
    ),
    dict(
        name="compare transposed",
        grade_id="l1-compare-answer",
        source=_COMPARE_HEAD + (
            "    probes, templates = np.asarray(probes, dtype=float), np.asarray(templates, dtype=float)\n"
            "    probes = probes / np.linalg.norm(probes, axis=1, keepdims=True)\n"
            "    templates = templates / np.linalg.norm(templates, axis=1, keepdims=True)\n"
            "    return templates @ probes.T"
        ),
        loses=["l1-compare"],
        why="One row per template instead of one per probe.",
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
    dict(
        name="genuine scores as each probe's best score",
        grade_id="l1-score-sets-answer",
        source=(
            "best = scores.max(axis=1, keepdims=True)\n"
            "genuine = scores.max(axis=1)\n"
            "impostor = scores[scores < best]"
        ),
        loses=["l1-genuine", "l1-impostor"],
        why="Takes each probe's highest score (identification) instead of its score against its own template; "
            "sizes match, values do not where an impostor scores highest.",
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
    dict(
        name="reconstruct ignores the whitening",
        grade_id="l1-reconstruct-answer",
        source=(
            "def reconstruct(template):\n"
            "    pixels = np.sqrt(K) * np.asarray(template) @ pca.components_ + pca.mean_\n"
            "    return standardise(pixels[None, :])[0].reshape(48, 48)"
        ) + _RECONSTRUCT_ERROR,
        loses=["l1-reconstruct"],
        why="Maps back with the components only, forgetting that whitened coordinates must be multiplied by "
            "each component's standard deviation (inverse_transform does this).",
    ),
    dict(
        name="reconstruct not standardised",
        grade_id="l1-reconstruct-answer",
        source=(
            "def reconstruct(template):\n"
            "    pixels = pca.inverse_transform(np.sqrt(K) * np.asarray(template, dtype=float)[None, :])\n"
            "    return pixels[0].reshape(48, 48)"
        ) + _RECONSTRUCT_ERROR,
        loses=["l1-reconstruct"],
        why="Returns the inverse transform as it is, not standardised to mean 0 and standard deviation 1.",
    ),
    dict(
        name="reconstruction error against raw pixels",
        grade_id="l1-reconstruct-answer",
        source=(
            "def reconstruct(template):\n"
            "    pixels = pca.inverse_transform(np.sqrt(K) * np.asarray(template, dtype=float)[None, :])\n"
            "    return standardise(pixels)[0].reshape(48, 48)\n\n\n"
            "reconstruction_error = np.sqrt(np.mean((first_capture.ravel() - reconstruct(templates[0]).ravel()) ** 2))"
        ),
        loses=["l1-reconstruct"],
        why="Compares the standardised reconstruction with the capture's raw grey levels (0-255).",
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
    dict(
        name="storage in mebibytes",
        grade_id="l1-storage-answer",
        source=(
            "bytes_per_template = K * 4\n"
            "bytes_per_image = 48 * 48\n"
            "gallery_megabytes = GALLERY_SIZE * bytes_per_template / 2**20"
        ),
        loses=["l1-storage"],
        why="Divides by 2**20 (MiB) where the question defines 1 MB as 1,000,000 bytes.",
    ),
]

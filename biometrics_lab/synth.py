"""Seeded generator of synthetic grayscale cartoon faces (numpy only).

No real person's face is used anywhere: every image is drawn from shape
parameters sampled here. An *identity* is a vector of shape parameters (face
oval, eyes, irises, brows, nose, mouth, hairline, tone, slight asymmetry)
drawn from the distribution of its synthetic group, ``"A"`` or ``"B"``. The
groups differ in the mean of tone and of a few shape parameters; they make no
claim about any real population. A *capture* renders an identity with its own
pose jitter, lighting, expression, blink, pixel noise and optional occlusion
(a mask over the lower face, glasses), all recorded in the capture metadata.

The module also holds a *score model* (:class:`ScoreModel`,
:func:`calibrate_score_model`, :func:`generate_scores`): comparison scores
drawn from two normal distributions whose separation is solved so that the
model meets a published operating point, for score sets far larger than the
synthetic faces can give.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from .data import FaceSet

__all__ = ["generate_faces", "IMAGE_SIZE", "GROUP_PARAMETERS",
           "ScoreModel", "calibrate_score_model", "generate_scores"]

IMAGE_SIZE = 48
_CHUNK = 256  # images rendered at once: bounded memory, vectorised work

#: Identity parameters: name -> (mean in A, mean in B, standard deviation in A, in B).
#: Coordinates are in face units: the image spans -1..1 (24 px per unit), y points down.
#: Tones are grey levels in 0..1. Groups differ in tone and in a few shape means only.
GROUP_PARAMETERS = {
    "tone": (0.48, 0.70, 0.05, 0.05),
    "face_w": (0.62, 0.58, 0.02, 0.05),
    "face_h": (0.80, 0.82, 0.035, 0.035),
    "face_y": (-0.08, -0.08, 0.02, 0.02),
    "eye_dx": (0.25, 0.23, 0.018, 0.018),
    "eye_y": (-0.12, -0.15, 0.035, 0.012),
    "eye_w": (0.11, 0.11, 0.012, 0.012),
    "eye_h": (0.058, 0.052, 0.008, 0.008),
    "iris_r": (0.05, 0.05, 0.006, 0.006),
    "iris_tone": (0.18, 0.22, 0.07, 0.07),
    "brow_gap": (0.12, 0.11, 0.018, 0.018),
    "brow_w": (0.12, 0.12, 0.015, 0.015),
    "brow_h": (0.026, 0.024, 0.006, 0.006),
    "brow_tilt": (0.0, 0.0, 0.18, 0.05),
    "brow_tone": (0.16, 0.20, 0.06, 0.06),
    "nose_y": (0.10, 0.08, 0.03, 0.03),
    "nose_w": (0.065, 0.055, 0.012, 0.012),
    "nose_l": (0.15, 0.14, 0.01, 0.035),
    "nose_depth": (0.16, 0.16, 0.05, 0.05),
    "mouth_y": (0.40, 0.38, 0.035, 0.035),
    "mouth_w": (0.18, 0.17, 0.01, 0.035),
    "mouth_h": (0.036, 0.034, 0.006, 0.006),
    "lip_tone": (0.62, 0.62, 0.08, 0.08),
    "hairline": (-0.48, -0.52, 0.08, 0.08),
    "hair_side": (0.35, 0.35, 0.18, 0.05),
    "hair_volume": (0.07, 0.07, 0.03, 0.03),
    "hair_tone": (0.16, 0.22, 0.08, 0.08),
    "neck_w": (0.20, 0.18, 0.025, 0.025),
    "eye_asym": (0.0, 0.0, 0.012, 0.012),
    "mouth_asym": (0.0, 0.0, 0.015, 0.015),
    "nose_asym": (0.0, 0.0, 0.012, 0.012),
}
_PARAM_NAMES = tuple(GROUP_PARAMETERS)

# Per-capture pose jitter relative to the shift: the feasibility trial's
# ratio 0.7 px : 3 degrees : 3 % scale, so that one knob (``jitter``) sets all three.
_ROTATION_DEG_PER_PX = 3.0 / 0.7
_SCALE_PER_PX = 0.03 / 0.7
_EDGE = 0.6 / (IMAGE_SIZE / 2)  # anti-aliasing ramp: 0.6 px in face units


def generate_faces(
    n_identities,
    n_captures,
    *,
    group_b_fraction=0.5,
    noise=0.08,
    jitter=0.3,
    mask_rate=0.0,
    glasses_rate=0.0,
    clean_captures=0,
    first_identity=0,
    random_state=0,
    name="synthetic",
) -> FaceSet:
    """Generate captures of synthetic identities as 48x48 grayscale images.

    Identity parameters are drawn first (all identities at once), then the
    capture parameters, then pixels in chunks: the same arguments give the
    same images, bit for bit, with the same numpy.

    Parameters
    ----------
    n_identities : int
        Number of synthetic identities (>= 1).
    n_captures : int
        Captures per identity (>= 1). Captures are ordered identity by
        identity: rows ``i * n_captures ... (i + 1) * n_captures - 1`` belong
        to identity ``first_identity + i``.
    group_b_fraction : float, default=0.5
        Fraction of identities in synthetic group ``"B"`` (rounded to a whole
        number of identities); the others are in group ``"A"``. Which
        identities are in which group is shuffled by ``random_state``.
    noise : float, default=0.08
        Standard deviation of Gaussian pixel noise, as a fraction of the full
        grey range (0.08 is about 20 grey levels of 255). Each capture's level
        varies around this value (log-normal, about +-20 %) and is recorded in
        ``capture["noise"]``. **This is the documented knob for the error
        rate**: with eigenfaces (40 whitened PCA components fitted on disjoint
        training identities), templates averaged from 3 captures and cosine
        scores, the default gives an equal error rate of a few percent, and
        larger values raise it (see ``data/DATASHEET.md`` for measured values).
    jitter : float, default=0.3
        Standard deviation of the capture's shift in pixels (x and y). The
        rotation (degrees) and scale jitter move with it in the ratio
        0.7 px : 3 degrees : 3 %. Pose jitter moves the error rate much more
        than ``noise`` does: 0.7 gives an equal error rate near 17 %.
    mask_rate : float, default=0.0
        Probability that a capture (after the first ``clean_captures``) shows
        a mask over the lower face. Masks are partly see-through and vary in
        how high they reach, so they raise errors without erasing the face.
    glasses_rate : float, default=0.0
        Probability that a capture (after the first ``clean_captures``) shows
        glasses. Independent of ``mask_rate``.
    clean_captures : int, default=0
        Number of leading captures of each identity that never carry a mask
        or glasses (e.g. enrolment captures). Between 0 and ``n_captures``.
    first_identity : int, default=0
        Id of the first identity; ids are ``first_identity + arange(n_identities)``.
    random_state : int or numpy.random.Generator, default=0
        Seed or generator. Pass distinct seeds for sets that must hold
        different identities (and distinct ``first_identity`` to keep ids unique).
    name : str, default="synthetic"
        Name given to the returned :class:`~biometrics_lab.data.FaceSet`.

    Returns
    -------
    FaceSet
        ``images`` uint8 of shape (n_identities * n_captures, 48, 48),
        ``identity`` int64, ``group`` (``"A"``/``"B"``) and per-capture
        metadata in ``capture`` (see :class:`~biometrics_lab.data.FaceSet`).

    Raises
    ------
    ValueError
        If an argument is out of range; the message names the argument.

    Examples
    --------
    >>> faces = generate_faces(3, 2, random_state=1)
    >>> faces.images.shape, faces.images.dtype
    ((6, 48, 48), dtype('uint8'))
    >>> faces.identity.tolist()
    [0, 0, 1, 1, 2, 2]
    """
    n_identities = _check_int(n_identities, "n_identities", minimum=1)
    n_captures = _check_int(n_captures, "n_captures", minimum=1)
    first_identity = _check_int(first_identity, "first_identity", minimum=0)
    clean_captures = _check_int(clean_captures, "clean_captures", minimum=0)
    if clean_captures > n_captures:
        raise ValueError(f"clean_captures={clean_captures} must be at most n_captures={n_captures}")
    group_b_fraction = _check_float(group_b_fraction, "group_b_fraction", 0.0, 1.0)
    noise = _check_float(noise, "noise", 0.0, 1.0)
    jitter = _check_float(jitter, "jitter", 0.0, 5.0)
    mask_rate = _check_float(mask_rate, "mask_rate", 0.0, 1.0)
    glasses_rate = _check_float(glasses_rate, "glasses_rate", 0.0, 1.0)
    if isinstance(random_state, np.random.Generator):
        rng = random_state
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) \
            and random_state >= 0:
        rng = np.random.default_rng(int(random_state))
    else:
        raise ValueError(f"random_state must be a non-negative int or a numpy Generator; "
                         f"got {random_state!r}")

    groups = _draw_groups(rng, n_identities, group_b_fraction)
    params = _draw_identities(rng, groups)
    n = n_identities * n_captures
    owner = np.repeat(np.arange(n_identities), n_captures)
    capture = _draw_captures(rng, n_identities, n_captures, noise=noise, jitter=jitter,
                             mask_rate=mask_rate, glasses_rate=glasses_rate,
                             clean_captures=clean_captures)

    images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        rows = slice(start, min(start + _CHUNK, n))
        ident = {key: values[owner[rows]] for key, values in params.items()}
        cap = {key: values[rows] for key, values in capture.items()}
        images[rows] = _render(rng, ident, cap)

    return FaceSet(
        images=images,
        identity=(first_identity + owner).astype(np.int64),
        group=np.where(groups[owner], "B", "A"),
        capture=capture,
        name=name,
    )


# ----------------------------------------------------------------------------- sampling

def _draw_groups(rng, n_identities, group_b_fraction):
    n_b = int(round(group_b_fraction * n_identities))
    is_b = np.zeros(n_identities, dtype=bool)
    is_b[:n_b] = True
    return rng.permutation(is_b)


def _draw_identities(rng, is_b):
    table = np.array([GROUP_PARAMETERS[k] for k in _PARAM_NAMES])  # (n_params, 4)
    means = np.where(is_b[:, None], table[:, 1], table[:, 0])
    spreads = np.where(is_b[:, None], table[:, 3], table[:, 2])
    values = means + rng.standard_normal((len(is_b), len(_PARAM_NAMES))) * spreads
    params = dict(zip(_PARAM_NAMES, values.T))
    # Keep parts inside plausible ranges so no identity renders as a broken face.
    for key, low, high in [("tone", 0.3, 0.9), ("iris_tone", 0.02, 0.45), ("brow_tone", 0.02, 0.45),
                           ("hair_tone", 0.02, 0.5), ("lip_tone", 0.3, 0.9), ("hair_side", 0.0, 0.8),
                           ("hair_volume", 0.01, 0.16), ("nose_depth", 0.03, 0.3)]:
        np.clip(params[key], low, high, out=params[key])
    for key in ("eye_w", "eye_h", "iris_r", "brow_w", "brow_h", "nose_w", "nose_l",
                "mouth_w", "mouth_h"):
        np.maximum(params[key], 0.3 * GROUP_PARAMETERS[key][0], out=params[key])
    return params


def _draw_captures(rng, n_identities, n_captures, *, noise, jitter, mask_rate, glasses_rate,
                   clean_captures):
    n = n_identities * n_captures
    index = np.tile(np.arange(n_captures), n_identities)
    may_occlude = index >= clean_captures
    capture = {
        "index": index.astype(np.int64),
        "shift_x": rng.normal(0.0, jitter, n),
        "shift_y": rng.normal(0.0, jitter, n),
        "rotation_deg": rng.normal(0.0, jitter * _ROTATION_DEG_PER_PX, n),
        "scale": 1.0 + rng.normal(0.0, jitter * _SCALE_PER_PX, n),
        "illumination": rng.normal(0.0, 0.12, n),
        "brightness": np.exp(rng.normal(0.0, 0.06, n)),
        "expression": np.clip(rng.normal(0.15, 0.35, n), -1.0, 1.0),
        "blink": rng.random(n) < 0.06,
        "noise": noise * np.exp(rng.normal(0.0, 0.2, n)),
        "background": np.clip(rng.normal(0.82, 0.04, n), 0.6, 0.95),
        "mask": (rng.random(n) < mask_rate) & may_occlude,
        "mask_top": rng.uniform(0.0, 1.0, n),
        "mask_tone": rng.uniform(0.55, 0.85, n),
        "glasses": (rng.random(n) < glasses_rate) & may_occlude,
    }
    # Occlusion details mean nothing where there is no occlusion: record them as NaN.
    for key in ("mask_top", "mask_tone"):
        capture[key] = np.where(capture["mask"], capture[key], np.nan)
    return capture


# ----------------------------------------------------------------------------- rendering

def _col(values):
    """Shape a per-image vector for broadcasting over (k, height, width)."""
    return np.asarray(values, dtype=np.float32)[:, None, None]


def _ramp(distance):
    """Soft inside-indicator from a signed distance (positive inside), in place."""
    distance *= 1.0 / _EDGE
    distance += 0.5
    return np.clip(distance, 0.0, 1.0, out=distance)


def _ellipse(u, v, cx, cy, a, b):
    """Soft mask of the ellipse centred (cx, cy) with semi-axes a, b."""
    r = np.sqrt(((u - cx) / a) ** 2 + ((v - cy) / b) ** 2)
    return _ramp((1.0 - r) * np.minimum(a, b))


def _paint(image, alpha, tone):
    """Blend ``tone`` over ``image`` where ``alpha`` (0..1) says, in place."""
    image += alpha * (tone - image)


def _render(rng, ident, cap):
    k = len(cap["index"])
    half = IMAGE_SIZE / 2
    grid = (np.arange(IMAGE_SIZE, dtype=np.float32) - (half - 0.5)) / half
    x = grid[None, None, :]
    y = grid[None, :, None]

    # Pose: map each pixel back into face coordinates (inverse shift, rotation, scale).
    theta = np.deg2rad(cap["rotation_deg"])
    cos, sin = _col(np.cos(theta)), _col(np.sin(theta))
    dx, dy = x - _col(cap["shift_x"] / half), y - _col(cap["shift_y"] / half)
    s = _col(cap["scale"])
    u = (cos * dx + sin * dy) / s
    v = (-sin * dx + cos * dy) / s

    p = {key: _col(val) for key, val in ident.items()}
    tone = p["tone"]
    image = np.broadcast_to(_col(cap["background"]), (k, IMAGE_SIZE, IMAGE_SIZE)).copy()

    # Neck, then the face oval (slightly wider at the cheeks than at the chin).
    fy, fw, fh = p["face_y"], p["face_w"], p["face_h"]
    neck = _ramp(p["neck_w"] - np.abs(u)) * _ramp(v - (fy + 0.4 * fh))
    _paint(image, neck, tone * 0.82)
    taper = 1.0 - 0.12 * np.clip((v - fy) / fh, 0.0, 1.0)
    face = _ellipse(u / taper, v, 0.0, fy, fw, fh)
    _paint(image, face, tone)
    # Soft shading towards the face's edge gives it volume.
    r2 = (u / fw) ** 2 + ((v - fy) / fh) ** 2
    _paint(image, face * np.clip(r2 - 0.55, 0.0, 0.45), tone * 0.55)

    # Hair cap: a slightly larger ellipse above a hairline that drops at the temples.
    vol = p["hair_volume"]
    cap_shape = _ellipse(u, v, 0.0, fy - 0.5 * vol, fw + vol, fh + vol)
    hairline = p["hairline"] + p["hair_side"] * (u / fw) ** 2
    hair = cap_shape * _ramp(hairline - v)
    _paint(image, hair, p["hair_tone"])

    # Eyes: sclera, iris, eyelid; blinks close the lids to a line.
    openness = _col(np.where(cap["blink"], 0.12, 1.0))
    expr = _col(cap["expression"])
    for side in (-1.0, 1.0):
        ex = side * p["eye_dx"]
        ey = p["eye_y"] + side * p["eye_asym"]
        sclera = _ellipse(u, v, ex, ey, p["eye_w"], p["eye_h"] * openness)
        _paint(image, sclera, np.minimum(tone + 0.25, 0.97))
        iris = _ellipse(u, v, ex, ey, p["iris_r"], p["iris_r"]) * sclera
        _paint(image, iris, p["iris_tone"])
        lid = _ellipse(u, v, ex, ey - 0.3 * p["eye_h"] * openness, p["eye_w"] * 1.05, 0.014)
        _paint(image, lid * 0.6, p["iris_tone"])
        # Brows: tilted, raised a little by the expression.
        by = ey - p["brow_gap"] - 0.015 * expr
        tilt = side * p["brow_tilt"] * (u - ex)
        brow = _ellipse(u, v - tilt, ex, by, p["brow_w"], p["brow_h"])
        _paint(image, brow, p["brow_tone"])

    # Nose: a soft shadow down one side and two nostrils.
    nx = p["nose_asym"]
    shadow = _ellipse(u, v, nx + 0.35 * p["nose_w"], p["nose_y"], p["nose_w"], p["nose_l"])
    _paint(image, shadow * 0.8, tone * (1.0 - 2.0 * p["nose_depth"]))
    for side in (-1.0, 1.0):
        nostril = _ellipse(u, v, nx + side * 0.7 * p["nose_w"], p["nose_y"] + 0.85 * p["nose_l"],
                           0.028, 0.016)
        _paint(image, nostril * 0.7, tone * 0.45)

    # Mouth: corners lift with a smile; a broad smile opens it.
    mx = p["mouth_asym"]
    mv = v - p["mouth_y"] + 0.07 * expr * ((u - mx) / p["mouth_w"]) ** 2
    height = p["mouth_h"] * (1.0 + 0.8 * np.clip(expr - 0.4, 0.0, None))
    mouth = _ellipse(u, mv, mx, 0.0, p["mouth_w"], height)
    _paint(image, mouth, tone * p["lip_tone"])
    opening = _ellipse(u, mv, mx, 0.0, p["mouth_w"] * 0.8, height * 0.35)
    _paint(image, opening * 0.8, tone * 0.25)

    # Occlusion: glasses frames, then a partly see-through mask over the lower face.
    glasses = _col(cap["glasses"])
    if np.any(cap["glasses"]):
        for side in (-1.0, 1.0):
            ex = side * p["eye_dx"]
            ring = _ellipse(u, v, ex, p["eye_y"], p["eye_w"] + 0.06, p["eye_h"] + 0.06)
            inner = _ellipse(u, v, ex, p["eye_y"], p["eye_w"] + 0.035, p["eye_h"] + 0.035)
            _paint(image, glasses * inner * 0.15, 0.9)  # lens glare
            _paint(image, glasses * np.clip(ring - inner, 0.0, 1.0) * 0.9, 0.08)
        bridge = _ramp(p["eye_dx"] - p["eye_w"] - 0.05 - np.abs(u)) * _ramp(0.015 - np.abs(v - p["eye_y"]))
        _paint(image, glasses * bridge * 0.9, 0.08)
    if np.any(cap["mask"]):
        masked = _col(cap["mask"])
        top = p["nose_y"] + _col(np.nan_to_num(cap["mask_top"])) * p["nose_l"]
        cover = _ellipse(u / taper, v, 0.0, fy, fw + 0.03, fh + 0.03) * _ramp(v - top)
        _paint(image, masked * cover * 0.85, _col(np.nan_to_num(cap["mask_tone"])))

    # Lighting from one side, overall gain, pixel noise.
    image *= _col(cap["brightness"]) * (1.0 + _col(cap["illumination"]) * x)
    image += rng.standard_normal(image.shape, dtype=np.float32) * _col(cap["noise"])
    np.clip(image, 0.0, 1.0, out=image)
    return np.rint(image * 255.0).astype(np.uint8)


# ----------------------------------------------------------------------------- score model

@dataclass(frozen=True)
class ScoreModel:
    """Comparison scores as two normal distributions on a similarity scale.

    Mated (genuine) scores are ``N(genuine_mean, genuine_sd**2)``, non-mated
    (impostor) scores ``N(impostor_mean, impostor_sd**2)``. Higher means more
    similar, and a comparison is a **match when score >= threshold**, so
    (ISO/IEC 2382-37 names)::

        FMR(t)  = P(impostor >= t) = 1 - Phi((t - impostor_mean) / impostor_sd)
        FNMR(t) = P(genuine  <  t) =     Phi((t - genuine_mean)  / genuine_sd)

    where ``Phi`` is the standard normal distribution function.
    """

    genuine_mean: float
    genuine_sd: float
    impostor_mean: float
    impostor_sd: float

    def fmr(self, threshold):
        """Model false match rate at ``threshold`` (share of impostor scores >= it)."""
        return norm.sf(threshold, loc=self.impostor_mean, scale=self.impostor_sd)

    def fnmr(self, threshold):
        """Model false non-match rate at ``threshold`` (share of genuine scores < it)."""
        return norm.cdf(threshold, loc=self.genuine_mean, scale=self.genuine_sd)

    def threshold_at_fmr(self, fmr):
        """Threshold where the model's FMR equals ``fmr``: ``impostor_mean + impostor_sd * Phi^-1(1 - fmr)``."""
        return self.impostor_mean + self.impostor_sd * norm.isf(fmr)

    def d_prime(self):
        """Separation of the two means in units of their pooled standard deviation."""
        return (self.genuine_mean - self.impostor_mean) / np.sqrt((self.genuine_sd ** 2 + self.impostor_sd ** 2) / 2)


def calibrate_score_model(fmr, fnmr, *, impostor_mean=0.0, impostor_sd=0.1, genuine_sd=0.07) -> ScoreModel:
    """Return the normal score model that has FNMR = ``fnmr`` at FMR = ``fmr``.

    The impostor distribution and the genuine spread are fixed; the genuine mean
    is solved in closed form. With ``z(p) = Phi^-1(1 - p)`` (the upper-tail
    normal deviate)::

        t*           = impostor_mean + impostor_sd * z(fmr)     # threshold with FMR(t*) = fmr
        genuine_mean = t* + genuine_sd * z(fnmr)                # so that FNMR(t*) = fnmr

    E.g. the best border-photo figure of NIST FRVT 1:1 (FNMR 0.0064 at FMR 1e-6)
    with the defaults gives ``t* = 0.4753`` and ``genuine_mean = 0.6497``.

    Parameters
    ----------
    fmr : float
        False match rate of the operating point, in (0, 1).
    fnmr : float
        False non-match rate at that point, in (0, 1).
    impostor_mean, impostor_sd : float, default=0.0, 0.1
        Impostor distribution, e.g. cosine similarities of unrelated templates
        centred on 0.
    genuine_sd : float, default=0.07
        Spread of genuine scores (> 0). The defaults keep almost every score in
        the cosine range -1..1 (the genuine mean is 5 standard deviations below 1).

    Returns
    -------
    ScoreModel

    Examples
    --------
    >>> model = calibrate_score_model(1e-6, 0.0064)
    >>> t = model.threshold_at_fmr(1e-6)
    >>> round(float(model.fnmr(t)), 6)
    0.0064
    """
    fmr = _check_float(fmr, "fmr", 0.0, 1.0)
    fnmr = _check_float(fnmr, "fnmr", 0.0, 1.0)
    if fmr in (0.0, 1.0) or fnmr in (0.0, 1.0):
        raise ValueError(f"fmr and fnmr must lie strictly between 0 and 1; got fmr={fmr}, fnmr={fnmr}")
    impostor_sd = _check_float(impostor_sd, "impostor_sd", 1e-12, np.inf)
    genuine_sd = _check_float(genuine_sd, "genuine_sd", 1e-12, np.inf)
    impostor_mean = _check_float(impostor_mean, "impostor_mean", -np.inf, np.inf)
    threshold = impostor_mean + impostor_sd * norm.isf(fmr)
    return ScoreModel(genuine_mean=float(threshold + genuine_sd * norm.isf(fnmr)), genuine_sd=genuine_sd,
                      impostor_mean=impostor_mean, impostor_sd=impostor_sd)


def generate_scores(model: ScoreModel, n_genuine, n_impostor, *, random_state=0):
    """Draw genuine and impostor scores from ``model`` as float32 arrays.

    Genuine scores are drawn first, then impostor scores, from one
    ``numpy.random.default_rng(random_state)``: the same arguments give the same
    scores with the same numpy. Scores are rounded to float32 (7 significant
    digits), which keeps files small and leaves exact ties (several thousand in a
    million scores), as real score sets have.

    Parameters
    ----------
    model : ScoreModel
    n_genuine, n_impostor : int
        Numbers of mated and non-mated comparisons (>= 1).
    random_state : int, default=0

    Returns
    -------
    genuine : ndarray of float32, shape (n_genuine,)
    impostor : ndarray of float32, shape (n_impostor,)
    """
    n_genuine = _check_int(n_genuine, "n_genuine", minimum=1)
    n_impostor = _check_int(n_impostor, "n_impostor", minimum=1)
    rng = np.random.default_rng(random_state)
    genuine = rng.normal(model.genuine_mean, model.genuine_sd, n_genuine).astype(np.float32)
    impostor = rng.normal(model.impostor_mean, model.impostor_sd, n_impostor).astype(np.float32)
    return genuine, impostor


# ----------------------------------------------------------------------------- validation

def _check_int(value, name, *, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def _check_float(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}; got {value}")
    return float(value)

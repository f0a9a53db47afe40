"""Encode what an Agg canvas shows as PNG bytes for an ``ipywidgets.Image``."""

from __future__ import annotations

import io

import numpy as np
import PIL.Image


def canvas_png(canvas) -> bytes:
    """Return the canvas's current pixels (after any blitting) as an RGB PNG.

    The explorers' figures are opaque, so the alpha channel is dropped (half
    the encoding time of RGBA); the lowest compression level keeps a slider
    step fast at the cost of a larger image (about 45 kB).
    """
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

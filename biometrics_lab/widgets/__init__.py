"""Interactive explorers for the labs (ipywidgets 8), each usable by keyboard.

Each explorer takes reference data or a student's answer and redraws its figure
in place when a slider moves; the metrics come from the package's private
reference implementation (:mod:`biometrics_lab._rates`).
"""

from .base_rate import BaseRateExplorer
from .groups import GroupThresholdExplorer
from .threshold import ThresholdExplorer

__all__ = ["BaseRateExplorer", "GroupThresholdExplorer", "ThresholdExplorer"]

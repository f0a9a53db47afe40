"""biometrics-lab: graded Jupyter labs on biometric recognition and its ethics.

What the notebooks import: committed data sets (:mod:`biometrics_lab.data`),
seeded generators (:mod:`biometrics_lab.synth`), figures
(:mod:`biometrics_lab.plots`), widgets (:mod:`biometrics_lab.widgets`) and the
case study's figures with their sources (:mod:`biometrics_lab.casestudy`).
Nothing here answers a question that a lab asks students to write.
"""

__version__ = "0.1.0"

"""Regenerate the pictures in docs/screenshots/: each lab, and each course widget.

Usage (from the repository root)::

    .venv/bin/python tests/browser/screenshots.py [lab-id ...]

For every lab (all labs with a solution by default) the released notebook, as
a student receives it, is opened in JupyterLab in headless Chromium and run
top to bottom, as the browser tests do. Then it saves

- ``docs/screenshots/<lab>.png``: the page with the lab's first figure at the top;
- ``docs/screenshots/<lab>-<widget>.png``: each course widget (the box around
  its first slider with class ``bl-<widget>-slider``), without code.

Needs Debian's Chromium at /usr/bin/chromium and Playwright for Python (the
test extras); downloads nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from biometrics_lab._paths import REPO_ROOT  # noqa: E402
from biometrics_lab.course import available_labs  # noqa: E402

OUT = REPO_ROOT / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    """Write the pictures; return an exit status."""
    from conftest import copy_course, missing_browser
    from labpage import LabBrowser
    from labserver import LabServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="lab ids (default: every lab with a solution)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT})")
    args = parser.parse_args(argv)
    reason = missing_browser()
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    labs = args.labs or available_labs()
    missing = [lab for lab in labs if not (REPO_ROOT / "labs" / lab / f"{lab}.ipynb").is_file()]
    if missing:
        print(f"error: not released: {', '.join(missing)} (run `biometrics-lab release`)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch) / "course", labs)
        with LabServer(course, Path(scratch) / "state") as server, sync_playwright() as playwright:
            browser = LabBrowser(playwright, server, plan=[f"{lab}/{lab}.ipynb" for lab in labs])
            try:
                for lab in labs:
                    for path in pictures_of(browser, lab, args.out):
                        print(f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
            finally:
                browser.close()
    return 0


def pictures_of(browser, lab: str, out: Path) -> list[Path]:
    """Run one lab's release in the browser; save its page picture and one per widget."""
    notebook, _ = browser.run(f"{lab}/{lab}.ipynb", out / f"{lab}.png")
    written = [out / f"{lab}.png"]
    from sliders import Sliders

    sliders = Sliders(notebook)
    pictured = set()
    for slider in sliders.find():  # one picture per widget kind: its first visible slider's box
        if slider["visible"] and slider["name"] not in pictured:
            pictured.add(slider["name"])
            written.append(sliders.screenshot(slider["id"], out / f"{lab}-{slider['name']}.png"))
    for path in written:
        shrink(path)
    return written


def shrink(path: Path) -> None:
    """Rewrite a PNG with a 256-colour palette: about half the bytes, no visible change for UI and plots."""
    from PIL import Image

    with Image.open(path) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())

"""Course widgets' sliders in a notebook page: find them, read them, move them by keyboard.

A slider is an element with a CSS class ``bl-<name>-slider`` (ipywidgets'
``add_class``); the widget it belongs to is the nearest enclosing box that
also holds a ``bl-<name>-readout``. Widgets are found by these classes alone,
so a lab's new widget is driven as soon as it lands.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from labpage import NotebookPage

# Tag every visible bl-<name>-slider with data-bl-slider="<name>-<k>" and its widget box (the
# nearest ancestor that also holds a bl-<name>-readout) with data-bl-box="<name>-<k> ..." (a box
# may hold several sliders).
_TAG_SLIDERS = """() => {
    for (const old of document.querySelectorAll('[data-bl-box]')) old.removeAttribute('data-bl-box');
    const seen = {}, found = [];
    for (const el of document.querySelectorAll('.jp-Notebook [class*="bl-"]')) {
        for (const css of el.classList) {
            const m = /^bl-([a-z0-9-]+)-slider$/.exec(css);
            if (!m) continue;
            const name = m[1], id = `${name}-${seen[name] = (seen[name] || 0) + 1}`;
            el.setAttribute('data-bl-slider', id);
            let box = el.parentElement;
            while (box && !box.matches('.jp-Cell') && !box.querySelector(`.bl-${name}-readout`)) box = box.parentElement;
            if (box && box.matches('.jp-Cell')) box = el.closest('.jp-OutputArea-output') || box;
            if (box) box.setAttribute('data-bl-box', `${box.getAttribute('data-bl-box') || ''} ${id}`.trim());
            found.push({id, name, visible: el.offsetParent !== null && el.getClientRects().length > 0});
        }
    }
    return found;
}"""

_SLIDER_STATE = """(id) => {
    const slider = document.querySelector(`[data-bl-slider="${id}"]`);
    const box = document.querySelector(`[data-bl-box~="${id}"]`);
    const name = id.replace(/-[0-9]+$/, '');
    const handle = slider.querySelector('[role="slider"]');
    const readout = box.querySelector(`.bl-${name}-readout`);
    // the slider's own readout shows the value as the widget formats it; aria-valuenow may be rounded
    const shown = slider.querySelector('.widget-readout');
    return {value: shown && shown.innerText.trim() ? shown.innerText.trim()
                   : handle ? handle.getAttribute('aria-valuenow') : null,
            readout: readout ? readout.innerText : null,
            images: [...box.querySelectorAll('img')].map(i => i.src)};
}"""


@dataclass
class SliderState:
    """What a course widget shows at one slider position."""

    value: str  # the slider's own readout (or its aria-valuenow)
    readout: str  # text of the widget's ``bl-<name>-readout`` element
    images: list[str]  # src of every image in the widget's cell output


class Sliders:
    """The course sliders of one open notebook.

    Parameters
    ----------
    notebook : labpage.NotebookPage
    """

    def __init__(self, notebook: NotebookPage):
        self.notebook = notebook
        self.page = notebook.page

    def find(self) -> list[dict]:
        """Return every course slider on the page: ``{"id", "name", "visible"}``, in page order.

        A slider is an element with a CSS class ``bl-<name>-slider``; its id
        is ``<name>-<k>`` (the k-th of that name). Its widget box is the
        nearest ancestor that also holds a ``bl-<name>-readout``.
        """
        return self.page.evaluate(_TAG_SLIDERS)

    def state(self, slider_id: str) -> SliderState:
        """Return what the widget of slider ``slider_id`` shows now."""
        return SliderState(**self.page.evaluate(_SLIDER_STATE, slider_id))

    def room(self, slider_id: str) -> tuple[float, float]:
        """Return how far the slider can move down and up (in its handle's aria units)."""
        now, low, high = self.page.locator(f'[data-bl-slider="{slider_id}"] [role="slider"]').evaluate(
            "el => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax'].map(a => parseFloat(el.getAttribute(a)))")
        return now - low, high - now

    def focus(self, slider_id: str):
        """Give the slider's handle keyboard focus; return its locator.

        The handle must be in the tab order (``tabindex >= 0``), so a person
        reaches it with Tab; it is then focused directly, because Tab through
        the notebook would first enter the cells' code editors.
        """
        handle = self.page.locator(f'[data-bl-slider="{slider_id}"] [role="slider"]')
        assert handle.count() == 1, f"slider {slider_id} should hold one handle, found {handle.count()}"
        tab_index = handle.evaluate("el => el.tabIndex")
        assert tab_index >= 0, f"the handle of slider {slider_id} is not in the tab order (tabindex {tab_index})"
        handle.scroll_into_view_if_needed()
        handle.focus()
        assert handle.evaluate("el => el === document.activeElement"), f"slider {slider_id} did not take focus"
        return handle

    def press(self, slider_id: str, key: str, times: int = 1, grace: float = 1.0) -> SliderState:
        """Press ``key`` on the focused slider ``times`` times; return the state after the redraw.

        Waits for the slider value to change in the page, for the kernel to
        turn busy with it and idle again, then up to ``grace`` seconds for
        the readout and the figure to change (the caller asserts what changed).
        """
        before = self.state(slider_id)
        busy = self._busy_count()
        for _ in range(times):
            self.page.keyboard.press(key)
        deadline = time.monotonic() + 5.0
        while self.state(slider_id).value == before.value and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.state(slider_id).value != before.value:
            # the new value goes to the kernel: wait until it has started on it, then until it is done
            self.page.wait_for_function("(n) => window.__blBusy > n", arg=busy, timeout=10_000, polling=50)
        self.notebook.wait_until_settled()
        deadline = time.monotonic() + grace
        state = self.state(slider_id)
        while (state.readout == before.readout or state.images == before.images) and time.monotonic() < deadline:
            time.sleep(0.1)
            state = self.state(slider_id)
        return state

    def _busy_count(self) -> int:
        """Return how often the kernel has turned busy since the first call (which starts counting)."""
        return self.page.evaluate("""() => {
            if (window.__blBusy === undefined) {
                window.__blBusy = 0;
                window.jupyterapp.shell.currentWidget.sessionContext.statusChanged.connect(
                    (_, status) => { if (status === 'busy') window.__blBusy += 1; });
            }
            return window.__blBusy; }""")

    def screenshot(self, slider_id: str, path: Path) -> Path:
        """Save a picture of the widget box of slider ``slider_id`` (its output, not the code)."""
        box = self.page.locator(f'[data-bl-box~="{slider_id}"]')
        height = box.evaluate("el => el.getBoundingClientRect().height")
        viewport = self.page.viewport_size
        # The notebook panel is the viewport less JupyterLab's bars: grow the window to fit the widget.
        tall = max(viewport["height"], int(height) + 250)
        if tall != viewport["height"]:
            self.page.set_viewport_size({"width": viewport["width"], "height": tall})
        try:
            box.evaluate("el => el.scrollIntoView({block: 'center'})")
            # the box spans the output's width: clip to where its content ends on the right
            clip = box.evaluate("""el => { const r = el.getBoundingClientRect();
                let right = r.left;
                for (const d of el.querySelectorAll('*')) {
                    if (d.children.length) continue;  // leaves: text, images, slider parts
                    const b = d.getBoundingClientRect();
                    if (b.width && b.height) right = Math.max(right, b.right);
                }
                return {x: r.left, y: r.top, width: Math.min(r.width, right - r.left + 12), height: r.height}; }""")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(path), clip=clip)
        finally:
            if tall != viewport["height"]:
                self.page.set_viewport_size(viewport)
        return path


def check_slider_responds(notebook: NotebookPage, slider_id: str, pictures: Path, steps: int = 3) -> list[Path]:
    """Move a slider by keyboard and back; assert the readout and the figure follow.

    Focus the handle and press the arrow towards the slider's farther end
    ``steps`` times: the slider value and the ``bl-<name>-readout`` text must
    change, and so must the figure image(s) in the widget box. Then press
    the other arrow until the value is back (at most ``steps`` times): value
    and readout must be what they were. A figure of rounded counts (an icon
    array) may not change for a few small steps; then End (or Home) moves
    the slider to its farther end, where the figure must differ from the
    start. Saves a picture of each state.

    Parameters
    ----------
    notebook : NotebookPage
    slider_id : str
        ``<name>-<k>`` from ``Sliders.find()``.
    pictures : Path
        Folder for the pictures.
    steps : int
        Arrow presses per move.

    Returns
    -------
    pictures : list of Path
        The widget at the start, after the move, back, and (if used) at the end.
    """
    name = slider_id.rsplit("-", 1)[0]
    sliders = Sliders(notebook)
    sliders.find()  # (re)tags the sliders and their boxes
    sliders.focus(slider_id)
    start = sliders.state(slider_id)
    assert start.readout is not None, f"no bl-{name}-readout in the widget of slider {slider_id}"
    assert start.images, f"the widget of slider {slider_id} shows no figure image"
    below, above = sliders.room(slider_id)
    assert below + above > 0, f"slider {slider_id} has no range to move in"
    forward, back, far = ("ArrowRight", "ArrowLeft", "End") if above >= below else ("ArrowLeft", "ArrowRight", "Home")
    shots = [sliders.screenshot(slider_id, pictures / f"{slider_id}-0-start.png")]

    moved = sliders.press(slider_id, forward, steps)
    shots.append(sliders.screenshot(slider_id, pictures / f"{slider_id}-1-{forward}x{steps}.png"))
    assert moved.value != start.value, f"{forward} on slider {slider_id} did not move it (value {start.value})"
    assert moved.readout != start.readout, (
        f"bl-{name}-readout did not change when slider {slider_id} moved {start.value} -> {moved.value}: "
        f"{start.readout!r}")

    sliders.focus(slider_id)
    home = moved
    for _ in range(steps):  # the forward move may have stopped early at an end: step back until home
        home = sliders.press(slider_id, back)
        if home.value == start.value:
            break
    shots.append(sliders.screenshot(slider_id, pictures / f"{slider_id}-2-back.png"))
    assert home.value == start.value, (
        f"{back} (up to {steps} times) did not bring slider {slider_id} back to {start.value} (now {home.value})")
    assert home.readout == start.readout, (
        f"bl-{name}-readout differs after slider {slider_id} moved back to {start.value}: "
        f"{home.readout!r} vs {start.readout!r}")

    if moved.images == start.images:
        sliders.focus(slider_id)
        end = sliders.press(slider_id, far)
        shots.append(sliders.screenshot(slider_id, pictures / f"{slider_id}-3-{far}.png"))
        assert end.images != start.images, (
            f"the figure of slider {slider_id} did not change when it moved {start.value} -> {moved.value}, "
            f"nor at its end ({far}: {end.value})")
    return shots

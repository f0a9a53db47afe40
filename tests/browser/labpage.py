"""Drive a notebook in JupyterLab through headless Chromium, as a student would.

Menus are clicked, sliders are moved with the keyboard and *Validate* is
pressed; what the page shows is read from the DOM (images, widget views,
dialogs) and, for each cell's outputs and nbgrader metadata, from the
notebook model that ``window.jupyterapp`` exposes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from rules import CellReport

#: Debian's Chromium; Playwright never downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")
#: Flags that work as root in a container (from the feasibility trial).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}


_READY = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return !!(w && w.context && w.context.isReady && w.content && w.content.widgets
              && w.sessionContext.kernelDisplayStatus === 'idle'); }"""

_STATE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return {widget: w ? w.constructor.name + ' ' + w.title.label : null, ready: !!(w && w.context && w.context.isReady),
            kernel: w && w.sessionContext ? w.sessionContext.kernelDisplayStatus : null}; }"""

# Settled: kernel idle and no prompt shows "*" (a queued or running cell).
_SETTLED = """() => { const w = window.jupyterapp.shell.currentWidget;
    const busy = [...w.node.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'));
    return w.sessionContext.kernelDisplayStatus === 'idle' && !busy; }"""

_EXECUTION_COUNTS = """() => window.jupyterapp.shell.currentWidget.content.widgets
    .map(c => c.model.type === 'code' ? (c.model.executionCount || 0) : 0)"""

_CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map((c, index) => {
    const outputs = c.model.type === 'code' ? c.model.outputs.toJSON() : [];
    const errors = [];
    for (const o of outputs) {
        if (o.output_type === 'error') errors.push(o.ename);
        else if (o.output_type === 'stream' && o.name === 'stderr') errors.push('stderr');
    }
    return {index, kind: c.model.type, nbgrader: c.model.getMetadata('nbgrader') || {},
            execution_count: c.model.type === 'code' ? c.model.executionCount : null,
            errors,
            mime_types: outputs.flatMap(o => o.output_type === 'stream' ? ['text/' + o.name]
                                            : o.output_type === 'error' ? ['error'] : Object.keys(o.data || {})),
            text: outputs.filter(o => o.output_type === 'stream' && o.name === 'stdout')
                         .map(o => Array.isArray(o.text) ? o.text.join('') : o.text).join(''),
            empty: c.model.sharedModel.getSource().trim() === '',
            head: c.model.sharedModel.getSource().slice(0, 200)};
})"""

# What a person sees go wrong in the rendered outputs.
_VISUAL_PROBLEMS = """() => {
    const problems = [];
    const cells = [...window.jupyterapp.shell.currentWidget.content.widgets];
    cells.forEach((cell, index) => {
        for (const img of cell.node.querySelectorAll('.jp-OutputArea-output img')) {
            if (!(img.complete && img.naturalWidth > 0)) problems.push(`cell ${index}: an image did not load`);
            else if (img.clientWidth > 1.25 * img.naturalWidth)  // stretched by CSS: blurry at 1x
                problems.push(`cell ${index}: an image (${[...img.classList].filter(c => c.startsWith('bl-')).join(' ') || 'figure'}) `
                              + `${img.naturalWidth} px wide is shown ${img.clientWidth} px wide (upscaled, blurry)`);
        }
        for (const out of cell.node.querySelectorAll('.jp-OutputArea-output')) {
            const text = out.textContent;
            if (text.includes('Error displaying widget')) problems.push(`cell ${index}: Error displaying widget`);
            if (/Loading widget/i.test(text)) problems.push(`cell ${index}: a widget is still loading`);
            if (out.matches('.jp-RenderedText') && /^<Figure size [^>]*>$/m.test(text))
                problems.push(`cell ${index}: a figure shown as text (${text.trim().slice(0, 60)})`);
        }
    });
    return problems;
}"""

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


class NotebookPage:
    """One notebook open in JupyterLab, in its own browser page.

    Parameters
    ----------
    page : playwright.sync_api.Page
    """

    def __init__(self, page):
        self.page = page
        self.passes = 0  # Run All, then one per "Run Selected Cell and All Below" (see run_through)

    # -- running ----------------------------------------------------------------------------------

    def run_through(self, timeout: float = 180.0) -> list[CellReport]:
        """Run every cell as a student would; return what each cell shows.

        Run > Run All Cells stops at the first error (an unanswered stub, or
        its check cell). After each stop, select the first code cell that has
        not run and press Run > Run Selected Cell and All Below, until a pass
        leaves no code cell unrun. Every code cell therefore runs exactly
        once, in order. A cell that a pass started from but did not run ends
        the loop (the caller's unexecuted_code_cells check reports it).
        """
        deadline = time.monotonic() + timeout
        self._run_and_wait("runmenu:run-all", deadline)
        self.passes = 1
        start = -1
        while True:
            cells = self.cells()
            unrun = [cell.index for cell in cells
                     if cell.index > start and cell.kind == "code" and not cell.empty and cell.execution_count is None]
            if not unrun:
                return cells
            start = unrun[0]
            self.select_cell(start)
            self._run_and_wait("notebook:run-all-below", deadline, by_menu=False)
            self.passes += 1

    def _run_and_wait(self, command: str, deadline: float, by_menu: bool = True) -> None:
        """Click Run > ``command``; wait until a cell has run and the kernel settles.

        With ``by_menu=False`` the command that the menu item would run is
        executed directly (the repeated passes of run_through: the menu is
        exercised by the first one, each click costs about a second under load).
        A click right after the kernel turns idle is sometimes lost (seen in the
        trial): if no cell starts within 20 s, click once more.
        """
        before = self.page.evaluate(_EXECUTION_COUNTS)
        for attempt in range(2):
            if by_menu:
                self.click_menu("Run", command)
            else:
                self.page.evaluate("(c) => { window.jupyterapp.commands.execute(c); }", command)
            try:
                self.page.wait_for_function(
                    f"""(before) => {{ const now = ({_EXECUTION_COUNTS})();
                        const busy = ({_SETTLED})() === false;
                        return busy || now.some((n, i) => n !== before[i]); }}""",
                    arg=before, timeout=20_000, polling=100)
                break
            except Exception:
                if attempt:
                    raise
        self.wait_until_settled(deadline)

    def wait_until_settled(self, deadline: float | None = None) -> None:
        """Wait until the kernel is idle and no cell is queued, twice in a row 0.3 s apart."""
        deadline = deadline or time.monotonic() + 120
        while True:
            remaining = max(1.0, deadline - time.monotonic()) * 1000
            self.page.wait_for_function(_SETTLED, timeout=remaining, polling=100)
            time.sleep(0.3)
            if self.page.evaluate(_SETTLED):
                return

    def click_menu(self, menu: str, command: str) -> None:
        """Open a menu of the main menu bar and click the item for ``command``."""
        self.page.keyboard.press("Escape")  # close a menu left open by a lost click
        self.page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
        self.page.locator(f'.lm-Menu .lm-Menu-item[data-command="{command}"]').click()

    def select_cell(self, index: int) -> None:
        """Make cell ``index`` the active cell, in command mode."""
        self.page.evaluate("""(i) => { const nb = window.jupyterapp.shell.currentWidget.content;
            nb.mode = 'command'; nb.activeCellIndex = i; }""", index)
        self.page.wait_for_function(
            "(i) => window.jupyterapp.shell.currentWidget.content.activeCellIndex === i", arg=index)

    # -- reading ----------------------------------------------------------------------------------

    def cells(self) -> list[CellReport]:
        """Return what every cell shows now."""
        return [CellReport(**cell) for cell in self.page.evaluate(_CELLS)]

    def visual_problems(self) -> list[str]:
        """Return what a person would see go wrong: images not loaded or stretched, widget errors, figures as text."""
        return self.page.evaluate(_VISUAL_PROBLEMS)

    def image_cells(self) -> list[int]:
        """Return the indices of cells whose outputs include a rendered image."""
        return self.page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
            .map((c, i) => c.node.querySelector('.jp-OutputArea-output img') ? i : -1).filter(i => i >= 0)""")

    def sliders(self) -> list[dict]:
        """Return every course slider on the page: ``{"id", "name", "visible"}``, in page order.

        A slider is an element with a CSS class ``bl-<name>-slider``; its id
        is ``<name>-<k>`` (the k-th of that name). Its widget box is the
        nearest ancestor that also holds a ``bl-<name>-readout``.
        """
        return self.page.evaluate(_TAG_SLIDERS)

    # -- widgets ----------------------------------------------------------------------------------

    def slider_state(self, slider_id: str) -> SliderState:
        """Return what the widget of slider ``slider_id`` shows now."""
        return SliderState(**self.page.evaluate(_SLIDER_STATE, slider_id))

    def slider_room(self, slider_id: str) -> tuple[float, float]:
        """Return how far the slider can move down and up (in its handle's aria units)."""
        now, low, high = self.page.locator(f'[data-bl-slider="{slider_id}"] [role="slider"]').evaluate(
            "el => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax'].map(a => parseFloat(el.getAttribute(a)))")
        return now - low, high - now

    def focus_slider(self, slider_id: str):
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

    def press_slider(self, slider_id: str, key: str, times: int = 1, grace: float = 1.0) -> SliderState:
        """Press ``key`` on the focused slider ``times`` times; return the state after the redraw.

        Waits for the slider value to change in the page, for the kernel to
        turn busy with it and idle again, then up to ``grace`` seconds for
        the readout and the figure to change (the caller asserts what changed).
        """
        before = self.slider_state(slider_id)
        busy = self._busy_count()
        for _ in range(times):
            self.page.keyboard.press(key)
        deadline = time.monotonic() + 5.0
        while self.slider_state(slider_id).value == before.value and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.slider_state(slider_id).value != before.value:
            # the new value goes to the kernel: wait until it has started on it, then until it is done
            self.page.wait_for_function("(n) => window.__blBusy > n", arg=busy, timeout=10_000, polling=50)
        self.wait_until_settled()
        deadline = time.monotonic() + grace
        state = self.slider_state(slider_id)
        while (state.readout == before.readout or state.images == before.images) and time.monotonic() < deadline:
            time.sleep(0.1)
            state = self.slider_state(slider_id)
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

    # -- nbgrader ---------------------------------------------------------------------------------

    def validate(self, timeout: float = 120.0) -> tuple[str, str]:
        """Press nbgrader's Validate button; return (outcome, dialog text) and close the dialog.

        ``outcome`` is ``"success"`` (a ``.jp-Dialog.nbgrader-SuccessDialog``),
        ``"failed"`` (``.validation-failed`` inside a ``.jp-Dialog.nbgrader-ErrorDialog``)
        or ``"other"`` (e.g. an error of nbgrader itself).
        """
        self.page.locator(".validate-button").first.click()
        dialog = self.page.locator(".jp-Dialog.nbgrader-SuccessDialog, .jp-Dialog.nbgrader-ErrorDialog").first
        dialog.wait_for(timeout=timeout * 1000)
        text = dialog.inner_text()
        if "nbgrader-SuccessDialog" in dialog.get_attribute("class"):
            outcome = "success"
        elif dialog.locator(".validation-failed").count():
            outcome = "failed"
        else:
            outcome = "other"
        return outcome, text

    def close_dialog(self) -> None:
        """Close an open dialog with its accept button."""
        self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").first.click()
        self.page.locator(".jp-Dialog").wait_for(state="detached")

    # -- pictures ---------------------------------------------------------------------------------

    def screenshot_cell(self, index: int, path: Path) -> Path:
        """Scroll cell ``index`` to the top of the notebook and save a screenshot of the page."""
        self.page.evaluate("""(i) => { const w = window.jupyterapp.shell.currentWidget.content;
            w.activeCellIndex = i; w.widgets[i].node.scrollIntoView({block: 'start'}); }""", index)
        time.sleep(0.2)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path

    def screenshot_widget(self, slider_id: str, path: Path) -> Path:
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


class LabBrowser:
    """One Chromium and one browser context for a session; notebooks open in pages of it.

    Parameters
    ----------
    playwright : playwright.sync_api.Playwright
    server : labserver.LabServer
    plan : list of str, optional
        The notebooks (paths under the served folder) in the order they will be opened.
    """

    def __init__(self, playwright, server, plan: list[str] = ()):
        self.server = server
        self.plan = list(plan)
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                  args=CHROMIUM_FLAGS)
        self.context = self.browser.new_context(viewport=VIEWPORT)
        self._current: tuple[str, NotebookPage] | None = None
        self._next: tuple[str, object] | None = None  # (path, page) loading ahead

    def open(self, relative: str, timeout: float = 90.0) -> NotebookPage:
        """Open ``relative`` (a path under the served folder) in its own page; wait for an idle kernel.

        The previous notebook's page is closed and its kernel shut down first.
        If ``relative`` is in ``plan``, the page of the notebook after it
        starts loading now (JupyterLab and a kernel start, ~5 s) while this one
        runs: at most two kernels are up at once, and only one runs cells.
        """
        self.close_current()
        then = self.plan[self.plan.index(relative) + 1] if relative in self.plan[:-1] else None
        if self._next is not None and self._next[0] == relative:
            page = self._next[1]
            self._next = None
            page.bring_to_front()
        else:
            self._drop_next()
            page = self._load(relative)
        try:
            page.wait_for_function(_READY, timeout=timeout * 1000, polling=200)
        except Exception as error:
            state = page.evaluate(_STATE)
            raise RuntimeError(f"{relative} did not open with an idle kernel within {timeout:.0f} s: "
                               f"{state}; page text: {page.inner_text('body')[:500]!r}") from error
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook gets the width
        notebook = NotebookPage(page)
        self._current = (relative, notebook)
        if then is not None and then != relative:
            self._drop_next()
            self._next = (then, self._load(then, wait_until="commit"))
            page.bring_to_front()
        return notebook

    def _load(self, relative: str, wait_until: str = "load"):
        page = self.context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(self.server.page_url(relative), wait_until=wait_until)
        return page

    def close_current(self) -> None:
        """Close the open notebook page and shut its kernel down."""
        if self._current is not None:
            relative, notebook = self._current
            self._current = None
            notebook.page.close(run_before_unload=False)
            self.server.end_sessions(relative)

    def _drop_next(self) -> None:
        if self._next is not None:
            relative, page = self._next
            self._next = None
            page.close(run_before_unload=False)
            self.server.end_sessions(relative)

    def close(self) -> None:
        """Close every page and the browser."""
        self.close_current()
        self._drop_next()
        self.browser.close()


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
        ``<name>-<k>`` from ``NotebookPage.sliders()``.
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
    notebook.sliders()  # (re)tags the sliders and their boxes
    notebook.focus_slider(slider_id)
    start = notebook.slider_state(slider_id)
    assert start.readout is not None, f"no bl-{name}-readout in the widget of slider {slider_id}"
    assert start.images, f"the widget of slider {slider_id} shows no figure image"
    below, above = notebook.slider_room(slider_id)
    assert below + above > 0, f"slider {slider_id} has no range to move in"
    forward, back, far = ("ArrowRight", "ArrowLeft", "End") if above >= below else ("ArrowLeft", "ArrowRight", "Home")
    shots = [notebook.screenshot_widget(slider_id, pictures / f"{slider_id}-0-start.png")]

    moved = notebook.press_slider(slider_id, forward, steps)
    shots.append(notebook.screenshot_widget(slider_id, pictures / f"{slider_id}-1-{forward}x{steps}.png"))
    assert moved.value != start.value, f"{forward} on slider {slider_id} did not move it (value {start.value})"
    assert moved.readout != start.readout, (
        f"bl-{name}-readout did not change when slider {slider_id} moved {start.value} -> {moved.value}: "
        f"{start.readout!r}")

    notebook.focus_slider(slider_id)
    home = moved
    for _ in range(steps):  # the forward move may have stopped early at an end: step back until home
        home = notebook.press_slider(slider_id, back)
        if home.value == start.value:
            break
    shots.append(notebook.screenshot_widget(slider_id, pictures / f"{slider_id}-2-back.png"))
    assert home.value == start.value, (
        f"{back} (up to {steps} times) did not bring slider {slider_id} back to {start.value} (now {home.value})")
    assert home.readout == start.readout, (
        f"bl-{name}-readout differs after slider {slider_id} moved back to {start.value}: "
        f"{home.readout!r} vs {start.readout!r}")

    if moved.images == start.images:
        notebook.focus_slider(slider_id)
        end = notebook.press_slider(slider_id, far)
        shots.append(notebook.screenshot_widget(slider_id, pictures / f"{slider_id}-3-{far}.png"))
        assert end.images != start.images, (
            f"the figure of slider {slider_id} did not change when it moved {start.value} -> {moved.value}, "
            f"nor at its end ({far}: {end.value})")
    return shots

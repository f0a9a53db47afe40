"""Drive a notebook in JupyterLab through headless Chromium, as a student would.

Menus are clicked and *Validate* is pressed; what the page shows is read from
the DOM (images, widget views, dialogs) and, for each cell's outputs and
nbgrader metadata, from the notebook model that ``window.jupyterapp``
exposes. Sliders are driven by sliders.py.
"""

from __future__ import annotations

import re
import time
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

# 1 for each non-blank code cell that has not run, else 0 (cheaper than _CELLS between passes)
_UNRUN = """() => window.jupyterapp.shell.currentWidget.content.widgets.map(c =>
    c.model.type === 'code' && !c.model.executionCount && c.model.sharedModel.getSource().trim() !== '' ? 1 : 0)"""

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
        once, in order. (The kernel aborts only the requests already queued
        when a cell fails, so a pass may run on past a fast failure; the
        number of passes varies, the cells run do not.) A cell that a pass
        started from but did not run is skipped; the caller's
        unexecuted_code_cells check reports it.
        """
        deadline = time.monotonic() + timeout
        self._run_and_wait("runmenu:run-all", deadline)
        self.passes = 1
        start = -1
        while True:
            unrun = [index for index, count in enumerate(self.page.evaluate(_UNRUN)) if index > start and count]
            if not unrun:
                return self.cells()
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
        """Wait until the kernel is idle and no cell is queued, twice in a row 0.15 s apart."""
        deadline = deadline or time.monotonic() + 120
        while True:
            remaining = max(1.0, deadline - time.monotonic()) * 1000
            self.page.wait_for_function(_SETTLED, timeout=remaining, polling=50)
            time.sleep(0.15)
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

    def run(self, relative: str, picture: Path | None = None) -> tuple[NotebookPage, list[CellReport]]:
        """Open ``relative``, run it through, and save a picture with its first figure at the top.

        Returns
        -------
        notebook : NotebookPage
            The page, left open on the run notebook.
        cells : list of CellReport
            What each cell shows (NotebookPage.run_through).
        """
        notebook = self.open(relative)
        cells = notebook.run_through()
        if picture is not None:
            images = notebook.image_cells()
            notebook.screenshot_cell(images[0] if images else 0, picture)
        return notebook, cells

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

"""A private JupyterLab server for browser tests and screenshots.

It is started the way ``biometrics-lab lab`` (``make lab``) starts one: this
interpreter's ``python -m jupyter lab``, with ``root_dir`` and the working
directory both set to the served folder, so nbgrader's *Validate* button reads
the configuration a student's would (none: the labs folder holds no
``nbgrader_config.py``). What differs is only what a test needs: a free
localhost port, a random token, no browser, ``window.jupyterapp`` exposed
(the tests read cell outputs from the notebook model), and private Jupyter
settings, workspaces, runtime, config and data folders so that nothing of the
user's own Jupyter set-up (or a news popup) takes part.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from biometrics_lab._paths import path_with_interpreter_scripts

#: JupyterLab settings written into the private settings folder.
LAB_SETTINGS = {
    # The "get notified about Jupyter news" popup covers the notebook;
    # ``--LabApp.news_url=None`` does not stop it, these settings do.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
    # Every cell in the DOM, rendered, whether or not it is scrolled into view.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    """Return a TCP port on localhost that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """A JupyterLab server serving one folder; use as a context manager.

    Parameters
    ----------
    root : Path
        The folder served (``root_dir``), also the server's working directory.
    state : Path
        An empty folder for the server's private settings, logs and runtime files.
    """

    def __init__(self, root: Path, state: Path):
        self.root = Path(root).resolve()
        self.state = Path(state).resolve()
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state / "jupyterlab.log"
        self._process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        """Return the command line that starts the server."""
        command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={self.root}",
                   "--no-browser", f"--port={self.port}", "--ServerApp.port_retries=0",
                   "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
                   # window.jupyterapp: tests read each cell's outputs (ename, mime types) from the model
                   "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # as biometrics-lab lab does on CI machines
        return command

    def environment(self) -> dict[str, str]:
        """Return the server's environment: private Jupyter folders under ``state``."""
        folders = {name: self.state / name for name in ("settings", "workspaces", "runtime", "config", "data")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        for relative, values in LAB_SETTINGS.items():
            path = folders["settings"] / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        return dict(os.environ,
                    PATH=path_with_interpreter_scripts(os.environ.get("PATH", "")),
                    JUPYTERLAB_SETTINGS_DIR=str(folders["settings"]),
                    JUPYTERLAB_WORKSPACES_DIR=str(folders["workspaces"]),
                    JUPYTER_RUNTIME_DIR=str(folders["runtime"]),
                    JUPYTER_CONFIG_DIR=str(folders["config"]),
                    JUPYTER_DATA_DIR=str(folders["data"]),
                    JUPYTER_PLATFORM_DIRS="0")

    def start(self, timeout: float = 90.0) -> "LabServer":
        """Start the server and wait until ``/api/status`` answers."""
        self.state.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(self.command(), cwd=self.root, env=env, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self._process.returncode}:\n{self.log()}")
            try:
                self.api("GET", "status")
                return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log()}")

    def api(self, method: str, endpoint: str):
        """Call the server's REST API; return the decoded JSON answer (or None)."""
        request = urllib.request.Request(f"{self.url}/api/{endpoint}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def end_sessions(self, relative: str | None = None) -> None:
        """End the sessions (and their kernels) of notebook ``relative``, or all of them."""
        for session in self.api("GET", "sessions"):
            if relative is None or session.get("path") == relative:
                self.api("DELETE", f"sessions/{session['id']}")

    def page_url(self, relative: str) -> str:
        """Return the URL that opens ``relative`` (a path under root) in a fresh workspace."""
        return f"{self.url}/lab/tree/{relative}?reset&token={self.token}"

    def log(self) -> str:
        """Return the server's log so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server as Ctrl+C twice would; it then ends its kernels too."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # the second one skips the "Shut down? (y/[n])" prompt
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> "LabServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

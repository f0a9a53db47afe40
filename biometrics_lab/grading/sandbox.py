"""Run a student's kernel under bubblewrap and resource limits.

The kernel command (``python -m ipykernel_launcher -f <connection file>``) is
wrapped as::

    prlimit --cpu --as --nproc --fsize --core=0 --
      bwrap --ro-bind / / --dev /dev --proc /proc --unshare-net --unshare-pid ...
            --tmpfs <each hidden folder> --ro-bind <what the kernel needs>
            --bind <scratch> <scratch> --remount-ro <each hidden folder> --
        setpriv --reuid <sandbox uid> ...  python -m ipykernel_launcher -f ...

so that the kernel has no network, sees the file system read-only, sees empty
folders in place of the course (``solutions/``, the gradebook, other students'
work, the submissions, ``/tmp``, home folders), writes only to its scratch
folder, and runs as an unprivileged user whose process count is limited (root
is exempt from ``RLIMIT_NPROC``, hence ``setpriv``). The kernel talks to the
grader over Unix sockets in the scratch folder (ZeroMQ ``ipc`` transport): with
no network namespace of its own, TCP on localhost would not reach it.

What this does not cover is written in ``docs/grading.md`` (threat model).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait

from .._paths import REPO_ROOT, data_dir

#: First uid used for sandboxed kernels; worker ``i`` uses ``SANDBOX_UID_BASE + i``.
SANDBOX_UID_BASE = 61000


def _pids_of(uid: int) -> list[int]:
    """Return the ids of the live processes owned by ``uid`` (from ``/proc``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:  # the process ended while we looked
                continue
    return pids


def bwrap_path() -> str | None:
    """Return the path of ``bwrap`` if it is installed and works here, else None."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    import subprocess

    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
             "--unshare-pid", "--die-with-parent", "true"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


def unavailable_reason() -> str | None:
    """Say why the sandbox cannot run here, or None if it can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if shutil.which("prlimit") is None:
        return "prlimit is not installed: apt-get install util-linux"
    if bwrap_path() is None:
        return "bwrap is installed but cannot create namespaces here (unprivileged user namespaces disabled?)"
    return None


@dataclasses.dataclass
class SandboxPolicy:
    """Where a kernel may read and write, and its resource limits.

    Parameters
    ----------
    scratch : Path
        The kernel's working folder, its only writable place. Keep its path
        short: Unix socket paths are limited to 107 bytes.
    hide : list of Path
        Folders replaced by empty read-only ones (the course, the gradebook's
        folder, the submissions, ``/tmp``, homes).
    expose : list of Path
        Folders inside hidden ones that the kernel needs, bound read-only
        (the Python environment, this package, its data).
    uid : int or None
        Unprivileged uid for the kernel when the grader runs as root.
    cpu_seconds, memory_bytes, max_processes, max_file_bytes : int
        ``RLIMIT_CPU``, ``RLIMIT_AS``, ``RLIMIT_NPROC``, ``RLIMIT_FSIZE``.
    """

    scratch: Path
    hide: list = dataclasses.field(default_factory=list)
    expose: list = dataclasses.field(default_factory=list)
    uid: int | None = None
    cpu_seconds: int = 300
    memory_bytes: int = 4 * 1024 ** 3
    max_processes: int = 256
    max_file_bytes: int = 64 * 1024 ** 2

    @classmethod
    def for_course(cls, scratch: Path, *, secret: list, config: Any, slot: int = 0) -> "SandboxPolicy":
        """Return the policy used for grading: hide the course and ``secret`` folders.

        Parameters
        ----------
        scratch : Path
            The kernel's scratch folder.
        secret : list of Path
            More folders to hide (the run's output folder, the submissions, a
            course root outside the checkout).
        config : GradingConfig
            Limits.
        slot : int
            Worker number; selects the sandbox uid.
        """
        hide = [REPO_ROOT, Path("/tmp"), Path("/var/tmp"), Path("/root"), Path("/home"), Path("/run"),
                Path("/var/run"), Path("/var/lib/postgresql"), *map(Path, secret)]
        # The venv, the interpreter it links to (pyenv keeps it under /root), this package, its data.
        expose = [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent,
                  Path(__file__).resolve().parent.parent, data_dir()]
        return cls(Path(scratch), hide=hide, expose=expose,
                   uid=SANDBOX_UID_BASE + slot if os.geteuid() == 0 else None,
                   cpu_seconds=int(config.cpu_seconds), memory_bytes=int(config.memory_bytes),
                   max_processes=int(config.max_processes), max_file_bytes=int(config.max_file_bytes))

    def prepare(self) -> None:
        """Create the scratch folder and give it to the sandbox user."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        if self.uid is not None:
            for root, dirs, files in os.walk(self.scratch):
                for name in [root, *(os.path.join(root, f) for f in files + dirs)]:
                    os.chown(name, self.uid, self.uid)

    def cpu_seconds_used(self) -> float | None:
        """Return the CPU seconds used so far by the sandbox user's processes.

        Sums user and system time of every live process of the sandbox uid,
        with the time of children they have waited for. None when the kernel
        has no uid of its own (the grader does not run as root).
        """
        if self.uid is None:
            return None
        ticks = 0
        for pid in _pids_of(self.uid):
            try:
                # Fields after the command name (which may hold spaces): utime, stime, cutime, cstime.
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += sum(int(value) for value in fields[11:15])
            except (OSError, IndexError, ValueError):
                continue
        return ticks / os.sysconf("SC_CLK_TCK")

    def reap(self, timeout: float = 10.0) -> int:
        """Kill every process left by the sandbox user; return how many there were.

        The pid namespace ends with the kernel, but its processes take a moment
        to exit, and ``RLIMIT_NPROC`` counts them against the next kernel of the
        same uid (after a fork bomb, that kernel could not start).
        """
        if self.uid is None:
            return 0
        import signal
        import time

        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            pids = _pids_of(self.uid)
            if not pids or time.monotonic() > deadline:
                return seen
            seen = max(seen, len(pids))
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)

    def _nproc(self) -> int:
        if self.uid is not None:
            return self.max_processes
        # Not root: RLIMIT_NPROC counts all of this user's processes, so allow those already running.
        return self.max_processes + len(_pids_of(os.getuid()))

    def wrap(self, command: list[str]) -> list[str]:
        """Return ``command`` wrapped in prlimit, bwrap and setpriv."""
        bwrap = shutil.which("bwrap")
        prlimit = shutil.which("prlimit")
        if bwrap is None or prlimit is None:
            raise RuntimeError(unavailable_reason() or "bwrap/prlimit missing")
        scratch = self.scratch.resolve()
        hidden = sorted({Path(os.path.realpath(p)) for p in self.hide if Path(p).exists()}, key=lambda p: len(p.parts))
        # Drop folders inside other hidden folders: the outer tmpfs already hides them.
        hidden = [p for p in hidden if not any(q != p and q in p.parents for q in hidden)]
        exposed = sorted({Path(os.path.realpath(p)) for p in self.expose if Path(p).exists()},
                         key=lambda p: len(p.parts))
        args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
                "--new-session",
                # ipykernel polls this pid and exits when it is gone; in the pid namespace it never exists.
                "--unsetenv", "JPY_PARENT_PID"]
        for path in hidden:
            args += ["--tmpfs", str(path)]
        made = set()
        for target in [*exposed, scratch]:
            inside = [h for h in hidden if h in target.parents]
            if not inside:
                continue
            # bwrap creates missing mount points with mode 0700; the sandbox user must traverse them.
            for parent in sorted(target.parents, key=lambda p: len(p.parts)):
                if any(h in parent.parents for h in inside) and parent not in made:
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(parent)
        for path in exposed:
            if any(h == path or h in path.parents for h in hidden):
                args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(scratch), str(scratch)]
        for path in hidden:
            args += ["--remount-ro", str(path)]
        args += ["--chdir", str(scratch), "--"]
        if self.uid is not None:
            args += [shutil.which("setpriv") or "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}",
                     "--clear-groups", "--inh-caps=-all"]
        limits = [prlimit, f"--cpu={self.cpu_seconds}", f"--as={self.memory_bytes}", f"--nproc={self._nproc()}",
                  f"--fsize={self.max_file_bytes}", "--core=0", "--"]
        return limits + args + list(command)


def kernel_env(scratch: Path) -> dict[str, str]:
    """A minimal environment for a student kernel (no grader secrets, one BLAS thread)."""
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(scratch),
        "IPYTHONDIR": str(scratch / ".ipython"),
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "XDG_CACHE_HOME": str(scratch / ".cache"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NBGRADER_EXECUTION": "autograde",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "VIRTUAL_ENV"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts ipykernel inside a :class:`SandboxPolicy`.

    With ``policy = None`` the kernel runs unconfined but still with the
    minimal environment and Unix-socket transport (``sandbox="off"``).
    """

    policy = AnyTrait(None, allow_none=True, help="SandboxPolicy, or None for no sandbox")
    scratch = AnyTrait(None, allow_none=True, help="scratch folder (Path)")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        scratch = Path(self.scratch)
        # Unix sockets work across network namespaces; TCP to the host's loopback would not.
        self.transport = "ipc"
        self.ip = str(scratch / "k")
        self.connection_file = str(scratch / "kernel.json")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        scratch = Path(self.scratch)
        kw["env"] = kernel_env(scratch)
        kw["cwd"] = str(scratch)
        if self.policy is not None:
            if self.policy.uid is not None:
                os.chown(self.connection_file, self.policy.uid, self.policy.uid)
            kernel_cmd = self.policy.wrap(kernel_cmd)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    @property
    def kernel_spec(self):  # type: ignore[override]
        spec = super().kernel_spec
        if spec is not None:
            # Interrupt through the control channel: a signal to bwrap would not reach the kernel.
            spec.interrupt_mode = "message"
        return spec

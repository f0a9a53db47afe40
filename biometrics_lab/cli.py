"""Command line: ``biometrics-lab lab | release | grade | data | nbgrader``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ._paths import LAB_IDS, REPO_ROOT, path_with_interpreter_scripts


def _cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on the released labs."""
    root = Path(args.directory) if args.directory else REPO_ROOT / "labs"
    if not root.is_dir():
        print(f"error: no labs folder at {root}; pass the folder that holds the labs", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if args.no_browser:
        command.append("--no-browser")
    if args.port:
        command.append(f"--port={args.port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers and CI machines often run as root, where Jupyter refuses to start.
        command.append("--allow-root")
    # nbgrader's Validate button reads nbgrader_config.py from the server's
    # working directory: start the server in the labs folder so that no
    # instructor configuration (solutions paths, gradebook) is picked up.
    return subprocess.call(command, cwd=root)


def _cmd_release(args: argparse.Namespace) -> int:
    """Regenerate labs/ from solutions/."""
    from .course import release

    try:
        released = release(args.labs or None)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in released:
        print(f"released {path.relative_to(REPO_ROOT)}")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    """Grade submissions (delegates to biometrics_lab.grading)."""
    from .grading.cli import run

    return run(args)


def _cmd_data(args: argparse.Namespace) -> int:
    """Rebuild the committed data sets and their MANIFEST."""
    from .datasets import build_all

    out = Path(args.out) if args.out else REPO_ROOT / "data"
    for path in build_all(out):
        print(f"wrote {path}")
    return 0


def _absolute_paths(arguments: list[str], cwd: Path) -> list[str]:
    """Return ``arguments`` with each one that names an existing file made absolute.

    Folders are left alone: ``autograde lab1-templates`` names an assignment,
    even when the caller stands where a folder of that name exists.

    nbgrader runs in the course's ``grading/`` folder, so that it loads the
    course's ``nbgrader_config.py`` from its working directory (nbgrader 0.9
    warns of a missing config whenever ``--NbGrader.config_file`` is given, even
    when it loads it). A notebook named relative to the caller's folder must
    therefore be resolved first.
    """
    return [str((cwd / argument).resolve())
            if not argument.startswith("-") and not Path(argument).is_absolute() and (cwd / argument).is_file()
            else argument
            for argument in arguments]


def _cmd_nbgrader(args: argparse.Namespace) -> int:
    """Run an nbgrader command with the course's configuration."""
    from .course import config_path

    config = config_path()
    # nbgrader's validate says nothing and exits 0 for a notebook that does not exist.
    missing = [argument for argument in args.arguments
               if argument.endswith(".ipynb") and not (Path.cwd() / argument).exists()]
    if missing:
        print(f"biometrics-lab nbgrader: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    nbgrader = Path(sys.executable).with_name("nbgrader")
    command = [str(nbgrader), *_absolute_paths(args.arguments, Path.cwd())]
    env = dict(os.environ, PATH=path_with_interpreter_scripts(os.environ.get("PATH", "")))
    return subprocess.call(command, cwd=config.parent, env=env)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``biometrics-lab``."""
    parser = argparse.ArgumentParser(prog="biometrics-lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    lab = commands.add_parser("lab", help="open JupyterLab on the labs")
    lab.add_argument("directory", nargs="?", help="folder of labs (default: labs/ of this checkout)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    lab.add_argument("--port", type=int, help="port for the server (default: Jupyter's)")
    lab.set_defaults(func=_cmd_lab)

    release = commands.add_parser("release", help="regenerate labs/ from solutions/ with nbgrader")
    release.add_argument("labs", nargs="*",
                         help=f"lab ids (default: all); one of {', '.join(LAB_IDS)}")
    release.set_defaults(func=_cmd_release)

    grade = commands.add_parser("grade", help="grade a class's submissions (folder, LMS zip or one notebook)")
    from .grading.cli import add_arguments

    add_arguments(grade)
    grade.set_defaults(func=_cmd_grade)

    data = commands.add_parser("data", help="rebuild the synthetic data sets under data/")
    data.add_argument("--out", help="output folder (default: data/ of this checkout)")
    data.set_defaults(func=_cmd_data)

    nbgrader = commands.add_parser(
        "nbgrader",
        help="run an nbgrader command with the course configuration (e.g. `nbgrader autograde lab1-templates`)",
    )
    nbgrader.add_argument("arguments", nargs=argparse.REMAINDER, help="nbgrader's own arguments")
    nbgrader.set_defaults(func=_cmd_nbgrader)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Gradescope autograder set-up: runs once when the autograder image is built.
# Upload a zip of the course kit (this repository, with solutions/) as the autograder;
# Gradescope unpacks it to /autograder/source and runs this script as root.
#
# Environment (for tests and other layouts):
#   AUTOGRADER_ROOT        default /autograder
#   BIOMETRICS_LAB_PYTHON  use this interpreter (already has the kit installed) instead of a new venv
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
source_dir="${BIOMETRICS_LAB_SOURCE:-$root/source}"
mkdir -p "$root/results" "$root/work"

# The sandbox for student kernels: bubblewrap (prlimit and setpriv come with util-linux).
if ! command -v bwrap >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap util-linux python3-venv
fi

if [ -z "${BIOMETRICS_LAB_PYTHON:-}" ]; then
    python3 -m venv "$root/venv"
    "$root/venv/bin/python" -m pip install --quiet --upgrade pip
    "$root/venv/bin/python" -m pip install --quiet -e "$source_dir"
fi
echo "biometrics-lab autograder ready in $root"

#!/usr/bin/env bash
# Builds .checkov-venv/ at the repository root: checkov (the IaC scanner the tests run on the
# synthesized Terraform) in its own virtualenv, pinned by requirements.txt beside this script.
# Its ~100 dependencies (boto3, networkx, ...) must not meet the project's own locked
# environment. A second run is a no-op while requirements.txt and the interpreter are
# unchanged; any change rebuilds from scratch.
#
# Environment:
#   CHECKOV_PYTHON  the interpreter to build with (default: python3.11 on PATH)
#   CHECKOV_VENV    where to build (default: <repo>/.checkov-venv); the tests read the same variable
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requirements="$here/requirements.txt"
venv="${CHECKOV_VENV:-$root/.checkov-venv}"
stamp="$venv/.installed"
python="${CHECKOV_PYTHON:-python3.11}"

command -v "$python" >/dev/null 2>&1 || { echo "tools/checkov/install.sh: $python not found; set CHECKOV_PYTHON" >&2; exit 1; }

exec 9<"$requirements"
flock 9

want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/checkov" --version >/dev/null 2>&1; then
    exit 0
fi

started=$SECONDS
echo "building $venv with $python (checkov, ~1 minute)"
rm -rf "$venv"
"$python" -m venv "$venv"
# PyPI alone, as on any other machine (this machine's pip configuration adds local indexes).
env -u PIP_FIND_LINKS -u PIP_CONSTRAINT -u PIP_NO_COMPILE -u PIP_REQUIRE_VIRTUALENV \
    PIP_CONFIG_FILE=/dev/null \
    "$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    --compile -r "$requirements"
"$venv/bin/checkov" --version >/dev/null
echo "$want" >"$stamp"
echo "built $venv in $((SECONDS - started))s"

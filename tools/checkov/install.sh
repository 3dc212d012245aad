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
python="${CHECKOV_PYTHON:-python3.11}"

command -v "$python" >/dev/null 2>&1 || { echo "tools/checkov/install.sh: $python not found; set CHECKOV_PYTHON" >&2; exit 1; }

# shellcheck source=../pinned-venv.sh
source "$here/../pinned-venv.sh"
if pinned_venv_up_to_date "$venv" "$python" "$requirements" "$venv/bin/checkov" --version; then
    exit 0
fi

started=$SECONDS
echo "building $venv with $python (checkov, ~15 s)"
pinned_venv_install "$venv" "$python" "$requirements"
"$venv/bin/checkov" --version >/dev/null
pinned_venv_done "$venv"
echo "built $venv in $((SECONDS - started))s"

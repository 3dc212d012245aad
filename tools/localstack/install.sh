#!/usr/bin/env bash
# Builds .localstack-venv/ at the repository root: LocalStack (our local AWS for the engine
# tests) in its own Python 3.13 virtualenv, pinned by requirements.txt beside this script.
#
# LocalStack 2026.3 needs Python 3.13 and ~110 packages that must not meet the project's own
# environment, hence a venv of its own. A second run is a no-op (well under a second) while
# requirements.txt and the interpreter are unchanged; any change rebuilds from scratch so no
# package of an older pin set lingers.
#
# Environment:
#   LOCALSTACK_PYTHON  the Python 3.13 interpreter to build with (default: newest 3.13.x under
#                      `pyenv root`, else python3.13 on PATH)
#   LOCALSTACK_VENV    where to build (default: <repo>/.localstack-venv); the tests read the same
#                      variable
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requirements="$here/requirements.txt"
venv="${LOCALSTACK_VENV:-$root/.localstack-venv}"

die() { echo "tools/localstack/install.sh: $*" >&2; exit 1; }

is_python_313() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; }

find_python() {
    if [[ -n "${LOCALSTACK_PYTHON:-}" ]]; then
        is_python_313 "$LOCALSTACK_PYTHON" || die "LOCALSTACK_PYTHON=$LOCALSTACK_PYTHON is not a working Python 3.13"
        echo "$LOCALSTACK_PYTHON"
        return
    fi
    # pyenv before PATH: a pyenv shim named python3.13 exists on PATH even when 3.13 is not
    # the active version, and then fails when run.
    if command -v pyenv >/dev/null 2>&1; then
        local candidate
        while read -r candidate; do
            if is_python_313 "$candidate/bin/python3.13"; then
                echo "$candidate/bin/python3.13"
                return
            fi
        done < <(ls -d "$(pyenv root)"/versions/3.13.* 2>/dev/null | sort -V -r)
    fi
    if command -v python3.13 >/dev/null 2>&1 && is_python_313 python3.13; then
        command -v python3.13
        return
    fi
    die "no Python 3.13 found (LocalStack 2026.3 needs it): run \`pyenv install 3.13\`, or set LOCALSTACK_PYTHON to a python3.13 binary"
}

python="$(find_python)"

# shellcheck source=../pinned-venv.sh
source "$here/../pinned-venv.sh"
if pinned_venv_up_to_date "$venv" "$python" "$requirements" "$venv/bin/python" -c ''; then
    exit 0
fi

started=$SECONDS
echo "building $venv with $python (LocalStack, ~20 s)"
pinned_venv_install "$venv" "$python" "$requirements"
pinned_venv_check "$venv" || die "the installed packages do not meet each other's requirements (above)"

# LocalStack imports thousands of modules at start-up; without bytecode (PYTHONDONTWRITEBYTECODE=1
# is set on our machines, so nothing is written later either) every start compiles them all
# again. uv compiles while installing (--compile-bytecode); verify it did, and compile what it
# left out.
missing_bytecode() {
    "$venv/bin/python" - "$venv" <<'PY'
import importlib.util, pathlib, sys, sysconfig
site = pathlib.Path(sysconfig.get_paths(vars={"base": sys.argv[1], "platbase": sys.argv[1]})["purelib"])
missing = [p for p in site.rglob("*.py") if not pathlib.Path(importlib.util.cache_from_source(str(p))).exists()]
print(len(missing))
PY
}
if [[ "$(missing_bytecode)" != 0 ]]; then
    "$venv/bin/python" -m compileall -q -j 0 "$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null || true
    left="$(missing_bytecode)"
    [[ "$left" == 0 ]] || die "$left modules in $venv have no bytecode after compileall; LocalStack would start slowly"
fi

pinned_venv_done "$venv"
echo "built $venv in $((SECONDS - started))s"

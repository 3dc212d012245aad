# Sourced by tools/checkov/install.sh and tools/localstack/install.sh: a tool in a virtualenv
# of its own, pinned by a requirements file, rebuilt from scratch whenever the pins or the
# interpreter change (so no package of an older pin set lingers) and left alone otherwise.

# pinned_venv_up_to_date VENV PYTHON REQUIREMENTS CHECK...
# Takes the build lock, held until the calling script exits, then succeeds when VENV was built
# from these pins with this interpreter and the command CHECK still runs.
pinned_venv_up_to_date() {
    local venv="$1" python="$2" requirements="$3"
    shift 3
    # Two `make test` runs at once must not build the same venv together: hold a lock on the
    # requirements file itself (no lock file to clean up or ignore).
    exec 9<"$requirements"
    flock 9
    # The stamp names everything the venv depends on; the interpreter's full version is in it
    # because a venv breaks when the Python it was made from is replaced.
    PINNED_VENV_STAMP="$(sha256sum "$requirements" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    [[ -f "$venv/.installed" && "$(cat "$venv/.installed")" == "$PINNED_VENV_STAMP" ]] && "$@" >/dev/null 2>&1
}

# pinned_venv_uv: the uv that installs and checks the venvs ($UV, default .tools/bin/uv, which
# `make` installs).
pinned_venv_uv() {
    local uv="${UV:-$(dirname "${BASH_SOURCE[0]}")/../.tools/bin/uv}"
    [[ -x "$uv" ]] || { echo "uv not found at $uv: run \`make localstack\` / \`make checkov\`, or set UV" >&2; return 1; }
    echo "$uv"
}

# pinned_venv_install VENV PYTHON REQUIREMENTS: a new VENV holding exactly the pins, installed
# by uv (pinned_venv_uv): downloads in parallel and bytecode compiled on every core, 16 s for
# LocalStack's 127 pins where pip took 80 s on two cores.
pinned_venv_install() {
    local venv="$1" python="$2" requirements="$3" uv
    uv="$(pinned_venv_uv)" || return 1
    rm -rf "$venv"
    "$python" -m venv --without-pip "$venv"
    # Resolve from PyPI alone, as on any other machine: no uv.toml or UV_* settings of this
    # machine (uv never reads pip's configuration) change what gets installed.
    UV_NO_CONFIG=1 "$uv" pip install --quiet --python "$venv/bin/python" --index-url https://pypi.org/simple \
        --compile-bytecode -r "$requirements"
}

# pinned_venv_check VENV: the installed packages' requirements are met (pip check, by uv).
pinned_venv_check() {
    local uv
    uv="$(pinned_venv_uv)" || return 1
    UV_NO_CONFIG=1 "$uv" pip check --quiet --python "$1/bin/python"
}

# pinned_venv_done VENV: record what it was built from; a later run then leaves it alone.
pinned_venv_done() {
    echo "$PINNED_VENV_STAMP" >"$1/.installed"
}

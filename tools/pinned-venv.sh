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

# pinned_venv_install VENV PYTHON REQUIREMENTS: a new VENV holding exactly the pins.
pinned_venv_install() {
    local venv="$1" python="$2" requirements="$3"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # Resolve from PyPI alone, as on any other machine: this machine's pip configuration adds
    # local wheel folders, indexes and constraints that would change what gets installed.
    env -u PIP_FIND_LINKS -u PIP_CONSTRAINT -u PIP_NO_COMPILE -u PIP_REQUIRE_VIRTUALENV \
        PIP_CONFIG_FILE=/dev/null \
        "$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
        --compile -r "$requirements"
}

# pinned_venv_done VENV: record what it was built from; a later run then leaves it alone.
pinned_venv_done() {
    echo "$PINNED_VENV_STAMP" >"$1/.installed"
}

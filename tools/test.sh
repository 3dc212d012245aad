#!/usr/bin/env bash
# `make test`'s runner: every test, in two pytest sessions side by side.
#
#   - the tests that drive LocalStack (`-m localstack`, marked from their fixtures in
#     tests/conftest.py): most of their time is spent waiting for the emulator and the applies;
#   - all the others (`-m "not localstack"`): most of theirs is computing (synth, Terraform,
#     Hypothesis, packaging).
#
# One after the other, the cores idled through half of the LocalStack part; side by side, each
# fills the other's waits. The second session prints as it runs; the LocalStack session's report
# follows it, whole (its log is kept in .build/ for a look). The exit status is the first
# failing session's, so a failure in either fails `make test`.
#
# Arguments are passed to both sessions (e.g. `tools/test.sh -x`). `pytest` alone still runs
# every test in one session.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
python="${PYTHON:-.venv/bin/python}"
mkdir -p .build
log=.build/test-localstack.log

# Its own pytest cache would race the other session's: the LocalStack session keeps none. It
# collects tests/engines alone (tests/conftest.py refuses a LocalStack test anywhere else):
# LocalStack starts once collection ends, so a shorter one starts it sooner.
paths=("$@")
[[ $# -gt 0 ]] || paths=(tests/engines)
"$python" -m pytest -m localstack -p no:cacheprovider "${paths[@]}" >"$log" 2>&1 &
localstack=$!
# Ctrl-C or a failure of this script must not leave the background session (and its LocalStack)
# running.
trap 'kill -INT "$localstack" 2>/dev/null; wait "$localstack" 2>/dev/null' INT TERM

"$python" -m pytest -m "not localstack" "$@"
others=$?

wait "$localstack"
emulated=$?
trap - INT TERM

echo
echo "================ the LocalStack tests (run alongside the above; log: $log) ================"
cat "$log"

# pytest's exit code 5 means "no tests collected": a selection that matched nothing (e.g. a
# path given in the arguments holds tests of one kind only) is not a failure here.
for status in "$others" "$emulated"; do
    if [[ "$status" != 0 && "$status" != 5 ]]; then
        exit "$status"
    fi
done
if [[ "$others" == 5 && "$emulated" == 5 ]]; then
    exit 5
fi
exit 0

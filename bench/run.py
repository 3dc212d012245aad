"""`make bench`: measure this project on this machine and write BENCHMARKS.md.

Every figure is measured beside a baseline in the same run, so the ratio holds however fast
or busy the machine is; both are repeated and reported as min and median. Nothing here
asserts a timing: targets are reported as met or not.

    .venv/bin/python bench/run.py            # synth, verifier, package, emulator, unit tests
    BENCH_SUITE=1 .venv/bin/python bench/run.py   # also the synth and engine test layers

Environment: BENCH_REPEATS (synth runs per app, default 5), BENCH_OUT (the report, default
BENCHMARKS.md), BENCH_SKIP (comma-separated figures to skip: synth, suite, verifier, package,
emulator).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.synth import SynthOutput, jsii_environment  # noqa: E402

PY = sys.executable
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
SKIP = {name.strip() for name in os.environ.get("BENCH_SKIP", "").split(",") if name.strip()}
SUITE = os.environ.get("BENCH_SUITE", "") not in ("", "0")


def load() -> float:
    return os.getloadavg()[0]


def stats(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


@dataclass
class Row:
    figure: str
    value: str
    baseline: str
    ratio: float | None
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    loads: list[tuple[str, float]] = field(default_factory=list)

    def mark(self, what: str) -> None:
        self.loads.append((what, load()))
        print(f"[bench] {what}: load {self.loads[-1][1]:.2f}", file=sys.stderr, flush=True)


# --- 1. synth -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float
    max_rss_mb: float
    stderr: str


def run_measured(argv: Sequence[str], *, env: dict[str, str], cwd: Path = ROOT, timeout: float = 600) -> Run:
    """Wall time and peak RSS of one process. The RSS is wait4's: the largest of the process
    and the children it waited for (the jsii kernel's Node process, which holds the most)."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        deadline = began + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({process.returncode}):\n{text[-3000:]}")
    return Run(wall, usage.ru_maxrss / 1024, text)


def tree_files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


# The app as it was before the fast paths: the provider's generated classes, their package
# imported the ordinary way (every submodule), a normal exit. Same as
# tests/synth/test_determinism.py.
PLAIN_SYNTH = """
import os
os.environ["CONSTRUCTS_LIB_AWS_CLASSES"] = "bindings"
import cdktf_cdktf_provider_aws
from cdktf import App
import main
main.build(App()).synth()
"""

# Runs an app as __main__ and notes when synth() starts and ends (seconds since the
# interpreter started), on stderr: the rest of the wall time is imports before and exit after.
PHASES = """
import json, runpy, sys, time
import cdktf
synth = cdktf.App.synth
def timed(self):
    began = time.perf_counter()
    synth(self)
    print("PHASES " + json.dumps({"synth_start": began, "synth_end": time.perf_counter()}), file=sys.stderr, flush=True)
cdktf.App.synth = timed
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def import_profile(stderr: str) -> dict[str, float]:
    """Seconds of import self-time by kind, from `python -X importtime`."""
    kinds = {"provider assembly load (Node)": 0.0, "provider bindings (Python)": 0.0, "cdktf, constructs, jsii": 0.0, "other": 0.0}
    count = 0
    for line in stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if not match:
            continue
        own = int(match.group(1)) / 1e6
        name = match.group(4)
        if name.startswith("cdktf_cdktf_provider_aws._jsii"):
            kinds["provider assembly load (Node)"] += own
        elif name.startswith("cdktf_cdktf_provider_aws"):
            kinds["provider bindings (Python)"] += own
            count += 1
        elif name.split(".")[0] in ("cdktf", "constructs", "jsii", "typeguard", "publication", "attr", "cattrs"):
            kinds["cdktf, constructs, jsii"] += own
        else:
            kinds["other"] += own
    kinds["provider modules imported"] = count
    return kinds


# main.py as it was before constructs_lib._lean: the provider's generated classes, loaded
# one submodule at a time (constructs_lib._provider), and the fast exit.
GENERATED = {"CONSTRUCTS_LIB_AWS_CLASSES": "bindings"}


def profile_app(script: Path, outdir: Path, **extra: str) -> dict[str, float]:
    """One run of an app under -X importtime with synth() timed: where its wall time goes."""
    startup = min(run_measured([PY, "-c", "pass"], env=jsii_environment()).wall for _ in range(3))
    env = jsii_environment(CDKTF_OUTDIR=str(outdir), **extra)
    run = run_measured([PY, "-X", "importtime", "-c", PHASES, str(script)], env=env)
    marks = json.loads(next(line for line in run.stderr.splitlines() if line.startswith("PHASES "))[7:])
    imports = import_profile(run.stderr)
    shutil.rmtree(outdir, ignore_errors=True)
    synth = marks["synth_end"] - marks["synth_start"]
    total_imports = sum(v for k, v in imports.items() if k != "provider modules imported")
    return {"wall (under -X importtime)": run.wall, "interpreter start": startup, **imports,
            "imports total": total_imports, "synth()": synth}


def exit_time(script: Path, outdir: Path, **extra: str) -> float:
    """Seconds from synth() returning to the process being gone (teardown)."""
    code = PHASES.replace('file=sys.stderr, flush=True)', 'file=sys.stderr, flush=True); print("WALLCLOCK", time.time(), file=sys.stderr, flush=True)')
    env = jsii_environment(CDKTF_OUTDIR=str(outdir), **extra)
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen([PY, "-c", code, str(script)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        process.wait()
        ended = time.time()
        err.seek(0)
        text = err.read().decode()
    shutil.rmtree(outdir, ignore_errors=True)
    stamp = float(next(line for line in text.splitlines() if line.startswith("WALLCLOCK")).split()[1])
    return ended - stamp


def tree_stacks(outdir: Path) -> list[str]:
    return sorted(json.loads((outdir / "manifest.json").read_text())["stacks"])


def bench_synth(report: Report, work: Path) -> Path:
    report.mark("synth: start")
    work.mkdir(parents=True, exist_ok=True)
    baseline_app = ROOT / "bench" / "baseline_app.py"
    apps = {
        "main": (ROOT / "main.py", {}),
        "generated": (ROOT / "main.py", GENERATED),
        "baseline": (baseline_app, {}),
    }
    runs: dict[str, list[Run]] = {name: [] for name in apps}
    # One unmeasured run of each first (disk cache, jsii package cache); then alternate, so
    # a change in the machine's load hits all alike.
    for name, (script, extra) in apps.items():
        run_measured([PY, str(script)], env=jsii_environment(CDKTF_OUTDIR=str(work / f"warm-{name}"), **extra))
    for i in range(REPEATS):
        for name, (script, extra) in apps.items():
            outdir = work / f"{name}-{i}"
            runs[name].append(run_measured([PY, str(script)], env=jsii_environment(CDKTF_OUTDIR=str(outdir), **extra)))
    report.mark("synth: timed runs done")
    fast_out = work / "main-0"
    plain_out = work / "plain"
    run_measured([PY, "-c", PLAIN_SYNTH], env=jsii_environment(CDKTF_OUTDIR=str(plain_out)))
    identical = tree_files(fast_out) == tree_files(plain_out)
    all_same = all(tree_files(work / f"{name}-{i}") == tree_files(fast_out) for name in ("main", "generated") for i in range(REPEATS))

    wall = {name: stats([r.wall for r in runs[name]]) for name in apps}
    rss = {name: stats([r.max_rss_mb for r in runs[name]]) for name in apps}
    base = wall["baseline"]
    ratio = wall["main"][1] / base[1]
    stacks = len(tree_stacks(fast_out))
    report.rows += [
        Row(f"Synth wall time, `main.py` ({stacks} stacks) vs baseline app (provider + 1 queue)",
            f"{wall['main'][0]:.2f} s min / {wall['main'][1]:.2f} s median", f"{base[0]:.2f} s / {base[1]:.2f} s",
            ratio, "≤ 0.15×", ratio <= 0.15),
        Row(f"… before: `main.py` on the provider's generated classes (`CONSTRUCTS_LIB_AWS_CLASSES=bindings`) vs the same baseline",
            f"{wall['generated'][0]:.2f} s min / {wall['generated'][1]:.2f} s median", f"{base[0]:.2f} s / {base[1]:.2f} s",
            wall["generated"][1] / base[1]),
        Row("Synth peak RSS (largest process: Python or its Node kernel)", f"{rss['main'][0]:.0f} MB / {rss['main'][1]:.0f} MB",
            f"{rss['baseline'][0]:.0f} MB / {rss['baseline'][1]:.0f} MB", rss["main"][1] / rss["baseline"][1]),
        Row("Synth output byte-identical to a plain synth (generated classes, eager import, normal exit)",
            "yes" if identical and all_same else "NO", "", None, "identical", identical and all_same),
    ]

    profiles = {
        "baseline app": (profile_app(baseline_app, work / "profile-baseline"), statistics.median(exit_time(baseline_app, work / "exit-b") for _ in range(2))),
        "main.py, generated classes (before)": (profile_app(ROOT / "main.py", work / "profile-generated", **GENERATED),
                                               statistics.median(exit_time(ROOT / "main.py", work / "exit-g", **GENERATED) for _ in range(2))),
        "main.py (after)": (profile_app(ROOT / "main.py", work / "profile-main"), statistics.median(exit_time(ROOT / "main.py", work / "exit-m") for _ in range(2))),
    }
    keys = ["interpreter start", "cdktf, constructs, jsii", "provider bindings (Python)",
            "provider assembly load (Node)", "other", "synth()"]
    lines = [
        "### Where synth time goes (one run each under `python -X importtime`, self time by kind)",
        "",
        "| | " + " | ".join(profiles) + " |",
        "|---|" + "---:|" * len(profiles),
    ]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(f"{p[key]:.2f} s" for p, _ in profiles.values()) + " |")
    for profile, teardown in profiles.values():
        known = profile["interpreter start"] + profile["imports total"] + profile["synth()"] + teardown
        profile["rest"] = max(0.0, profile["wall (under -X importtime)"] - known)
        profile["exit"] = teardown
    lines.append("| everything else: building the construct tree (jsii calls, packaging) | " + " | ".join(f"{p['rest']:.2f} s" for p, _ in profiles.values()) + " |")
    lines.append("| provider submodules imported | " + " | ".join(f"{p['provider modules imported']:.0f}" for p, _ in profiles.values()) + " |")
    lines.append("| exit after synth (teardown; median of 2) | " + " | ".join(f"{p['exit']:.2f} s" for p, _ in profiles.values()) + " |")
    lines.append("| wall (importtime adds its own overhead) | " + " | ".join(f"{p['wall (under -X importtime)']:.2f} s" for p, _ in profiles.values()) + " |")
    parts = [*keys, "rest", "exit"]
    picture = bar_chart(
        CHARTS / "synth.svg",
        "Where synth time goes",
        "seconds",
        {part: {name: p[part] for name, (p, _) in profiles.items()} for part in parts},
    )
    lines += [
        "",
        "The baseline app imports the provider package the ordinary way (`cdktf_cdktf_provider_aws/__init__.py`",
        "imports all of its ~2,200 submodules) and tears them down at exit. Before, `main.py` loaded only",
        "the submodules the constructs use (`constructs_lib._provider`) and exited right after its exit",
        "handlers (`main.exit_after_synth`), but the first generated class still made Node `require()` the",
        "provider's whole package (\"provider assembly load\", about 2 s). After, the constructs build their",
        "resources with their own classes on the engine's `TerraformResource` (`constructs_lib._lean`), so",
        "Node loads only the cdktf and constructs assemblies, and each Lambda file is deflated once per",
        "process however many stacks package it. The output is the same bytes (the row above).",
        "",
        picture,
    ]
    report.sections.append("\n".join(lines))
    report.mark("synth: done")
    return fast_out


# --- 2. test suite --------------------------------------------------------------------------


# The commit before issue 22's work on the suite (the engine set-up in the background, the
# shared deployments, fewer plans): BENCH_SUITE=1 runs each layer there too, for "before".
SUITE_BASE = os.environ.get("BENCH_SUITE_BASE", "f8fd5f7^")
# What a checkout needs beside its files to run the suite: the environments `make` builds.
BUILT = (".venv", ".localstack-venv", ".checkov-venv", "node_modules", ".tools", ".build")


def run_layer(layer: str, cwd: Path, env: dict[str, str], *, must_pass: bool = True) -> tuple[float, str]:
    """Wall time and pytest's summary line of one layer. A failure raises, unless not
    `must_pass` (the base commit, whose flaky tests are not ours to fix there): then the
    summary says it failed."""
    began = time.perf_counter()
    result = subprocess.run([PY, "-m", "pytest", layer, "-q", "-p", "no:cacheprovider"], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - began
    summary = (result.stdout.strip().splitlines() or ["?"])[-1].strip("= ")
    if result.returncode != 0:
        if must_pass:
            raise RuntimeError(f"pytest {layer} in {cwd} failed ({result.returncode}): {summary}\n{result.stdout[-3000:]}")
        summary = f"FAILED there: {summary}"
    return wall, summary


def base_checkout(work: Path) -> Path:
    """A worktree of SUITE_BASE that uses this checkout's built environments."""
    path = work / "suite-base"
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(path), SUITE_BASE], cwd=ROOT, check=True,
                   capture_output=True)
    for name in BUILT:
        if (ROOT / name).exists() and not (path / name).exists():
            (path / name).symlink_to(ROOT / name)
    return path


def bench_suite(report: Report, work: Path) -> None:
    report.mark("suite: start")
    # tests/verifier: the handler and signature tests, on recorded events (no AWS, no jsii).
    layers = ["tests/unit", "tests/verifier", "tests/synth", "tests/engines"] if SUITE else ["tests/unit", "tests/verifier"]
    env = jsii_environment()
    total = collected = before_total = 0.0
    base = base_checkout(work) if SUITE else None
    try:
        for layer in layers:
            # Collecting alone leaves every snapshot unused, which syrupy would call a failure.
            collect = run_measured([PY, "-m", "pytest", layer, "-q", "--collect-only", "-p", "no:cacheprovider",
                                    "--snapshot-warn-unused"], env=env, timeout=900)
            wall, summary = run_layer(layer, ROOT, env)
            total, collected = total + wall, collected + collect.wall
            report.rows.append(Row(f"Test layer `pytest {layer}` ({summary}) vs collecting it (`--collect-only`)",
                                   f"{wall:.1f} s", f"{collect.wall:.1f} s", wall / collect.wall))
            if base is not None:
                before, before_summary = run_layer(layer, base, env, must_pass=False)
                before_total += before
                report.rows.append(Row(f"… the same layer now vs at `{SUITE_BASE}` ({before_summary} there)", f"{wall:.1f} s",
                                       f"{before:.1f} s", wall / before))
    finally:
        if base is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    if SUITE:
        report.rows.append(Row("All four layers, one after the other (`make test` runs every layer in two sessions "
                               "side by side, tools/test.sh)", f"{total:.1f} s", f"{collected:.1f} s", total / collected))
        report.rows.append(Row(f"… the four layers before (`{SUITE_BASE}`)", f"{total:.1f} s", f"{before_total:.1f} s",
                               total / before_total))
    if not SUITE:
        report.sections.append("The synth and engine test layers (`make test` takes ~6 min) are measured only with "
                               "`make bench BENCH_SUITE=1`, each beside the same layer at the commit before "
                               f"issue 22's suite work (`{SUITE_BASE}`, or BENCH_SUITE_BASE).")
    report.mark("suite: done")


# --- 3. verifier ----------------------------------------------------------------------------

VERIFIER = ROOT / "lambda_src" / "verifier"


def cold_import_ms(module: str, path: Path | None, runs: int = 15) -> tuple[float, float]:
    """`import <module>` in a fresh interpreter (-X importtime's cumulative figure), min and
    median over `runs` interpreters."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = str(path)
    values = []
    for _ in range(runs):
        result = subprocess.run([PY, "-X", "importtime", "-c", f"import {module}"], env=env, capture_output=True,
                                text=True, check=True, cwd=tempfile.gettempdir())
        for line in result.stderr.splitlines():
            match = _IMPORTTIME.match(line)
            if match and match.group(4) == module and not match.group(3):
                values.append(int(match.group(2)) / 1000)
    return stats(values)


def compare_us(ours: Callable[[], object], theirs: Callable[[], object], *, repeat: int = 9) -> tuple[list[float], list[float]]:
    """µs per call of two functions, timed in alternation (`repeat` rounds of ~0.1 s each), so
    that a change in the machine's load falls on both alike."""
    timers = [timeit.Timer(ours), timeit.Timer(theirs)]
    numbers = []
    for timer in timers:
        number, spent = timer.autorange()
        numbers.append(max(1, int(number * 0.1 / spent)))
    results: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for timer, number, into in zip(timers, numbers, results):
            into.append(timer.timeit(number) / number * 1e6)
    return results


def body_of(size: int) -> bytes:
    head = b'{"id":"evt_bench","type":"bench","signature":{},"data":"'
    tail = b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def bench_verifier(report: Report) -> None:
    report.mark("verifier: start")
    import base64
    import hashlib
    import hmac

    sys.path.insert(0, str(VERIFIER))
    import signatures
    import standardwebhooks
    import stripe

    handler_ms = cold_import_ms("handler", VERIFIER)
    std_ms = cold_import_ms("standardwebhooks", None)
    stripe_ms = cold_import_ms("stripe", None)
    report.rows.append(Row("Verifier cold import of `handler` (fresh interpreter) vs `standardwebhooks`",
                           f"{handler_ms[0]:.1f} ms / {handler_ms[1]:.1f} ms", f"{std_ms[0]:.1f} ms / {std_ms[1]:.1f} ms",
                           handler_ms[1] / std_ms[1], "< 30 ms", handler_ms[1] < 30))
    report.rows.append(Row("Verifier cold import of `handler` vs `stripe`", f"{handler_ms[0]:.1f} ms / {handler_ms[1]:.1f} ms",
                           f"{stripe_ms[0]:.1f} ms / {stripe_ms[1]:.1f} ms", handler_ms[1] / stripe_ms[1]))

    now = int(time.time())
    secret = "bench-secret-0123456789"
    whsec = "whsec_" + base64.b64encode(b"k" * 24).decode()
    key = base64.b64decode(whsec[6:])

    def hexmac(k: bytes, msg: bytes) -> str:
        return hmac.new(k, msg, hashlib.sha256).hexdigest()

    for size, label in ((1024, "1 KiB"), (256 * 1024, "256 KiB")):
        body = body_of(size)
        cases: list[tuple[str, Callable[[], object], str, Callable[[], object]]] = []
        # standard-webhooks: against the standardwebhooks library (json_parse=False: ours
        # does not parse either).
        msg_id = "msg_bench"
        sig = base64.b64encode(hmac.new(key, f"{msg_id}.{now}.".encode() + body, hashlib.sha256).digest()).decode()
        std_headers = {"webhook-id": msg_id, "webhook-timestamp": str(now), "webhook-signature": f"v1,{sig}"}
        library = standardwebhooks.Webhook(whsec)
        cases.append(("standard-webhooks", lambda b=body, h=std_headers: signatures.verify("standard-webhooks", whsec, h, b),
                      "`standardwebhooks.Webhook.verify`", lambda b=body, h=std_headers: library.verify(b, h, json_parse=False)))
        # stripe: against stripe.WebhookSignature.verify_header.
        stripe_header = f"t={now},v1={hexmac(whsec.encode(), f'{now}.'.encode() + body)}"
        cases.append(("stripe", lambda b=body, h=stripe_header: signatures.verify("stripe", whsec, {"Stripe-Signature": h}, b),
                      "`stripe.WebhookSignature.verify_header`",
                      lambda b=body, h=stripe_header: stripe.WebhookSignature.verify_header(b, h, whsec, tolerance=300)))
        # Schemes without an official Python library: against the provider's documented recipe
        # (HMAC-SHA256 and compare_digest, inline).
        gh = "sha256=" + hexmac(secret.encode(), body)
        cases.append(("github", lambda b=body, h=gh: signatures.verify("github", secret, {"X-Hub-Signature-256": h}, b),
                      "documented recipe (hmac + compare_digest)",
                      lambda b=body, h=gh: hmac.compare_digest("sha256=" + hexmac(secret.encode(), b), h)))
        shop = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        cases.append(("shopify", lambda b=body, h=shop: signatures.verify("shopify", secret, {"X-Shopify-Hmac-Sha256": h}, b),
                      "documented recipe",
                      lambda b=body, h=shop: hmac.compare_digest(
                          base64.b64encode(hmac.new(secret.encode(), b, hashlib.sha256).digest()).decode(), h)))
        slack = "v0=" + hexmac(secret.encode(), f"v0:{now}:".encode() + body)
        slack_headers = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": slack}
        cases.append(("slack", lambda b=body, h=slack_headers: signatures.verify("slack", secret, h, b),
                      "documented recipe",
                      lambda b=body, h=slack: hmac.compare_digest("v0=" + hexmac(secret.encode(), f"v0:{now}:".encode() + b), h)))
        token = "t" * 50
        mg_doc = json.loads(body)
        mg_doc["signature"] = {"timestamp": str(now), "token": token, "signature": hexmac(secret.encode(), f"{now}{token}".encode())}
        mg_body = json.dumps(mg_doc).encode()

        def mailgun_recipe(b: bytes = mg_body) -> bool:
            s = json.loads(b)["signature"]
            return hmac.compare_digest(hexmac(secret.encode(), (s["timestamp"] + s["token"]).encode()), s["signature"])

        cases.append(("mailgun", lambda b=mg_body: signatures.verify("mailgun", secret, {}, b),
                      "documented recipe (json.loads + hmac)", mailgun_recipe))
        for scheme, ours, baseline_name, theirs in cases:
            mine, other = (stats(times) for times in compare_us(ours, theirs))
            # The min is the figure least disturbed by whatever else runs (timeit's advice),
            # so the ratio and the target use it; the medians are shown beside.
            ratio = mine[0] / other[0]
            target = "≤ 1× (official library)" if "`" in baseline_name else ""
            report.rows.append(Row(f"`verify` {scheme}, {label} body vs {baseline_name}",
                                   f"{mine[0]:.1f} µs / {mine[1]:.1f} µs", f"{other[0]:.1f} µs / {other[1]:.1f} µs",
                                   ratio, target, ratio <= 1.0 if target else None))
    bench_asymmetric(report, signatures)
    report.sections.append(
        "Verifier: µs per verified message, min / median of 9 rounds of ~0.1 s, ours and the baseline "
        "timed in alternation; the ratio is min over min. Bodies are ASCII JSON of exactly 1,024 and 262,144 bytes; "
        "the mailgun body also carries its `signature` object.")
    report.mark("verifier: done")


def bench_asymmetric(report: Report, signatures: Any) -> None:
    """Ed25519 and P-256 in pure Python (curves.py) against the `cryptography` package
    (OpenSSL): what each costs per signature and at a cold start, the figures behind choosing
    the pure-Python verify for the Lambda (README, "Signature schemes")."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    curves_ms = cold_import_ms("curves", VERIFIER)
    for module in ("cryptography.hazmat.primitives.asymmetric.ed25519", "cryptography.hazmat.primitives.asymmetric.ec"):
        theirs_ms = cold_import_ms(module, None)
        report.rows.append(Row(f"Cold import of `curves` (pure Python, loaded only by asymmetric schemes) vs `{module}`",
                               f"{curves_ms[0]:.1f} ms / {curves_ms[1]:.1f} ms", f"{theirs_ms[0]:.1f} ms / {theirs_ms[1]:.1f} ms",
                               curves_ms[1] / theirs_ms[1]))
    now = int(time.time())
    body = body_of(1024)
    message = str(now).encode() + body
    ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    ed_public = ed_key.public_key()
    ed_hex = ed_public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    discord = {"X-Signature-Ed25519": ed_key.sign(message).hex(), "X-Signature-Timestamp": str(now)}
    p_key = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())
    p_public = p_key.public_key()
    p_b64 = base64.b64encode(p_public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    p_signature = p_key.sign(message, ec.ECDSA(hashes.SHA256()))
    sendgrid = {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(p_signature).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": str(now)}
    cases = [
        ("discord (Ed25519)", lambda: signatures.verify("discord", ed_hex, discord, body),
         "`cryptography` Ed25519PublicKey.verify", lambda: ed_public.verify(bytes.fromhex(discord["X-Signature-Ed25519"]), message)),
        ("sendgrid (ECDSA P-256)", lambda: signatures.verify("sendgrid", p_b64, sendgrid, body),
         "`cryptography` EllipticCurvePublicKey.verify", lambda: p_public.verify(p_signature, message, ec.ECDSA(hashes.SHA256()))),
    ]
    extra_us = []
    for scheme, ours, baseline_name, theirs in cases:
        mine, other = (stats(times) for times in compare_us(ours, theirs, repeat=5))
        extra_us.append(mine[1] - other[1])
        report.rows.append(Row(f"`verify` {scheme}, 1 KiB body, pure Python vs {baseline_name} (OpenSSL)",
                               f"{mine[0]:.0f} µs / {mine[1]:.0f} µs", f"{other[0]:.0f} µs / {other[1]:.0f} µs", mine[0] / other[0]))
    saved_ms = min(theirs_ms[1] for theirs_ms in (cold_import_ms(m, None, runs=5) for m in (
        "cryptography.hazmat.primitives.asymmetric.ed25519", "cryptography.hazmat.primitives.asymmetric.ec"))) - curves_ms[1]
    size = sum(p.stat().st_size for p in Path(ed25519.__file__).parents[3].rglob("*") if p.is_file())
    report.rows.append(Row("Installed size the `cryptography` package would add to the verifier (this machine's wheel; "
                           "Lambda needs one per architecture) vs `curves.py`",
                           f"{(VERIFIER / 'curves.py').stat().st_size:,} B", f"{size:,} B",
                           (VERIFIER / 'curves.py').stat().st_size / size))
    per_million = max(extra_us) / 1e6 * 0.25 * 0.0000166667 * 1e6  # s x GB x $/GB-s, per million
    report.sections.append(
        f"Asymmetric verification: the pure-Python `curves.py` imports about {saved_ms:.0f} ms faster than the "
        f"`cryptography` modules and costs about {max(extra_us) / 1000:.1f} ms more per signature, so a warm "
        f"container is ahead with `cryptography` after about {max(1, saved_ms * 1000 / max(extra_us)):.0f} "
        f"verifications. Those milliseconds cost about ${per_million:.3f} per million deliveries (256 MB, Lambda's "
        "x86 list price of $0.0000166667 per GB-s). The verifier keeps the pure-Python verify for what that buys: "
        "a zip of kilobytes with nothing native, where `cryptography` is a wheel of about 15 MB per Lambda "
        "architecture that an x86 build machine cannot build reproducibly for arm64, and a faster cold start.\n")


# --- 4. package -----------------------------------------------------------------------------


def bench_package(report: Report) -> None:
    import io
    import zipfile
    import zlib

    from constructs_lib.assets import build_zip, package_files
    from constructs_lib.deflate import deflate

    data = build_zip(VERIFIER)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, info.file_size) for info in archive.infolist()]
    raw = sum(size for _, size in entries)
    only_code = sorted(name for name, _ in entries) == ["curves.py", "generic.py", "handler.py", "signatures.py"]
    report.rows.append(Row("Verifier zip (`build_zip(lambda_src/verifier)`, deflated by `constructs_lib.deflate`) "
                           "vs the bytes of its entries", f"{len(data):,} B", f"{raw:,} B", len(data) / raw,
                           "< 40 KB", len(data) < 40_000))
    contents = [path.read_bytes() for _, path in package_files(VERIFIER)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for (name, _), content in zip(package_files(VERIFIER), contents):
            archive.writestr(name, content)
    zlib_zip = buffer.getvalue()
    report.rows.append(Row("… vs the same files deflated by zlib -9 through `zipfile` (not used: zlib builds "
                           "deflate differently, so its zip differs between machines)", f"{len(data):,} B",
                           f"{len(zlib_zip):,} B", len(data) / len(zlib_zip)))
    stored = build_zip(VERIFIER, compress=False)
    report.rows.append(Row("… stored (`build_zip(..., compress=False)`) vs the bytes of its entries",
                           f"{len(stored):,} B", f"{raw:,} B", len(stored) / raw))
    ours, theirs = compare_us(lambda: [deflate(c) for c in contents],
                              lambda: [zlib.compress(c, 9) for c in contents], repeat=5)
    (mine, mine_median), (other, other_median) = stats(ours), stats(theirs)
    report.rows.append(Row(f"`deflate` of the verifier's files ({raw:,} B; {raw / mine:.2f} MB/s) vs `zlib.compress` -9",
                           f"{mine / 1000:.1f} ms / {mine_median / 1000:.1f} ms",
                           f"{other / 1000:.2f} ms / {other_median / 1000:.2f} ms", mine_median / other_median))
    report.rows.append(Row("Verifier zip holds only what runs", ", ".join(f"`{n}` ({s:,} B)" for n, s in entries), "",
                           None, "curves.py, generic.py, handler.py, signatures.py", only_code))


# --- 5. through the emulator ----------------------------------------------------------------

STACK = "mailgun-fifo"
OUTPUT_PREFIX = "mailgun_events_mailgun"
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
_tokens = itertools.count(1)
_token_lock = threading.Lock()


def mailgun_body() -> bytes:
    """A body valid for examples.models.MailgunEvent, unique (the FIFO queue deduplicates on
    content)."""
    with _token_lock:
        n = next(_tokens)
    document = {"event": "opened", "recipient": "alice@example.com", "timestamp": "2026-11-23T09:00:00+00:00",
                "token": f"bench-{n:045d}"}
    return json.dumps(document).encode()


@dataclass(frozen=True)
class LoadResult:
    ok: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.ok / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(make_sender: Callable[[], Callable[[bytes], bool]], requests: int = REQUESTS) -> LoadResult:
    """`requests` sends (fewer if SECONDS run out) from CONCURRENCY threads, each with its own
    connection or client."""
    issued = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def worker() -> None:
        send = make_sender()
        while next(issued) < requests and time.perf_counter() < deadline:
            body = mailgun_body()
            began = time.perf_counter()
            ok = send(body)
            spent = (time.perf_counter() - began) * 1000
            with lock:
                if ok:
                    latencies.append(spent)
                else:
                    errors[0] += 1

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        for future in [pool.submit(worker) for _ in range(CONCURRENCY)]:
            future.result()
    return LoadResult(len(latencies), errors[0], time.perf_counter() - began, latencies)


def http_sender(url: str) -> Callable[[], Callable[[bytes], bool]]:
    parts = urllib.parse.urlsplit(url)

    def make() -> Callable[[bytes], bool]:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

        def send(body: bytes) -> bool:
            connection.request("POST", parts.path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            return response.status == 200

        return send

    return make


def sqs_sender(aws: object, queue_url: str) -> Callable[[], Callable[[bytes], bool]]:
    def make() -> Callable[[bytes], bool]:
        client = aws.client("sqs")  # type: ignore[attr-defined]

        def send(body: bytes) -> bool:
            client.send_message(QueueUrl=queue_url, MessageBody=body.decode(), MessageGroupId="opened")
            return True

        return send

    return make


def bench_emulator(report: Report, outdir: Path, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    from support.localstack import LocalStack
    from support.terraform import (
        LOCALSTACK_DESTROY_HANGS,
        LOCALSTACK_DESTROY_REFUSED,
        LOCALSTACK_UNSUPPORTED,
        apply,
        destroy,
        forget,
        init,
        output,
        prepare_workdir,
    )

    report.mark("emulator: start")
    synth = SynthOutput(outdir)
    with LocalStack(work / "localstack") as aws:
        stack = prepare_workdir(synth.stack_dir(STACK), work / "stack", exclude=LOCALSTACK_UNSUPPORTED)
        init(stack.path)
        try:
            apply(stack.path, localstack=aws)
            outputs = output(stack.path)
            url = aws.local_url(outputs[f"{OUTPUT_PREFIX}_endpoint"])
            queue_url = outputs[f"{OUTPUT_PREFIX}_queue_url"]
            sqs = aws.client("sqs")
            api_runs, sqs_runs = [], []
            for make in (http_sender(url), sqs_sender(aws, queue_url)):  # warm-up, not measured
                drive(make, CONCURRENCY * 5)
                sqs.purge_queue(QueueUrl=queue_url)
            report.mark("emulator: applied and warm")
            for _ in range(3):
                api_runs.append(drive(http_sender(url)))
                sqs.purge_queue(QueueUrl=queue_url)
                sqs_runs.append(drive(sqs_sender(aws, queue_url)))
                sqs.purge_queue(QueueUrl=queue_url)
        finally:
            # As the engine tests do: what LocalStack hangs on or refuses to destroy is forgotten.
            forget(stack.path, (*LOCALSTACK_DESTROY_HANGS, *LOCALSTACK_DESTROY_REFUSED, "aws_sqs_queue_policy"))
            destroy(stack.path, localstack=aws)
        version = subprocess.run([str(aws.python), "-c", "import importlib.metadata as m; print(m.version('localstack-core'))"],
                                 capture_output=True, text=True).stdout.strip()

    def summary(runs: list[LoadResult]) -> tuple[float, float, float, int, int]:
        rps = statistics.median(r.rps for r in runs)
        p50 = statistics.median(r.percentile(0.50) for r in runs)
        p99 = statistics.median(r.percentile(0.99) for r in runs)
        return rps, p50, p99, sum(r.ok for r in runs), sum(r.errors for r in runs)

    api, direct = summary(api_runs), summary(sqs_runs)
    label = f"LocalStack {version}, not AWS; {CONCURRENCY} concurrent, ≤ {REQUESTS} requests or {SECONDS:.0f} s per run, median of 3 runs"
    report.rows += [
        Row(f"POST /events through the applied API to SQS, requests/s ({label})", f"{api[0]:.1f} /s",
            f"{direct[0]:.1f} /s (boto3 SendMessage to the same queue)", api[0] / direct[0]),
        Row("… p50 latency", f"{api[1]:.1f} ms", f"{direct[1]:.1f} ms", api[1] / direct[1]),
        Row("… p99 latency", f"{api[2]:.1f} ms", f"{direct[2]:.1f} ms", api[2] / direct[2]),
        Row("… answered 200 / failed (all runs)", f"{api[3]} / {api[4]}", f"{direct[3]} / {direct[4]}", None, "0 failed",
            api[4] == 0 and direct[4] == 0),
    ]
    report.mark("emulator: done")


# --- the report -----------------------------------------------------------------------------


def versions() -> list[str]:
    import importlib.metadata as metadata

    def run(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = "?"
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    packages = ["cdktf", "cdktf-cdktf-provider-aws", "constructs", "jsii", "pydantic", "stripe", "standardwebhooks", "svix", "boto3"]
    return [
        f"- Machine: {cpu}, {os.cpu_count()} cores, {memory}; {platform.platform()}",
        f"- Python {platform.python_version()}, Node {run('node', '--version')}, {run('terraform', 'version')}",
        "- " + ", ".join(f"{name} {metadata.version(name)}" for name in packages),
    ]


def fmt_ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.2f}×"


def fmt_met(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


CHARTS = ROOT / "bench" / "charts"


def bar_chart(path: Path, title: str, unit: str, series: dict[str, dict[str, float]], *, horizontal: bool = True) -> str:
    """A stacked bar chart as SVG (pygal): one bar per key of each series' values, one colour per
    series; the Markdown that shows it beside its table."""
    import pygal

    chart_class = pygal.HorizontalStackedBar if horizontal else pygal.StackedBar
    bars = list(next(iter(series.values())))
    chart = chart_class(title=title, x_title=unit, legend_at_bottom=True, legend_at_bottom_columns=4, print_values=False, width=900, height=120 + 45 * len(bars))
    chart.x_labels = bars
    for name, values in series.items():
        chart.add(name, [round(values[bar], 4) for bar in bars])
    CHARTS.mkdir(parents=True, exist_ok=True)
    path.write_bytes(chart.render())
    return f"![{title}]({path.relative_to(ROOT).as_posix()})"


def bench_costs(report: Report, outdir: Path) -> None:
    """Cost per million deliveries of each example stack as synthesized, beside the seed
    articles' designs and an edge Lambda, from AWS list prices (bench/costs.py)."""
    sys.path.insert(0, str(ROOT))
    from bench import costs

    assumptions = costs.ASSUMPTIONS
    stacks = costs.load(outdir)
    designs = {f"{name}": costs.stack_cost(stack) for name, stack in sorted(stacks.items())}
    designs.update(costs.seed_designs())
    by_stage = {stage: {design: figures[stage] for design, figures in designs.items()} for stage in costs.STAGES}
    picture = bar_chart(CHARTS / "costs.svg", "Cost per million deliveries by stage", "US dollars per million", by_stage)
    report.sections.append(
        "## Cost per million deliveries (US dollars, us-east-1 list prices)\n\n"
        "Computed from each example stack as this run synthesized it (`bench/costs.py`). Assumed: "
        f"{assumptions.deliveries_per_month:,} deliveries a month spread evenly over a stack's sources, "
        f"{assumptions.body_kb:g} KB bodies, full batches, verify {assumptions.verify_ms:g} ms, process "
        f"{assumptions.process_ms:g} ms, edge {assumptions.edge_ms:g} ms per record.\n\n"
        + costs.table(stacks)
        + "\n\n" + picture
        + "\n\nPrices:\n\n"
        + "\n".join(f"- `{name}`: {value:g}. {source}" for name, (value, source) in costs.PRICES.items())
        + "\n\nHosted gateways, for the same month:\n\n"
        + "\n".join(f"- {name}: ${monthly:,.2f} a month. {source}" for name, monthly, source in costs.hosted())
        + "\n\n### What moves the figure (each option synthesized in this run, priced the same way)\n\n"
        + costs.option_table()
    )


def write(report: Report, path: Path, started: str, wall: float) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`bench/run.py`) on {started}, in {wall / 60:.1f} min. Every figure is",
        "measured beside its baseline in the same run; times are min / median over repeats; the ratio is",
        "median over median (min over min for the verifier's microseconds); lower is better for times",
        "and sizes, higher for requests/s. Re-run `make bench` to measure your machine; nothing in the",
        "test suite asserts a timing.",
        "",
        *versions(),
        "- 1-minute load average during the run: " + ", ".join(f"{what} {value:.2f}" for what, value in report.loads),
        "",
        "| Figure | Measured | Baseline (same run) | Ratio | Target | Met |",
        "|---|---|---|---:|---|---|",
    ]
    for row in report.rows:
        cells = [row.figure, row.value, row.baseline, fmt_ratio(row.ratio), row.target, fmt_met(row.met)]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines.append("")
    for section in report.sections:
        lines += [section, ""]
    path.write_text("\n".join(lines))


def main() -> int:
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    began = time.perf_counter()
    report = Report()
    report.mark("start")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        outdir = None
        if "synth" not in SKIP:
            outdir = bench_synth(report, work / "synth")
        if "costs" not in SKIP:
            if outdir is None:
                outdir = work / "synth-for-costs"
                run_measured([PY, str(ROOT / "main.py")], env=jsii_environment(CDKTF_OUTDIR=str(outdir)))
            bench_costs(report, outdir)
        if "verifier" not in SKIP:
            bench_verifier(report)
        if "package" not in SKIP:
            bench_package(report)
        if "emulator" not in SKIP:
            if outdir is None:
                outdir = work / "synth-for-emulator"
                run_measured([PY, str(ROOT / "main.py")], env=jsii_environment(CDKTF_OUTDIR=str(outdir)))
            bench_emulator(report, outdir, work / "emulator")
        if "suite" not in SKIP:
            bench_suite(report, work)
    report.mark("end")
    out = Path(os.environ.get("BENCH_OUT", ROOT / "BENCHMARKS.md"))
    write(report, out, started, time.perf_counter() - began)
    print(out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Terraform, run offline, on a working copy of a synthesized stack (`cdk.tf.json`).

    work = prepare_workdir(synth.stack_dir("mailgun-fifo"), tmp_path / "stack",
                           exclude=LOCALSTACK_UNSUPPORTED)
    init(work.path)
    apply(work.path, localstack=aws)
    output(work.path)["mailgun_events_mailgun_queue_url"]
    destroy(work.path, localstack=aws)

Offline: providers come only from the AWS provider mirror on the machine (TF_PLUGIN_DIR, or
found at run time), through a CLI configuration of our own that knows no registry, so a
provider that is not in the mirror is an init error, never a download.

Against LocalStack: `apply`/`destroy` write `zz_localstack_override.tf.json`, a Terraform
override file that points every AWS provider configuration of the stack at LocalStack.

Resources LocalStack cannot create (EventBridge Pipes: not in the community edition; Lambda
functions: need Docker) are removed from the working copy by `prepare_workdir(exclude=...)`,
see `prune`. Why not `terraform apply -target=<everything else>`: -target always adds the
targets' dependencies, so a resource that others reference (a Lambda function named in the
state machine definition and in an IAM policy) would be created anyway; and Terraform itself
warns that -target is not for routine use. Pruning a copy of the JSON removes exactly what it
says, and reports it.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import contextlib
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support.localstack import ACCESS_KEY, ACCOUNT_ID, DEAD_PROXY, REGION, SECRET_KEY

if TYPE_CHECKING:
    from support.localstack import LocalStack

STACK_FILE = "cdk.tf.json"
OVERRIDE_FILE = "zz_localstack_override.tf.json"
# Written by prepare_workdir: what was pruned; apply/destroy refuse a directory without it.
MANIFEST_FILE = "prepared.json"

# Every AWS service our stacks use, sent to LocalStack. An endpoint not listed here goes to
# the provider's proxy instead, which is a dead loopback port (DEAD_PROXY): a new service that
# someone forgets to add fails at once on 127.0.0.1 rather than calling real AWS.
# Names are the provider 5.100 `endpoints` arguments (`sfn`, not its alias `stepfunctions`;
# `logs`, not `cloudwatchlogs`).
ENDPOINT_SERVICES = (
    "apigateway",
    "sqs",
    "iam",
    "sts",
    "sfn",
    "secretsmanager",
    "cloudwatch",
    "logs",
    "kms",
    "lambda",
    "pipes",
    "sns",
    "s3",
)

# Resource types LocalStack (community, without Docker) cannot create. Lambda's satellites are
# here too: with the function gone they would point at nothing.
LOCALSTACK_UNSUPPORTED = (
    "aws_pipes_pipe",
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_alias",
    "aws_lambda_event_source_mapping",
    "aws_lambda_function_event_invoke_config",
    "aws_lambda_function_url",
    "aws_lambda_provisioned_concurrency_config",
)

DEFAULT_TIMEOUT = 600.0


class TerraformError(RuntimeError):
    """A terraform command failed or the setup is incomplete; the message says which and how."""


# --- the provider mirror and the CLI configuration -------------------------------------------

# Terraform's own implied local mirror directories on Linux, then the place this team's
# machines keep the mirror. Beyond these, a shallow search of the filesystem.
PLUGIN_DIR_CANDIDATES = (
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "/opt/tf-plugins",
)
_SEARCH_SKIP = {"/proc", "/sys", "/dev", "/run"}


def _holds_aws_provider(folder: Path) -> bool:
    return any((folder / "registry.terraform.io" / "hashicorp" / "aws").glob("*/*/terraform-provider-aws*"))


def _search(top: Path, depth: int) -> Iterable[Path]:
    """Folders named registry.terraform.io at most `depth` levels below `top`, like
    `find / -maxdepth 3 -name registry.terraform.io` without /proc and friends."""
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if str(path) in _SEARCH_SKIP or not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name == "registry.terraform.io":
            yield path
        elif depth > 1:
            yield from _search(path, depth - 1)


@functools.cache
def plugin_dir() -> Path:
    """The folder to pass as `terraform init -plugin-dir`: it holds
    registry.terraform.io/hashicorp/aws/<version>/<os_arch>/. $TF_PLUGIN_DIR if set."""
    configured = os.environ.get("TF_PLUGIN_DIR")
    if configured:
        folder = Path(configured).expanduser()
        if not _holds_aws_provider(folder):
            raise TerraformError(
                f"TF_PLUGIN_DIR={configured} holds no registry.terraform.io/hashicorp/aws/<version>/<os_arch>/"
            )
        return folder
    for candidate in PLUGIN_DIR_CANDIDATES:
        folder = Path(candidate).expanduser()
        if _holds_aws_provider(folder):
            return folder
    for found in _search(Path("/"), 3):
        if _holds_aws_provider(found.parent):
            return found.parent
    raise TerraformError(
        "no offline AWS provider found (a folder holding registry.terraform.io/hashicorp/aws/"
        "<version>/<os_arch>/terraform-provider-aws_*): set TF_PLUGIN_DIR to it"
    )


@functools.cache
def cli_config() -> Path:
    """A Terraform CLI configuration for this process: no checkpoint calls, and providers from
    the mirror only (no `direct` installation method, so nothing is ever downloaded)."""
    folder = Path(tempfile.mkdtemp(prefix="terraform-cli-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "terraform.tfrc"
    path.write_text(
        "disable_checkpoint = true\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path = {json.dumps(str(plugin_dir()))}\n"
        "  }\n"
        "}\n"
    )
    return path


def environment() -> dict[str, str]:
    """The environment terraform runs in: ours, not the developer's AWS or TF settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "TF_")) or name in ("TF_LOG", "TF_LOG_PATH")
    }
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config()),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
        AWS_EC2_METADATA_DISABLED="true",
        # Terraform and the provider honour these; loopback is never proxied.
        HTTP_PROXY=DEAD_PROXY,
        HTTPS_PROXY=DEAD_PROXY,
        NO_PROXY="127.0.0.1,localhost",
    )
    # Terraform and the AWS provider are Go programs that keep the provider's whole schema
    # (~300 MB) live, so at Go's default GOGC=100 they spend much of their CPU collecting
    # garbage. Measured here (module rules, 291 planned cases, one `terraform test`): 162 s of
    # CPU at 100, 120 s at 400, 108 s at 800 (peak 1.7 GB). The soft limit keeps any one
    # process from growing past it; a developer's own GOGC/GOMEMLIMIT win.
    env.setdefault("GOGC", "800")
    env.setdefault("GOMEMLIMIT", "2GiB")
    return env


# --- running terraform ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One finished terraform command: its combined output and how long it took."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def terraform(
    workdir: Path, *args: str, timeout: float = DEFAULT_TIMEOUT, check: bool = True, reattach: str | None = None
) -> Run:
    """Run `terraform <args>` in `workdir`; unless check=False, raise TerraformError with the
    output's tail when it fails. `reattach`: a provider_server's TF_REATTACH_PROVIDERS."""
    command = ("terraform", *args)
    started = time.monotonic()
    env = environment()
    if reattach is not None:
        env["TF_REATTACH_PROVIDERS"] = reattach
    try:
        result = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as timed_out:
        output = timed_out.stdout or ""
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        raise TerraformError(
            f"`{' '.join(command)}` in {workdir} did not finish in {timeout:.0f}s:\n{_tail(output)}"
        ) from None
    run = Run(tuple(args), result.returncode, result.stdout, time.monotonic() - started)
    if check and result.returncode != 0:
        raise _failure(workdir, run)
    return run


def _failure(workdir: Path, run: Run) -> TerraformError:
    return TerraformError(f"`terraform {' '.join(run.args)}` in {workdir} failed ({run.returncode}):\n{_tail(run.output)}")


def init(workdir: Path, *, backend: bool = True) -> Run:
    """`terraform init` from the mirror. backend=False for a directory that is only validated
    (e.g. cdktf.out itself: its local backend names a state file outside the directory)."""
    args = ["init", "-input=false", "-no-color", f"-plugin-dir={plugin_dir()}"]
    if not backend:
        args.append("-backend=false")
    return terraform(Path(workdir), *args)


# --- one AWS provider process for many commands ---------------------------------------------


def provider_binary(root: Path) -> Path:
    """The AWS provider `terraform init` installed in `root`."""
    providers = root / ".terraform" / "providers" / "registry.terraform.io" / "hashicorp" / "aws"
    found = sorted(providers.glob("*/*/terraform-provider-aws*"))
    if len(found) != 1:
        raise TerraformError(f"expected one AWS provider in {root}/.terraform after init, found {found}")
    return found[0]


_REATTACH = re.compile(r"TF_REATTACH_PROVIDERS='(\{.*\})'")


@contextlib.contextmanager
def provider_server(binary: Path, timeout: float = 60.0) -> Iterator[str]:
    """The AWS provider running in debug mode for the duration of the block; yields the value
    of TF_REATTACH_PROVIDERS that makes Terraform use it instead of starting its own (the
    mechanism Terraform documents for debugging providers). Every command then skips starting
    the 700 MB binary and checking its checksum against the lock file: ~1.1 s of CPU a
    `validate`, of 2.4."""
    # A short private TMPDIR: the provider's unix socket goes there (paths are limited to 108
    # bytes) and is removed with it.
    folder = Path(tempfile.mkdtemp(prefix="tfp-"))
    log = folder / "provider.log"
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [str(binary), "-debug"],
                env={**environment(), "TMPDIR": str(folder)},
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + timeout
            while True:
                found = _REATTACH.search(log.read_text(errors="replace"))
                if found:
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise TerraformError(
                        f"{binary} -debug did not offer TF_REATTACH_PROVIDERS:\n{log.read_text(errors='replace')[-3000:]}"
                    )
                time.sleep(0.02)
            yield found.group(1)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _ValidationServer:
    """One provider_server for every `validate` of this process, started by the first and
    stopped at exit. Validation never configures the provider (no credentials, no endpoints):
    it asks for the schema and checks each block against it, which one process answers for
    any number of commands, side by side."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._binary: Path | None = None
        self._reattach: str | None = None
        self._stack = contextlib.ExitStack()

    def reattach_for(self, workdir: Path) -> str | None:
        """TF_REATTACH_PROVIDERS for validating the initialized `workdir`, or None (then
        Terraform starts the provider itself) when its provider is another binary."""
        binary = provider_binary(workdir).resolve()
        with self._lock:
            if self._binary is None:
                self._reattach = self._stack.enter_context(provider_server(binary))
                self._binary = binary
                atexit.register(self._stack.close)
        return self._reattach if binary == self._binary else None


_VALIDATION_SERVER = _ValidationServer()


def validate(workdir: Path) -> list[dict[str, Any]]:
    """`terraform validate` of an initialized `workdir`; raises on errors, returns the warnings
    (diagnostics) so a test can insist there are none. The provider is a process shared by
    every validate (_ValidationServer); `init` has already held the configuration's version
    constraints against the mirror and recorded the provider in the lock file."""
    # Exit code 1 for an invalid configuration; the JSON report says why, more readably.
    workdir = Path(workdir)
    reattach = _VALIDATION_SERVER.reattach_for(workdir)
    run = terraform(workdir, "validate", "-json", "-no-color", timeout=120, check=False, reattach=reattach)
    try:
        report = json.loads(run.output)
    except ValueError:
        raise TerraformError(f"terraform validate in {workdir} failed ({run.returncode}):\n{_tail(run.output)}") from None
    if not report["valid"]:
        raise TerraformError(f"terraform validate in {workdir}:\n{_diagnostics(report)}")
    return report["diagnostics"]


def validate_copy(stack_dir: Path, workdir: Path) -> list[dict[str, Any]]:
    """`init -backend=false` and `validate` on a copy of a synthesized stack, so .terraform/
    never lands in the synth output; the backend block stays: validate sees the stack as users
    get it. Raises on errors; returns the warnings, with none about deprecated arguments."""
    shutil.copytree(stack_dir, workdir)
    init(workdir, backend=False)
    warnings = validate(workdir)
    deprecated = [w for w in warnings if "deprecated" in w.get("summary", "").lower()]
    if deprecated:
        raise TerraformError(f"terraform validate in {workdir} warns of deprecated arguments: {deprecated}")
    return warnings


def validate_copies(pairs: Mapping[Path, Path], *, at_once: int = 2) -> dict[Path, list[dict[str, Any]]]:
    """validate_copy for each (stack_dir -> workdir), `at_once` at a time (a core each: init and
    validate mostly load the provider's schema); the first failure is raised."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        futures = {stack_dir: pool.submit(validate_copy, stack_dir, workdir) for stack_dir, workdir in pairs.items()}
        return {stack_dir: future.result() for stack_dir, future in futures.items()}


def _diagnostics(report: Mapping[str, Any]) -> str:
    lines = []
    for diagnostic in report.get("diagnostics", []):
        span = diagnostic.get("range", {})
        where = diagnostic.get("address") or f"{span.get('filename', '')}:{span.get('start', {}).get('line', '')}"
        lines.append(f"{diagnostic['severity']}: {diagnostic['summary']} ({where})")
        lines.append(f"  {diagnostic.get('detail', '')}")
    return "\n".join(lines)


# terraform-provider-aws#18468: when the first CreateLogGroup gets no answer (on a loaded
# LocalStack, a dropped connection), the provider sends it again, and the retry finds the group
# its first attempt made. Seen here about once in three fresh-clone runs, ~90 ms after the
# first create.
_LOG_GROUP_RETRIED = re.compile(
    r"Error: creating CloudWatch Logs Log Group \((?P<name>[^)\n]+)\):[^\n]*ResourceAlreadyExistsException[^\n]*\n"
    r"(?:[ \t]*\n)*[ \t]*with (?P<address>[^,\s]+),"
)


def apply(workdir: Path, *, localstack: LocalStack | None = None, timeout: float = DEFAULT_TIMEOUT) -> Run:
    """`terraform apply -auto-approve` in a directory made by `prepare_workdir` and `init`ed;
    with `localstack`, against it. A log group the provider's own retry found already made
    (_LOG_GROUP_RETRIED) is this apply's: it is imported into the state and the apply run
    again, once; any other failure raises."""
    workdir = _prepared(workdir)
    if localstack is not None:
        write_localstack_override(workdir, localstack.endpoint)
    args = ("apply", "-auto-approve", "-input=false", "-no-color")
    run = terraform(workdir, *args, timeout=timeout, check=False)
    retried = _LOG_GROUP_RETRIED.findall(run.output) if run.returncode != 0 else []
    for name, address in retried:
        terraform(workdir, "import", "-input=false", "-no-color", address, name, timeout=timeout)
    if retried:
        run = terraform(workdir, *args, timeout=timeout, check=False)
    if run.returncode != 0:
        raise _failure(workdir, run)
    return run


def destroy(workdir: Path, *, localstack: LocalStack | None = None, timeout: float = DEFAULT_TIMEOUT) -> Run:
    workdir = _prepared(workdir)
    if localstack is not None:
        write_localstack_override(workdir, localstack.endpoint)
    return terraform(workdir, "destroy", "-auto-approve", "-input=false", "-no-color", timeout=timeout)


# Resource types whose `terraform destroy` never ends on LocalStack: the provider deletes the
# attribute and then waits (20 minutes by default) until GetQueueAttributes no longer returns
# it, but LocalStack keeps answering RedriveAllowPolicy="" (measured with localstack-core
# 2026.3 and provider 5.100). Forgetting them loses nothing: the queue they belong to is
# destroyed in the same run.
LOCALSTACK_DESTROY_HANGS = ("aws_sqs_queue_redrive_allow_policy",)
# Resources whose destroy LocalStack refuses: the provider removes a method's own settings with
# UpdateStage `remove /~1events/POST`, the form AWS takes (and `aws apigateway get-stage` lists),
# but LocalStack answers "Invalid method setting path". Forgotten before a destroy; the stage
# they belong to, destroyed in the same run, takes them with it.
LOCALSTACK_DESTROY_REFUSED = ("aws_api_gateway_method_settings",)


def _resource_type(address: str) -> str:
    """The resource type of a state address, also inside modules: module.a.aws_x.y -> aws_x."""
    parts = address.split(".")
    while parts and parts[0] == "module":
        parts = parts[2:]
    return parts[0] if parts else ""


def forget(workdir: Path, kinds: Iterable[str] = LOCALSTACK_DESTROY_HANGS) -> tuple[str, ...]:
    """`terraform state rm` every resource of the given types, so that a following `destroy`
    leaves them alone; returns the addresses removed."""
    workdir = _prepared(workdir)
    listed = terraform(workdir, "state", "list", "-no-color", timeout=120, check=False)
    if listed.returncode != 0:  # no state yet: nothing to forget
        return ()
    wanted = set(kinds)
    addresses = tuple(line for line in listed.output.split() if _resource_type(line) in wanted)
    if addresses:
        terraform(workdir, "state", "rm", "-no-color", *addresses, timeout=120)
    return addresses


def output(workdir: Path) -> dict[str, Any]:
    """The root module's outputs after apply, as plain values."""
    run = terraform(Path(workdir), "output", "-json", "-no-color", timeout=120)
    return {name: entry["value"] for name, entry in json.loads(run.output).items()}


def _prepared(workdir: Path) -> Path:
    workdir = Path(workdir)
    if not (workdir / MANIFEST_FILE).is_file():
        # apply writes an override that sends the stack to 127.0.0.1 and keeps state beside
        # it; in cdktf.out that would break the next real deploy.
        raise TerraformError(
            f"{workdir} was not made by prepare_workdir: apply and destroy work on a copy of the "
            "stack, never on cdktf.out; call prepare_workdir(<stack dir>, <tmp dir>) first"
        )
    return workdir


# --- the LocalStack override --------------------------------------------------------------


def localstack_override(config: Mapping[str, Any], endpoint: str) -> dict[str, Any]:
    """The override file's content for a stack `config`: each AWS provider configuration of the
    stack (the default one and every alias) talks to LocalStack at `endpoint`."""
    declared = config.get("provider", {}).get("aws", [{}])
    declared = [declared] if isinstance(declared, Mapping) else declared
    # An alias keeps its own region (LocalStack has them all: a stack's second region must stay
    # a second region); the default configuration gets ours.
    regions = {block.get("alias"): block.get("region") for block in declared if block.get("alias")}
    regions[None] = REGION
    settings = {
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        # Not skipped: the provider builds some ARNs itself (a stage's execution_arn, ...) and
        # without the account id they come out as arn:aws:execute-api:us-east-1::<id>/<stage>.
        # Asking costs one sts:GetCallerIdentity, which LocalStack answers (000000000000).
        "skip_requesting_account_id": False,
        "skip_region_validation": True,
        "s3_use_path_style": True,
        "endpoints": [{service: endpoint for service in ENDPOINT_SERVICES}],
        "http_proxy": DEAD_PROXY,
        "https_proxy": DEAD_PROXY,
        "no_proxy": "127.0.0.1,localhost",
        # The provider retries a failing call 25 times with backoff by default: minutes of
        # silence before a test reports a LocalStack error. Only retryable faults are retried
        # (5xx, throttling, a dropped connection), and under four parallel destroys LocalStack's
        # server does drop one now and then ("use of closed network connection" on
        # ListTagsForResource); 5 attempts ride that out in seconds.
        "max_retries": 5,
    }
    blocks = [
        {**({"alias": alias} if alias else {}), "region": region or REGION, **settings}
        for alias, region in sorted(regions.items(), key=lambda item: item[0] or "")
    ]
    return {"provider": {"aws": blocks}}


def write_localstack_override(workdir: Path, endpoint: str) -> Path:
    workdir = Path(workdir)
    config = json.loads((workdir / STACK_FILE).read_text())
    path = workdir / OVERRIDE_FILE
    path.write_text(json.dumps(localstack_override(config, endpoint), indent=2) + "\n")
    return path


# --- working copies and pruning -------------------------------------------------------------

StandIn = Mapping[str, str] | Callable[[Mapping[str, Any]], Mapping[str, str] | None]


def lambda_stand_in(function: Mapping[str, Any]) -> dict[str, str] | None:
    """What an excluded aws_lambda_function's attributes would be in LocalStack, so that a
    state machine definition or an IAM policy naming the function can still be created (Step
    Functions' mocked integrations then answer for it). None when the name is not literal."""
    name = function.get("function_name")
    if not isinstance(name, str) or "${" in name:
        return None
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    return {
        "arn": arn,
        "function_name": name,
        "qualified_arn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "invoke_arn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
    }


def pipe_stand_in(pipe: Mapping[str, Any]) -> dict[str, str] | None:
    """An excluded aws_pipes_pipe's name, so that an alarm on its metrics (dimension PipeName)
    is still created. None when the name is not literal."""
    name = pipe.get("name")
    if not isinstance(name, str) or "${" in name:
        return None
    return {"name": name}


DEFAULT_STAND_INS: Mapping[str, StandIn] = {"aws_lambda_function": lambda_stand_in, "aws_pipes_pipe": pipe_stand_in}


@dataclass(frozen=True)
class Pruned:
    """A stack config without the excluded resources, and what was removed or replaced."""

    config: dict[str, Any]
    excluded: tuple[str, ...]  # addresses removed: asked for, or depending on one that was
    dropped_outputs: tuple[str, ...]
    stood_in: tuple[str, ...]  # references replaced by a literal, e.g. aws_lambda_function.X.arn


# type.name[.attribute], optionally data.-prefixed, not itself part of a longer dotted name.
_REFERENCE = re.compile(
    r"(?<![\w.-])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?(?![\w-])"
)


def _references(value: Any) -> Iterable[tuple[str, str | None]]:
    """(address, attribute) pairs that a config value mentions, in interpolations or as bare
    references (depends_on)."""
    if isinstance(value, str):
        for match in _REFERENCE.finditer(value):
            data, kind, name, attribute = match.groups()
            yield f"{data or ''}{kind}.{name}", attribute
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _hcl_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def _rewrite(value: Any, removed: set[str], literals: Mapping[tuple[str, str], str]) -> Any:
    """`value` with bare references to removed addresses dropped from lists and references to
    stood-in attributes replaced by string literals (valid inside any ${...} expression)."""
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            data, kind, name, attribute = match.groups()
            literal = literals.get((f"{data or ''}{kind}.{name}", attribute or ""))
            return _hcl_string(literal) if literal is not None else match.group(0)

        return _REFERENCE.sub(substitute, value)
    if isinstance(value, Mapping):
        return {key: _rewrite(item, removed, literals) for key, item in value.items()}
    if isinstance(value, list):
        kept = [item for item in value if not (isinstance(item, str) and item in removed)]
        return [_rewrite(item, removed, literals) for item in kept]
    return value


def prune(
    config: Mapping[str, Any],
    exclude: Iterable[str],
    stand_ins: Mapping[str, StandIn] = DEFAULT_STAND_INS,
) -> Pruned:
    """Remove resources from a stack config. `exclude` names resource types
    ("aws_pipes_pipe") or addresses ("aws_pipes_pipe.Pipe_1A2B"). A reference from a kept
    resource to a removed one's attribute is replaced by the stand-in value for it
    (`stand_ins`, keyed by type or address: a mapping attribute -> value, or a function of the
    removed resource's config); without one, the referring resource is removed as well, and
    so on. Outputs referring to removed resources are dropped. Pure: no I/O."""
    patterns = set(exclude)
    blocks: dict[str, dict[str, Any]] = {}  # address -> config, resources and data sources
    for section, prefix in (("resource", ""), ("data", "data.")):
        for kind, named in config.get(section, {}).items():
            for name, body in named.items():
                blocks[f"{prefix}{kind}.{name}"] = body

    def kind_of(address: str) -> str:
        return address.removeprefix("data.").split(".")[0]

    def stand_in_for(address: str) -> Mapping[str, str]:
        stand_in = stand_ins.get(address) or stand_ins.get(kind_of(address))
        if callable(stand_in):
            stand_in = stand_in(blocks[address])
        return stand_in or {}

    removed = {
        address for address in blocks if not address.startswith("data.") and {address, kind_of(address)} & patterns
    }
    literals: dict[tuple[str, str], str] = {}
    changed = True
    while changed:  # removing one resource can orphan others that refer to it
        changed = False
        for address in sorted(blocks.keys() - removed):
            # depends_on entries naming a removed resource are simply dropped (see _rewrite).
            body = {key: value for key, value in blocks[address].items() if key != "depends_on"}
            for target, attribute in _references(body):
                if target not in removed:
                    continue
                value = stand_in_for(target).get(attribute) if attribute else None
                if value is None:
                    removed.add(address)
                    changed = True
                    break
                literals[(target, attribute)] = value

    pruned = json.loads(json.dumps(config))
    for address in removed:
        section = "data" if address.startswith("data.") else "resource"
        kind, name = address.removeprefix("data.").split(".", 1)
        del pruned[section][kind][name]
        if not pruned[section][kind]:
            del pruned[section][kind]
    dropped = sorted(
        name
        for name, body in config.get("output", {}).items()
        if any(target in removed for target, _ in _references(body))
    )
    for name in dropped:
        del pruned["output"][name]
    pruned = _rewrite(pruned, removed, literals)
    used = sorted(f"{target}.{attribute}" for target, attribute in literals)
    return Pruned(pruned, tuple(sorted(removed)), tuple(dropped), tuple(used))


@dataclass(frozen=True)
class Workdir:
    path: Path
    pruned: Pruned


def prepare_workdir(
    source: Path | Mapping[str, Any],
    dest: Path,
    *,
    exclude: Iterable[str] = (),
    stand_ins: Mapping[str, StandIn] = DEFAULT_STAND_INS,
) -> Workdir:
    """A working copy of a stack in `dest` (which must not exist yet): `source` is a
    synthesized stack directory (copied with its assets), a cdk.tf.json file, or a config dict.
    The copy's state stays in `dest` (the stack's backend block is removed: cdktf's names a
    state file outside the stack directory), and `exclude` is pruned (see `prune`)."""
    dest = Path(dest)
    if isinstance(source, Mapping):
        config = source
        dest.mkdir(parents=True)
    else:
        source = Path(source)
        stack_file = source / STACK_FILE if source.is_dir() else source
        config = json.loads(stack_file.read_text())
        if source.is_dir():
            ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl", OVERRIDE_FILE)
            shutil.copytree(source, dest, ignore=ignore)
        else:
            dest.mkdir(parents=True)
    pruned = prune(config, exclude, stand_ins)
    stack = dict(pruned.config)
    terraform_block = {key: value for key, value in stack.get("terraform", {}).items() if key != "backend"}
    stack["terraform"] = terraform_block
    (dest / STACK_FILE).write_text(json.dumps(stack, indent=2) + "\n")
    (dest / MANIFEST_FILE).write_text(
        json.dumps(
            {
                "source": str(source) if not isinstance(source, Mapping) else "(dict)",
                "excluded": pruned.excluded,
                "dropped_outputs": pruned.dropped_outputs,
                "stood_in": pruned.stood_in,
            },
            indent=2,
        )
        + "\n"
    )
    return Workdir(dest, Pruned(stack, pruned.excluded, pruned.dropped_outputs, pruned.stood_in))

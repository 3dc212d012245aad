"""LocalStack, our local AWS, run from its own venv as one process bound to 127.0.0.1.

`tools/localstack/install.sh` builds the venv (`make test` runs it). LocalStack runs in host
mode, without Docker: API Gateway, SQS, IAM, STS, Step Functions (with mocked service
integrations), Secrets Manager, CloudWatch, Logs, KMS and SNS work that way; EventBridge Pipes
(not in the community edition) and Lambda functions (need Docker) do not.

    with LocalStack(tmp_dir) as aws:
        aws.client("sqs").create_queue(QueueName="q")

Everything it writes (state, certificates, temporary files, the log) stays under the directory
it is given, except S3 object data, which LocalStack always keeps in /tmp/localstack-s3-storage
(our stacks store no objects). It talks to nothing but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VENV = ROOT / ".localstack-venv"

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
# LocalStack accepts any credentials; these are the ones its documentation uses.
ACCESS_KEY = SECRET_KEY = "test"

# The services our stacks touch; the other ~30 stay disabled. Lambda is left out on purpose:
# without Docker, CreateFunction ends in state Failed after LocalStack tried to download its
# Lambda runtime from GitHub, so Lambda resources are kept away from LocalStack (see
# support.terraform.LOCALSTACK_UNSUPPORTED). Step Functions still enables Lambda's API as a
# dependency of its own.
DEFAULT_SERVICES = (
    "apigateway",
    "sqs",
    "iam",
    "sts",
    "stepfunctions",
    "secretsmanager",
    "cloudwatch",
    "logs",
    "kms",
    "sns",
)

# Nothing listens on the discard port: any download LocalStack attempts (Lambda runtimes,
# service binaries) fails at once on loopback instead of reaching the network.
DEAD_PROXY = "http://127.0.0.1:9"
# WaitTimeSeconds for reading what a synchronous producer already stored (API Gateway answered
# after its SendMessage returned; boto3's send_message and a Lambda handler's returned after SQS
# stored the message). LocalStack answers a short poll from the whole queue, so an empty answer
# proves the queue empty; a long poll would only add its wait. (Real SQS samples a subset of its
# servers on a short poll: there, only a long poll proves absence.)
SHORT_POLL = 0


class LocalStackError(RuntimeError):
    """LocalStack is missing, did not start, or died; the message carries the log tail."""


def venv_path() -> Path:
    return Path(os.environ.get("LOCALSTACK_VENV") or DEFAULT_VENV)


def free_port() -> int:
    """A port nothing listens on right now (the kernel picks it). Another process may take it
    before LocalStack binds; `LocalStack.start` retries on a new port if that happens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _await_group_gone(group: int, timeout: float = 5.0) -> None:
    """Killed processes vanish once reaped; a group that outlives SIGKILL is worth a loud error
    rather than an orphan that holds a port and a core for the rest of the day."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise LocalStackError(f"processes of LocalStack's group {group} survived SIGKILL: `ps -g {group}`")
        time.sleep(0.05)


class LocalStack:
    """One LocalStack process. `start()` returns once every service answers; `stop()` ends the
    whole process group. Use one per test session: start-up takes a few seconds and the
    machine's cores are shared."""

    region = REGION
    account_id = ACCOUNT_ID

    def __init__(
        self,
        workdir: Path,
        *,
        venv: Path | None = None,
        services: Iterable[str] = DEFAULT_SERVICES,
        sfn_mock_config: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        """workdir: holds LocalStack's filesystem root and its log; kept after stop() so a
        failure report can point at the log. venv: default $LOCALSTACK_VENV, else
        <repo>/.localstack-venv. sfn_mock_config: the Step Functions mock configuration file
        (SFN_MOCK_CONFIG), default <workdir>/sfn-mock-config.json, created empty; its path is
        fixed at start, its content may change any time (see write_sfn_mocks). extra_env:
        further LocalStack settings (e.g. {"LS_LOG": "debug"})."""
        self.workdir = Path(workdir)
        self.venv = Path(venv) if venv else venv_path()
        self.services = tuple(services)
        self.sfn_mock_config = Path(sfn_mock_config or self.workdir / "sfn-mock-config.json")
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self.log_path = self.workdir / "localstack.log"
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def start(self) -> LocalStack:
        if self._process is not None:
            raise LocalStackError("LocalStack is already running")
        if not self.python.exists():
            raise LocalStackError(
                f"no LocalStack venv at {self.venv}: `make test` installs it, or run "
                "`bash tools/localstack/install.sh` (LOCALSTACK_VENV names another location)"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.sfn_mock_config.exists():
            self.write_sfn_mocks({"StateMachines": {}, "MockedResponses": {}})
        began = time.monotonic()
        # The port is free when picked but another process may bind it first; that shows as a
        # bind error in the log, and a new port fixes it.
        for attempt in range(3):
            self.port = free_port()
            self._spawn()
            try:
                self._wait_until_ready()
                break
            except LocalStackError:
                bind_failed = "address already in use" in self.log_tail(50).lower()
                self.stop()
                if not bind_failed or attempt == 2:
                    raise
        self.startup_seconds = time.monotonic() - began
        with self.log_path.open("a") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} ready after {self.startup_seconds:.1f}s\n")
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to the process group (LocalStack shuts its services down cleanly), SIGKILL
        after `timeout`. Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            # Also after a clean exit of the main process: nothing it started may outlive it.
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        _await_group_gone(process.pid)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process (and process group) id, so a test can check nothing is left behind."""
        return self._process.pid if self._process else None

    def _environment(self) -> dict[str, str]:
        assert self.port is not None
        listen = f"127.0.0.1:{self.port}"
        filesystem, home, tmp = (self.workdir / name for name in ("filesystem", "home", "tmp"))
        home.mkdir(exist_ok=True)
        tmp.mkdir(exist_ok=True)
        # Built from scratch, not from os.environ: a developer's shell (SERVICES, DEBUG,
        # AWS_*, ~/.localstack profiles via HOME) must not change the LocalStack under test.
        env = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "TZ") if name in os.environ}
        env.update(
            HOME=str(home),
            TMPDIR=str(tmp),
            PYTHONUNBUFFERED="1",
            # This machine is a container, and LocalStack then uses its container layout
            # (/etc/localstack, /var/lib/localstack) and listens on 0.0.0.0. We run it as a
            # host process: everything under FILESYSTEM_ROOT.
            OVERRIDE_IN_DOCKER="0",
            FILESYSTEM_ROOT=str(filesystem),
            GATEWAY_LISTEN=listen,
            LOCALSTACK_HOST=listen,
            # The default server, twisted, does not even start from a pip install (its TLS
            # needs service_identity, which localstack-core does not depend on); hypercorn
            # binds exactly GATEWAY_LISTEN.
            GATEWAY_SERVER="hypercorn",
            # Otherwise its DNS server takes port 53.
            DNS_ADDRESS="0",
            # Nothing leaves the machine: no analytics, no download of its signed certificate
            # (it then makes a self-signed one).
            DISABLE_EVENTS="1",
            SKIP_SSL_CERT_DOWNLOAD="1",
            OUTBOUND_HTTP_PROXY=DEAD_PROXY,
            OUTBOUND_HTTPS_PROXY=DEAD_PROXY,
            HTTP_PROXY=DEAD_PROXY,
            HTTPS_PROXY=DEAD_PROXY,
            NO_PROXY="127.0.0.1,localhost,::1",
            # LocalStack makes boto3 clients of its own (moto does, importing an OpenAPI body);
            # without credentials those walk the chain to the EC2 metadata service,
            # 169.254.169.254.
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=REGION,
            AWS_EC2_METADATA_DISABLED="true",
            SERVICES=",".join(self.services),
        )
        env["SFN_MOCK_CONFIG"] = str(self.sfn_mock_config.resolve())
        env.update(self.extra_env)
        return env

    def _spawn(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} starting LocalStack on 127.0.0.1:{self.port}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                [str(self.python), "-m", "localstack.runtime.main"],
                cwd=self.workdir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so stop() reaches every process it starts.
                start_new_session=True,
            )

    def _wait_until_ready(self) -> None:
        """Ready means: the health endpoint answers and LocalStack's READY stage completed
        (the moment it prints `Ready.`)."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise LocalStackError(
                    f"LocalStack exited with {self._process.returncode if self._process else '?'} "
                    f"during start-up; log {self.log_path}:\n{self.log_tail()}"
                )
            health = self._get_json("/_localstack/health")
            if health is not None and self._get_json("/_localstack/init/ready", {}).get("completed"):
                return
            time.sleep(0.1)
        raise LocalStackError(
            f"LocalStack not healthy after {self.startup_timeout:.0f}s; log {self.log_path}:\n{self.log_tail()}"
        )

    def _get_json(self, path: str, default: Any = None) -> Any:
        try:
            with urllib.request.urlopen(self.endpoint + path, timeout=2) as response:
                return json.load(response)
        except (OSError, ValueError):
            return default

    # --- what tests use -------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise LocalStackError("LocalStack has not been started")
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict[str, Any]:
        """/_localstack/health: the state of each service ("available", "running", ...)."""
        return self._get_json("/_localstack/health", {})

    def client(self, service: str, *, config: Any = None) -> Any:
        """A boto3 client for `service` pointed at this LocalStack (us-east-1, dummy keys).
        `config`: a botocore Config merged over ours."""
        import boto3
        from botocore.config import Config

        # Some operations prepend a host prefix (StartSyncExecution calls sync-<endpoint host>):
        # sync-127.0.0.1 is a DNS lookup that fails, and LocalStack serves them on its one port.
        ours = Config(inject_host_prefix=False)
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=ours.merge(config) if config else ours,
        )

    def aws_environment(self) -> dict[str, str]:
        """The AWS_* settings that point boto3 (a Lambda handler run here, an operator's
        command) at this LocalStack."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def operator_environment(self) -> dict[str, str]:
        """An operator's shell pointed at this LocalStack: this process's environment without
        its AWS settings and without those of a make that runs the tests (a nested `make`
        would otherwise join the outer one's jobs)."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE")) and k != "MFLAGS"},
            **self.aws_environment(),
        }

    def execute_api_url(self, api_id: str, stage: str, path: str = "") -> str:
        """The URL that invokes `path` (e.g. "/events") of a REST API stage. LocalStack's
        path-style form: the host form ({api_id}.execute-api.localhost.localstack.cloud) needs
        DNS, and this one takes the same request on 127.0.0.1."""
        return f"{self.endpoint}/_aws/execute-api/{api_id}/{stage}{path}"

    def local_url(self, invoke_url: str) -> str:
        """The LocalStack URL for an AWS invoke URL as Terraform outputs it: the provider
        computes a stage's `invoke_url` as https://<id>.execute-api.<region>.amazonaws.com/<stage>
        whatever the endpoint, and stacks output it plus a path. What a test POSTs to."""
        match = re.fullmatch(r"https://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com/([^/]+)(/.*)?", invoke_url)
        if not match:
            raise ValueError(
                f"{invoke_url!r} is not an API Gateway invoke URL "
                "(https://<id>.execute-api.<region>.amazonaws.com/<stage>...)"
            )
        api_id, stage, path = match.groups()
        return self.execute_api_url(api_id, stage, path or "")

    def write_sfn_mocks(self, mocks: Mapping[str, Any]) -> None:
        """Replace the Step Functions mock configuration ({"StateMachines": ..., "MockedResponses":
        ...}); executions started as <state machine arn>#<test case> use it from then on.
        LocalStack re-reads the file when its modification time, in whole seconds, changes:
        two writes within a second would leave the second unseen, so the time moves forward."""
        previous = int(self.sfn_mock_config.stat().st_mtime) if self.sfn_mock_config.exists() else 0
        self.sfn_mock_config.parent.mkdir(parents=True, exist_ok=True)
        self.sfn_mock_config.write_text(json.dumps(mocks, indent=2))
        stamp = max(int(time.time()), previous + 1)
        os.utime(self.sfn_mock_config, (stamp, stamp))

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def local_route(aws: LocalStack, source: Any, queue_url: str) -> Any:
    """`source`'s route as the library builds it, sending to a queue of this LocalStack (which
    does not check the integration's role)."""
    from constructs_lib.api import route_of
    from constructs_lib.openapi import sqs_integration_uri

    return route_of(
        source,
        integration_uri=sqs_integration_uri("aws", REGION, aws.account_id, queue_url.rsplit("/", 1)[1]),
        credentials_arn=f"arn:aws:iam::{aws.account_id}:role/unused-by-localstack",
    )

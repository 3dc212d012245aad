"""API Gateway mapping templates rendered by Apache Velocity 1.7, the real Java engine.

`ApiGatewayVtl.java` beside this file gives Velocity the `$input`, `$util`, `$context` and
`$stageVariables` objects API Gateway documents; its header says where each behaviour comes
from. This module compiles it once per source change into `.build/velocity/` and keeps one
JVM for the whole test session, so a render costs a pipe round trip, not a JVM start.

Debian's `velocity` package supplies the engine (and its commons-collections3 and
commons-lang jars); `make test` installs it. A missing engine is an error, never a skip: a
suite that silently stops rendering templates would pass on anything.

    render(template, body=...)            -> str
    render_many([RenderRequest(...), ...]) -> list[str], one JVM round trip per request

By default a render also fails when the template names a variable, property or method that
does not exist (`$util.urlEncod(...)`): API Gateway renders those as empty strings without
a word, so only the harness can catch them. Pass `strict=False` to see what AWS would send.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SOURCE = Path(__file__).resolve().with_name("ApiGatewayVtl.java")
BUILD = ROOT / ".build" / "velocity"
MAIN_CLASS = "ApiGatewayVtl"

# Debian installs every library jar under /usr/share/java (Java policy, section 2.2).
DEBIAN_JARS = (
    Path("/usr/share/java/velocity.jar"),  # velocity
    Path("/usr/share/java/commons-collections3.jar"),  # libcommons-collections3-java
    Path("/usr/share/java/commons-lang.jar"),  # libcommons-lang-java
)
CLASSPATH_ENV = "VELOCITY_CLASSPATH"
INSTALL_HINT = (
    "`make test` installs it; by hand: `apt-get update && apt-get install -y velocity default-jdk-headless`, "
    f"or point {CLASSPATH_ENV} at velocity-1.7, commons-collections 3 and commons-lang 2 jars "
    f"(joined with {os.pathsep!r})"
)
# A render is milliseconds; this bounds a JVM that hangs, so the suite fails instead of stalling.
RENDER_TIMEOUT_S = 60.0

# The $context a request has unless a test says otherwise: every key the mapping-template
# reference lists for a plain REST API call, with the guide's example values where it gives them.
DEFAULT_CONTEXT: dict[str, Any] = {
    "accountId": "123456789012",
    "apiId": "abcd1234",
    "domainName": "abcd1234.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "abcd1234",
    "extendedRequestId": "AbCdEfGhIjKlMnO=",
    "httpMethod": "POST",
    "identity": {
        "accountId": "",
        "apiKey": "",
        "apiKeyId": "",
        "caller": "",
        "sourceIp": "192.0.2.1",
        "user": "",
        "userAgent": "GitHub-Hookshot/1a2b3c4",
        "userArn": "",
    },
    "path": "/prod/webhooks/github",
    "protocol": "HTTP/1.1",
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "requestTime": "09/Apr/2015:12:34:56 +0000",
    "requestTimeEpoch": 1428582896000,
    "resourceId": "efg567",
    "resourcePath": "/webhooks/{source}",
    "stage": "prod",
}


class VelocityMissing(RuntimeError):
    """Java or the Velocity jars are not on this machine."""


class TemplateError(RuntimeError):
    """Velocity refused the template, or a function in it failed."""


class UnresolvedReferences(TemplateError):
    """The template names variables, properties or methods that do not exist."""

    def __init__(self, references: list[str], output: str) -> None:
        self.references = references
        self.output = output  # what API Gateway would have sent: each of them rendered empty
        super().__init__(
            f"references that resolve to nothing (API Gateway renders them empty): {', '.join(references)}"
        )


@dataclass(frozen=True)
class RenderRequest:
    """One method request as the mapping template sees it."""

    template: str
    body: str  # the raw payload; "" reads as "{}" in $input.body, as AWS does
    headers: Mapping[str, str] | None = None
    query: Mapping[str, str] | None = None
    path: Mapping[str, str] | None = None  # path parameters, e.g. {"source": "github"}
    context: Mapping[str, Any] | None = None  # merged over DEFAULT_CONTEXT, nested maps key by key
    stage_variables: Mapping[str, str] | None = None
    strict: bool = field(default=True)  # fail on references that resolve to nothing

    def wire(self) -> str:
        return json.dumps(
            {
                "template": self.template,
                "body": self.body,
                "headers": dict(self.headers or {}),
                "query": dict(self.query or {}),
                "path": dict(self.path or {}),
                "context": _merged(DEFAULT_CONTEXT, self.context or {}),
                "stageVariables": dict(self.stage_variables or {}),
            }
        )


def render(
    template: str,
    *,
    body: str,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    path: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    strict: bool = True,
) -> str:
    """The text API Gateway would send to the integration for this request."""
    request = RenderRequest(template, body, headers, query, path, context, stage_variables, strict)
    return render_many([request])[0]


def render_many(requests: Iterable[RenderRequest | Mapping[str, Any]]) -> list[str]:
    """Render each request in order in the session's JVM; a mapping takes RenderRequest's fields."""
    batch = [item if isinstance(item, RenderRequest) else RenderRequest(**item) for item in requests]
    replies = _engine().exchange([request.wire() for request in batch])
    outputs = []
    for request, reply in zip(batch, replies, strict=True):
        if "error" in reply:
            raise TemplateError(f"{reply['error']}\n--- template ---\n{request.template}")
        if request.strict and reply["invalidReferences"]:
            raise UnresolvedReferences(reply["invalidReferences"], reply["output"])
        outputs.append(reply["output"])
    return outputs


def classpath() -> list[Path]:
    """The engine's jars: VELOCITY_CLASSPATH when set, else Debian's."""
    override = os.environ.get(CLASSPATH_ENV)
    jars = [Path(entry) for entry in override.split(os.pathsep) if entry] if override else list(DEBIAN_JARS)
    missing = [str(jar) for jar in jars if not jar.is_file()]
    if missing:
        source = CLASSPATH_ENV if override else "Debian's velocity package"
        raise VelocityMissing(
            f"Apache Velocity 1.7 is not installed ({source}: no {', '.join(missing)}): {INSTALL_HINT}"
        )
    return jars


def compiled() -> Path:
    """The directory holding ApiGatewayVtl.class, compiled again only when the source or jars change."""
    jars = classpath()
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            raise VelocityMissing(f"`{tool}` is not on PATH (a JDK 11 or later is needed): {INSTALL_HINT}")
    digest = hashlib.sha256(SOURCE.read_bytes())
    for jar in jars:
        digest.update(f"\0{jar.resolve()}".encode())
    classes = BUILD / f"classes-{digest.hexdigest()[:16]}"
    if (classes / f"{MAIN_CLASS}.class").is_file():
        return classes
    BUILD.mkdir(parents=True, exist_ok=True)
    # Compile aside and rename into place, so a concurrent run never loads half-written classes.
    staging = Path(tempfile.mkdtemp(prefix="compiling-", dir=BUILD))
    result = subprocess.run(
        ["javac", "-encoding", "UTF-8", "-Xlint:all", "-d", str(staging), "-cp", _joined(jars), str(SOURCE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"javac failed on {SOURCE.name} (exit {result.returncode}):\n{result.stderr[-4000:]}")
    try:
        staging.rename(classes)
    except OSError:  # another run finished the same build first
        shutil.rmtree(staging, ignore_errors=True)
    for stale in BUILD.glob("classes-*"):
        if stale != classes:
            shutil.rmtree(stale, ignore_errors=True)
    return classes


def _joined(paths: Iterable[Path]) -> str:
    return os.pathsep.join(str(path) for path in paths)


def _merged(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


class _Engine:
    """One JVM reading request lines and answering one line each, in order."""

    def __init__(self) -> None:
        command = ["java", "-Xshare:auto", "-XX:+UseSerialGC", "-cp", _joined([compiled(), *classpath()]), MAIN_CLASS]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self._process.poll() is None

    def exchange(self, lines: list[str]) -> list[dict[str, Any]]:
        # One line out, one line back: writing everything first could fill both pipes and deadlock.
        replies = []
        with self._lock:
            for line in lines:
                assert "\n" not in line  # json.dumps escapes newlines; the protocol is one request a line
                self._process.stdin.write(line + "\n")
                self._process.stdin.flush()
                replies.append(json.loads(self._read_line()))
        return replies

    def _read_line(self) -> str:
        ready, _, _ = select.select([self._process.stdout], [], [], RENDER_TIMEOUT_S)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self.close()
            stderr = self._process.stderr.read() if self._process.stderr else ""
            raise RuntimeError(
                f"the Velocity JVM gave no answer within {RENDER_TIMEOUT_S:.0f} s "
                f"(exit {self._process.returncode}):\n{stderr[-4000:]}"
            )
        return line

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


_current: _Engine | None = None
_start_lock = threading.Lock()


def _engine() -> _Engine:
    global _current
    with _start_lock:
        if _current is None or not _current.alive():
            _current = _Engine()
            atexit.register(_current.close)
        return _current

"""Lambda: a Python function from a code folder, its log group and its least-privilege role.

The zip is ours (`assets.build_zip`), built at synth time and byte-identical for identical
sources; cdktf only copies it into the stack. cdktf's own directory assets are never used:
its archives carry file times, so every checkout would deploy "new" code.
"""

from __future__ import annotations

import atexit
import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from constructs import Construct
from pydantic import Field, field_validator, model_validator

from . import engine, policies
from .assets import DEFAULT_EXCLUDE, build_zip, source_code_hash
from .iam import service_role
from .prop_errors import FrozenProps, parse_props
from .limits import IAM_ROLE_NAME_MAX, check_log_retention

__all__ = ["LambdaAsset", "PythonFunction", "PythonFunctionProps", "execution_policy"]

ROLE_SUFFIX = "-lambda"
# Lambda refuses to create a function that sets one of these (Lambda developer guide,
# "Defined runtime environment variables").
RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    }
)
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_HANDLER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class PythonFunctionProps(FrozenProps):
    """Props of `PythonFunction`."""

    name: str = Field(
        description="function name; also names its log group /aws/lambda/<name> and role "
        "<name>-lambda; required"
    )
    code_dir: Path = Field(
        description="the code root: the folder whose files are the zip's top level (an absolute "
        "path, or relative to the working directory); required"
    )
    handler: str = Field(
        default="handler.handler",
        description="module.function Lambda calls; 'handler.handler' = function handler in handler.py",
    )
    runtime: str = Field(default="python3.12", description="Lambda runtime; python3.12")
    architecture: Literal["arm64", "x86_64"] = Field(
        default="arm64", description="instruction set; arm64 (Graviton: lower price per GB-second)"
    )
    memory_mb: int = Field(
        default=256, ge=128, le=10240, description="memory, and CPU in proportion to it; 256 MB"
    )
    timeout_seconds: int = Field(
        default=10, ge=1, le=900, description="longest run of one invocation before Lambda stops it; 10 s"
    )
    environment: dict[str, str] = Field(default_factory=dict, description="environment variables; none")
    source_account: str | None = Field(
        default=None,
        description="account id (or a Terraform reference to it) that the role's trust policy "
        "requires as aws:SourceAccount, the confused-deputy guard; None = no condition",
    )
    log_retention_days: int = Field(
        default=30, description="days CloudWatch keeps the function's logs; 30 (then they are deleted)"
    )
    log_kms_key_arn: str | None = Field(
        default=None,
        description="KMS key that encrypts the log group (its policy must let CloudWatch Logs use "
        "it); None = CloudWatch Logs' own encryption",
    )
    log_level: Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] = Field(
        default="INFO",
        description="lowest level of the logging records Lambda keeps (JSON log format); INFO",
    )
    policy_statements: tuple[dict[str, Any], ...] = Field(
        default=(),
        description="further IAM statements for the role, each naming its resources (e.g. "
        "secretsmanager:GetSecretValue on one secret ARN); none = logging only",
    )
    exclude: tuple[str, ...] = Field(
        default=DEFAULT_EXCLUDE,
        description="glob patterns left out of the zip; assets.DEFAULT_EXCLUDE (bytecode, caches, tests)",
    )
    compress_code: bool = Field(
        default=True,
        description="deflate the zip's files with constructs_lib.deflate (the same bytes on every "
        "machine); True: ~1/3 the size for Python source, deflated in pure Python at ~1 MB/s at every "
        "synth. False stores them: for tens of MB of vendored dependencies",
    )
    description: str = Field(default="", max_length=256, description="function description; none")
    tags: dict[str, str] = Field(default_factory=dict, description="tags on the function, role and log group; none")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        longest = IAM_ROLE_NAME_MAX - len(ROLE_SUFFIX)
        if not _FUNCTION_NAME.match(value) or len(value) > longest:
            raise ValueError(
                f"name {value!r} is not a usable function name: use 1-{longest} letters, digits, '-' "
                f"and '_' (the role '<name>{ROLE_SUFFIX}' must fit IAM's {IAM_ROLE_NAME_MAX} characters)"
            )
        return value

    @field_validator("runtime")
    @classmethod
    def _runtime(cls, value: str) -> str:
        if not re.fullmatch(r"python3\.\d+", value):
            raise ValueError(f"runtime {value!r} is not a Python runtime: use e.g. 'python3.12'")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return check_log_retention("log_retention_days", value)

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key in RESERVED_ENVIRONMENT:
                raise ValueError(f"environment variable {key!r} is set by Lambda itself: choose another name")
            if not _ENV_NAME.match(key):
                raise ValueError(
                    f"environment variable name {key!r}: use letters, digits and '_', starting with a letter"
                )
        return value

    @field_validator("policy_statements")
    @classmethod
    def _statements(cls, value: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        for statement in value:
            policies.check_statement(statement)
        return value

    @field_validator("code_dir")
    @classmethod
    def _code_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"code_dir {str(value)!r} is not a folder: point it at the function's code root")
        return value

    @model_validator(mode="after")
    def _handler_module(self) -> PythonFunctionProps:
        if not _HANDLER.match(self.handler):
            raise ValueError(f"handler {self.handler!r} is not module.function (e.g. 'handler.handler')")
        module, _ = self.handler.rsplit(".", 1)
        relative = Path(*module.split("."))
        candidates = (self.code_dir / relative.with_suffix(".py"), self.code_dir / relative / "__init__.py")
        if not any(candidate.is_file() for candidate in candidates):
            raise ValueError(
                f"handler {self.handler!r} names module {module!r}, but {str(self.code_dir)!r} has no "
                f"{relative.as_posix()}.py: fix handler or code_dir"
            )
        return self


def execution_policy(log_group_arn: str, statements: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """The function role's inline policy: write to its own log group, plus the caller's grants.

    No logs:CreateLogGroup: the group exists before the function, so a missing grant cannot
    end in an unmanaged group without retention. The provider's log group `arn` has no `:*`
    suffix; log streams are `<arn>:*`.
    """
    return {
        "Version": policies.VERSION,
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            *statements,
        ],
    }


_staging_dirs: list[Path] = []


def _remove_staging_dirs() -> None:
    for folder in _staging_dirs:
        shutil.rmtree(folder, ignore_errors=True)


def _stage(data: bytes, file_name: str) -> Path:
    """Write the zip where TerraformAsset can copy it from during `app.synth()`.

    A private temporary folder, removed when the process exits (synth is over by then): the
    source tree stays clean, and two synths on one machine never share or race on a file.
    """
    if not _staging_dirs:
        atexit.register(_remove_staging_dirs)
    folder = Path(tempfile.mkdtemp(prefix="lambda-zip-"))
    _staging_dirs.append(folder)
    path = folder / file_name
    path.write_bytes(data)
    return path


class LambdaAsset(Construct):
    """A code folder as a reproducible zip in the stack's `assets/` folder.

    Public attributes: `asset` (the TerraformAsset), `path` (the zip's path relative to the
    stack's directory, `assets/<id>/<sha256>/function.zip`, for `filename`), `source_code_hash`
    (base64 SHA-256 of the zip, equal to Terraform's `filebase64sha256(path)`), `size`.
    `exclude`, `executable` and `compress` are `assets.build_zip`'s.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        source_dir: Path,
        exclude: tuple[str, ...] = DEFAULT_EXCLUDE,
        executable: tuple[str, ...] = (),
        file_name: str = "function.zip",
        compress: bool = True,
    ) -> None:
        super().__init__(scope, id_)
        data = build_zip(Path(source_dir), exclude=exclude, executable=executable, compress=compress)
        self.source_code_hash = source_code_hash(data)
        self.size = len(data)
        # Our digest as the asset hash: cdktf names the copy after it, so the path in the
        # synthesized JSON changes exactly when the zip does.
        core = engine.of(self).core
        self.asset = core.TerraformAsset(
            self,
            "Zip",
            path=str(_stage(data, file_name)),
            type=core.AssetType.FILE,
            asset_hash=hashlib.sha256(data).hexdigest(),
        )
        self.path = self.asset.path


class PythonFunction(Construct):
    """A Python Lambda with a managed log group and a role that may only write its logs,
    plus the statements the caller grants.

    `props` is a `PythonFunctionProps` or a dict of its fields, checked before any resource is
    created. Public attributes: `function`, `role`, `policy` (the role's inline policy),
    `log_group`, `code` (LambdaAsset).
    """

    def __init__(self, scope: Construct, id_: str, props: PythonFunctionProps | dict[str, Any]) -> None:
        p: PythonFunctionProps = parse_props(PythonFunctionProps, props)
        super().__init__(scope, id_)
        self.props = p
        aws = engine.of(self).aws
        tags = p.tags or None

        self.code = LambdaAsset(self, "Code", source_dir=p.code_dir, exclude=p.exclude, compress=p.compress_code)
        # Created by us, before the function: Lambda would otherwise create the group on the
        # first log line, outside Terraform and without retention.
        self.log_group = aws.CloudwatchLogGroup(
            self,
            "LogGroup",
            name=f"/aws/lambda/{p.name}",
            retention_in_days=p.log_retention_days,
            kms_key_id=p.log_kms_key_arn,
            tags=tags,
        )
        execution = service_role(
            self,
            ("Role", "Policy"),
            name=f"{p.name}{ROLE_SUFFIX}",
            description=f"Execution role of the {p.name} Lambda function",
            service="lambda.amazonaws.com",
            # aws:SourceAccount only: Lambda documents no aws:SourceArn value for the role it
            # assumes, and a SourceArn condition is known to break functions in a VPC.
            source_account=p.source_account,
            policy_name="execution",
            policy=execution_policy(self.log_group.arn, p.policy_statements),
            tags=tags,
        )
        self.role, self.policy = execution.role, execution.policy
        self.function = aws.LambdaFunction(
            self,
            "Function",
            function_name=p.name,
            description=p.description or None,
            role=self.role.arn,
            handler=p.handler,
            runtime=p.runtime,
            architectures=[p.architecture],
            memory_size=p.memory_mb,
            timeout=p.timeout_seconds,
            filename=self.code.path,
            source_code_hash=self.code.source_code_hash,
            environment=aws.LambdaFunctionEnvironment(variables=p.environment) if p.environment else None,
            logging_config=aws.LambdaFunctionLoggingConfig(
                log_format="JSON",
                log_group=self.log_group.name,
                application_log_level=p.log_level,
                system_log_level="WARN",
            ),
            tags=tags,
            # The policy too: an invocation right after create must already be able to log.
            depends_on=[self.log_group, self.policy],
        )

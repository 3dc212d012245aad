"""Props of `PythonFunction` (function.py: a Python Lambda, its log group and its role), and
their checks.

Pure: no cdktf.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from .assets import DEFAULT_EXCLUDE
from .limits import IAM_ROLE_NAME_MAX, check_log_retention
from .naming import LAMBDA_ROLE_SUFFIX
from .policies import check_statements
from .tokens import OrToken, is_token
from .prop_errors import FrozenProps

__all__ = ["PythonFunctionProps"]

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

    name: Annotated[str, OrToken] = Field(
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
    log_retention_days: Annotated[int, OrToken] = Field(
        default=30, description="days CloudWatch keeps the function's logs; 30 (then they are deleted)"
    )
    log_kms_key_arn: Annotated[str | None, OrToken] = Field(
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
    tags: Annotated[dict[str, str], OrToken] = Field(default_factory=dict, description="tags on the function, role and log group; none")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        longest = IAM_ROLE_NAME_MAX - len(LAMBDA_ROLE_SUFFIX)
        if is_token(value):
            return value
        if not _FUNCTION_NAME.match(value) or len(value) > longest:
            raise ValueError(
                f"name {value!r} is not a usable function name: use 1-{longest} letters, digits, '-' "
                f"and '_' (the role '<name>{LAMBDA_ROLE_SUFFIX}' must fit IAM's {IAM_ROLE_NAME_MAX} characters)"
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
        if is_token(value):
            return value
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
        return check_statements(value)

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

"""Lambda: a Python function from a code folder, its log group and its least-privilege role.

The zip is ours (`assets.build_zip`), built at synth time and byte-identical for identical
sources; cdktf only copies it into the stack. cdktf's own directory assets are never used:
its archives carry file times, so every checkout would deploy "new" code.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from constructs import Construct

from . import engine, policies
from .assets import DEFAULT_EXCLUDE, build_zip, source_code_hash
from .iam import service_role
from .function_props import PythonFunctionProps
from .naming import LAMBDA_ROLE_SUFFIX
from .prop_errors import parse_props

__all__ = ["LambdaAsset", "PythonFunction", "PythonFunctionProps"]

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


# Context key set by module_command: the stack becomes a Terraform module.
MODULE_CONTEXT = "constructs_lib:module"


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
        # In a Terraform module (module_command), a relative `filename` would be read from the
        # caller's directory: the module's own is `path.module`.
        in_module = self.node.try_get_context(MODULE_CONTEXT)
        self.path = f"${{path.module}}/{self.asset.path}" if in_module else self.asset.path


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
            name=f"{p.name}{LAMBDA_ROLE_SUFFIX}",
            description=f"Execution role of the {p.name} Lambda function",
            service="lambda.amazonaws.com",
            # aws:SourceAccount only: Lambda documents no aws:SourceArn value for the role it
            # assumes, and a SourceArn condition is known to break functions in a VPC.
            source_account=p.source_account,
            policy_name="execution",
            policy=policies.execution_policy(self.log_group.arn, p.policy_statements),
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

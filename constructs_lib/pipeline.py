"""Behind a source's queue: signing secret, verifier Lambda, Express workflow, EventBridge Pipe.

    queue --Pipe (batch, REQUEST_RESPONSE)--> StateMachine: Map(Verify -> Process | Rejected)
                                              -> {"batchItemFailures": [...]} back to the pipe
                                              Rejected -> the source's rejected queue

The definition comes from the pure builder `workflow.webhook_workflow`; the IAM documents from
`policies`. Every role is scoped to the ARNs it serves.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from constructs import Construct

from . import engine, policies
from .handshakes import EDGE_POST_HANDSHAKES
from .function import PythonFunction, PythonFunctionProps
from .iam import service_role
from .terraform_text import terraform_string
from .terraform_values import count_when, instance_ref, with_statements
from .tokens import is_token
from .naming import pipeline_names
from .pipeline_props import ProcessCode, Processing, ProcessFunction, ProcessStates
from .source_props import EDGE_HANDSHAKES, WebhookSource
from .verifier_schemes import VERIFIER_DIR
from .workflow import webhook_workflow

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

__all__ = ["WebhookPipeline", "edge_environment", "verifier_environment"]

# The edge function answers checks that wait 3 seconds (Slack, Zoom, Discord): a short timeout,
# and memory enough for a quick cold start (Lambda's CPU grows with it).
EDGE_TIMEOUT_SECONDS = 5
EDGE_MEMORY_MB = 256


def edge_environment(source: WebhookSource, secret_arn: str | None, queue_url: str) -> dict[str, str]:
    """The edge function's configuration (lambda_src/verifier/edge.py): the verifier's, the check
    it answers and, where deliveries pass it, their queue."""
    environment = {**verifier_environment(source, secret_arn), "WEBHOOK_HANDSHAKE": str(source.handshake)}
    if source.handshake in EDGE_POST_HANDSHAKES:
        environment["WEBHOOK_QUEUE_URL"] = queue_url
    return environment


def verifier_environment(source: WebhookSource, secret_arn: str | None) -> dict[str, str]:
    """The verifier Lambda's configuration (see lambda_src/verifier/handler.py): a public key
    itself, or the secret that holds the secret(s)."""
    processing = source.processing
    assert processing is not None
    environment = {"WEBHOOK_SCHEME": processing.scheme}
    if processing.public_key is not None:
        environment["WEBHOOK_PUBLIC_KEY"] = processing.public_key
    else:
        assert secret_arn is not None
        environment["WEBHOOK_SECRET_ARN"] = secret_arn
    environment["WEBHOOK_TOLERANCE_SECONDS"] = str(processing.tolerance_seconds)
    environment["WEBHOOK_SECRET_JSON_KEY"] = processing.secret_json_key
    if processing.signature is not None:
        # Compact and key-sorted: the same settings always make the same environment.
        environment["WEBHOOK_HMAC"] = json.dumps(processing.signature.settings(), sort_keys=True, separators=(",", ":"))
    if processing.signed_url is not None:
        environment["WEBHOOK_SIGNED_URL"] = processing.signed_url
    # The scheme's own delivery headers the verifier knows; only the prop needs saying.
    if source.delivery_id_header:
        environment["WEBHOOK_DELIVERY_ID_HEADER"] = source.delivery_id_header
    return environment


class WebhookPipeline(Construct):
    """Verify and process one source's deliveries as they leave its queue.

    `partition`, `region` and `account` (or references to them) name the state machine and the
    pipe in their roles' trust policies, the confused-deputy guard. Public attributes:
    `secret_arn` (None with a `public_key`), `secret` (the SecretsmanagerSecret, None with a
    `public_key` or when an existing one is used), `verifier` and `processor` (PythonFunction; `processor` is None unless
    the processing step is ProcessCode), `state_machine`, `workflow_role`, `workflow_log_group`, `pipe`,
    `pipe_role`, `pipe_log_group`, `definition` (the ASL document as built).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        prefix: str,
        source: WebhookSource,
        queue: SqsQueue,
        rejected_queue: SqsQueue,
        tags: dict[str, str],
        partition: str,
        region: str,
        account: str,
        queue_key_arn: str | None = None,
        log_key_arn: str | None = None,
        queue_key_used: Any = None,
        api_execution_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        aws = engine.of(self).aws
        p: Processing = source.processing  # type: ignore[assignment]
        assert p is not None, "WebhookPipeline needs a source with processing"
        names = pipeline_names(prefix, source.name)
        tag_map = tags or None
        key_used = queue_key_arn is not None if queue_key_used is None else queue_key_used

        self.secret: SecretsmanagerSecret | None = None
        self.secret_arn: str | None = None
        given = p.secret_arn
        if p.public_key is not None:
            pass  # the verifier holds the provider's public key: no secret to make or read
        elif given is None or is_token(given):
            # No secret version: the value never passes through Terraform or its state. A
            # Terraform value for secret_arn may be null: then the secret is created (count).
            core = engine.of(self).core
            missing = core.Op.eq(given, core.Token.null_value()) if given is not None else None
            self.secret = aws.SecretsmanagerSecret(
                self,
                "Secret",
                name=names.secret,
                description=f"Signing secret of the {source.name} webhooks ({p.scheme}). Set it with "
                "aws secretsmanager put-secret-value; a JSON array of strings holds several during "
                "rotation.",
                kms_key_id=p.secret_kms_key_arn,
                tags=tag_map,
                count=core.Token.as_number(core.Fn.conditional(missing, 1, 0)) if missing is not None else None,
            )
            self.secret_arn = (
                self.secret.arn
                if missing is None
                else core.Token.as_string(core.Fn.conditional(missing, instance_ref(self.secret, "arn"), given))
            )
        else:
            self.secret_arn = p.secret_arn

        lambda_common: dict[str, Any] = {
            "architecture": p.architecture,
            "memory_mb": p.memory_mb,
            "log_retention_days": p.log_retention_days,
            "log_kms_key_arn": log_key_arn,
            "tags": tags,
        }
        self.verifier = PythonFunction(
            self,
            "Verifier",
            PythonFunctionProps(
                name=names.verifier,
                code_dir=VERIFIER_DIR,
                timeout_seconds=p.verifier_timeout_seconds,
                environment=verifier_environment(source, self.secret_arn),
                policy_statements=self._secret_read_statements(p),
                description=f"Checks the {p.scheme} signature of {source.name} webhooks",
                source_account=account,
                **lambda_common,
            ),
        )
        self._secret_key_grant("VerifierSecretKeyPolicy", self.verifier.role.id, p.secret_kms_key_arn)
        self.edge: PythonFunction | None = None
        if source.handshake in EDGE_HANDSHAKES:
            assert api_execution_arn is not None, "an edge function needs the API that calls it"
            self.edge = self._edge(source, names.edge, queue, account, api_execution_arn, lambda_common, queue_key_arn, key_used)
        self.processor: PythonFunction | None = None
        process: str | dict[str, Any]
        step = p.process
        if isinstance(step, ProcessCode):
            self.processor = PythonFunction(
                self,
                "Processor",
                PythonFunctionProps(
                    name=names.processor,
                    code_dir=step.code_dir,
                    timeout_seconds=step.timeout_seconds,
                    description=f"Processes verified {source.name} webhooks",
                    source_account=account,
                    **lambda_common,
                ),
            )
            process = self.processor.function.arn
        elif isinstance(step, ProcessFunction):
            process = step.function_arn
        else:
            process = step.states
        invoked = [self.verifier.function.arn] + ([process] if isinstance(process, str) else [])

        self.definition = webhook_workflow(
            self.verifier.function.arn,
            process,
            rejected_queue_url=rejected_queue.url,
            ordered=source.fifo,
            max_concurrency=p.max_concurrency,
            timeout_seconds=p.workflow_timeout_seconds,
        )
        self.workflow_log_group = aws.CloudwatchLogGroup(
            self,
            "WorkflowLogGroup",
            # The /aws/vendedlogs/ prefix keeps Step Functions' log delivery from growing the
            # account's CloudWatch Logs resource policy past its size limit (AWS recommendation).
            name=f"/aws/vendedlogs/states/{names.state_machine}",
            retention_in_days=p.log_retention_days,
            kms_key_id=log_key_arn,
            tags=tag_map,
        )
        workflow = service_role(
            self,
            ("WorkflowRole", "WorkflowPolicy"),
            name=names.workflow_role,
            description=f"Lets the {source.name} webhook workflow invoke its functions and log",
            service="states.amazonaws.com",
            source_account=account,
            source_arn=f"arn:{partition}:states:{region}:{account}:stateMachine:{names.state_machine}",
            policy_name="workflow",
            policy=with_statements(
                self,
                policies.state_machine_policy(
                    invoked,
                    tracing=p.tracing,
                    extra=(
                        *policies.keep_rejected_statements(rejected_queue.arn),
                        *(step.policy_statements if isinstance(step, ProcessStates) else ()),
                    ),
                ),
                policies.keep_rejected_key_statements(queue_key_arn) if queue_key_arn else [],
                key_used,
            ),
            tags=tag_map,
        )
        self.workflow_role, workflow_policy = workflow.role, workflow.policy
        self.state_machine = aws.SfnStateMachine(
            self,
            "StateMachine",
            name=names.state_machine,
            type="EXPRESS",
            role_arn=self.workflow_role.arn,
            definition=terraform_string(self.definition),
            logging_configuration=aws.SfnStateMachineLoggingConfiguration(
                log_destination=f"{self.workflow_log_group.arn}:*",
                level=p.workflow_log_level,
                include_execution_data=p.log_execution_data,
            ),
            tracing_configuration=aws.SfnStateMachineTracingConfiguration(enabled=p.tracing),
            tags=tag_map,
            # Step Functions checks the role's rights (log delivery) when the machine is created.
            depends_on=[workflow_policy],
        )

        self.pipe_log_group = aws.CloudwatchLogGroup(
            self,
            "PipeLogGroup",
            name=f"/aws/vendedlogs/pipes/{names.pipe}",
            retention_in_days=p.log_retention_days,
            kms_key_id=log_key_arn,
            tags=tag_map,
        )
        pipe = service_role(
            self,
            ("PipeRole", "PipePolicy"),
            name=names.pipe_role,
            description=f"Lets the {source.name} pipe move deliveries from its queue to its workflow",
            service="pipes.amazonaws.com",
            source_account=account,
            source_arn=f"arn:{partition}:pipes:{region}:{account}:pipe/{names.pipe}",
            policy_name="pipe",
            policy=with_statements(
                self,
                policies.pipe_policy(queue.arn, self.state_machine.arn, self.pipe_log_group.arn),
                policies.queue_key_statements(queue_key_arn, send=False) if queue_key_arn else [],
                key_used,
            ),
            tags=tag_map,
        )
        self.pipe_role, pipe_policy = pipe.role, pipe.policy
        self.pipe = aws.PipesPipe(
            self,
            "Pipe",
            name=names.pipe,
            description=f"{source.name} webhooks: queue -> verify and process workflow",
            role_arn=self.pipe_role.arn,
            source=queue.arn,
            target=self.state_machine.arn,
            source_parameters=aws.PipesPipeSourceParameters(
                sqs_queue_parameters=aws.PipesPipeSourceParametersSqsQueueParameters(
                    batch_size=source.pipe_batch_size,
                    maximum_batching_window_in_seconds=p.batch_window_seconds,
                )
            ),
            target_parameters=aws.PipesPipeTargetParameters(
                step_function_state_machine_parameters=aws.PipesPipeTargetParametersStepFunctionStateMachineParameters(
                    # Synchronous: the pipe reads batchItemFailures from the execution's output.
                    invocation_type="REQUEST_RESPONSE"
                )
            ),
            log_configuration=aws.PipesPipeLogConfiguration(
                level=p.pipe_log_level,
                cloudwatch_logs_log_destination=aws.PipesPipeLogConfigurationCloudwatchLogsLogDestination(
                    log_group_arn=self.pipe_log_group.arn
                ),
                include_execution_data=["ALL"] if p.log_execution_data else None,
            ),
            tags=tag_map,
            # The pipe starts polling as soon as it exists; without its rights it would fail.
            depends_on=[pipe_policy],
        )

    def _secret_read_statements(self, p: Processing) -> tuple[dict[str, Any], ...]:
        """Reading the signing secret (and decrypting it with a key given as a plain value; a
        Terraform value gets its own counted grant, see _secret_key_grant)."""
        if self.secret_arn is None:
            return ()
        key = None if is_token(p.secret_kms_key_arn) else p.secret_kms_key_arn
        return tuple(policies.secret_read_statements(self.secret_arn, key))

    def _counted_policy(self, id_: str, name: str, role_id: str, statements: list[dict[str, Any]], count: Any) -> None:
        """A role policy that exists only when Terraform decides (`count`)."""
        engine.of(self).aws.IamRolePolicy(
            self,
            id_,
            name=name,
            role=role_id,
            policy=json.dumps({"Version": policies.VERSION, "Statement": statements}),
            count=count,
        )

    def _secret_key_grant(self, id_: str, role_id: str, key_arn: str | None) -> None:
        """With the secret's key a Terraform value that may be null: the grant to decrypt with it
        is a policy of its own, made only with a key."""
        if key_arn is None or not is_token(key_arn):
            return
        core = engine.of(self).core
        self._counted_policy(
            id_,
            "decrypt-signing-secret",
            role_id,
            policies.secret_key_statements(key_arn),
            count_when(self, core.Op.not_(core.Op.eq(key_arn, core.Token.null_value()))),
        )

    def _edge(
        self,
        source: WebhookSource,
        name: str,
        queue: SqsQueue,
        account: str,
        api_execution_arn: str,
        common: dict[str, Any],
        queue_key_arn: str | None,
        key_used: Any,
    ) -> PythonFunction:
        """The function answering the source's endpoint check on its route (see handshakes):
        the verifier's code and secret; on a POST route it also sends every delivery to the
        queue, exactly as the route would."""
        p = source.processing
        assert p is not None
        aws = engine.of(self).aws
        post = source.handshake in EDGE_POST_HANDSHAKES
        statements = list(self._secret_read_statements(p))
        if post:
            statements.append(
                {"Sid": "SendToItsQueue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue.arn}
            )
            if queue_key_arn is not None and key_used is True:
                statements += policies.queue_key_statements(queue_key_arn, send=True)
        edge = PythonFunction(
            self,
            "Edge",
            PythonFunctionProps(
                name=name,
                code_dir=VERIFIER_DIR,
                handler="edge.handler",
                # Zoom and Slack wait 3 seconds for the answer.
                timeout_seconds=EDGE_TIMEOUT_SECONDS,
                environment=edge_environment(source, self.secret_arn, queue.url),
                policy_statements=tuple(statements),
                description=f"Answers {source.handshake}'s endpoint check on the {source.name} route",
                source_account=account,
                **{**common, "memory_mb": max(common["memory_mb"], EDGE_MEMORY_MB)},
            ),
        )
        if post and queue_key_arn is not None and key_used is not True:
            # The queue key is a Terraform choice: its grant is a policy of its own, made with the key.
            self._counted_policy(
                "EdgeQueueKeyPolicy", "use-queue-key", edge.role.id, policies.queue_key_statements(queue_key_arn, send=True), count_when(self, key_used)
            )
        self._secret_key_grant("EdgeSecretKeyPolicy", edge.role.id, p.secret_kms_key_arn)
        method = "POST" if post else "GET"
        aws.LambdaPermission(
            self,
            "EdgeInvoke",
            statement_id="ApiGatewayInvokes",
            action="lambda:InvokeFunction",
            function_name=edge.function.function_name,
            principal="apigateway.amazonaws.com",
            # Only this route's method, on any stage of this API.
            source_arn=f"{api_execution_arn}/*/{method}{source.route}",
        )
        return edge

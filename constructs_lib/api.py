"""API Gateway: the REST API (one OpenAPI document), its role, deployment and stage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs import Construct

from . import engine, openapi, policies, vtl
from ._arn import ACCOUNT, PARTITION, REGION, arn_part
from .iam import service_role
from .terraform_text import RawJson, terraform_string
from .terraform_values import count_when, instance_ref, total, with_statements
from .tokens import is_token
from .schema import api_gateway_schema, openapi_component
from .naming import pipeline_names
from .handshakes import EDGE_POST_HANDSHAKES
from .source_props import EDGE_HANDSHAKES, WebhookSource
from .webhook_props import WebhookIngestProps

if TYPE_CHECKING:
    from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
    from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey
    from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
        ApiGatewayMethodSettings,
        ApiGatewayMethodSettingsSettings,
    )
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

# What each access log line holds: who called, what happened, how long it took. JSON, so Logs
# Insights can query it; never the body or headers (signatures, personal data).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "errorMessage": "$context.error.message",
    "validationError": "$context.error.validationErrorString",
    "integrationStatus": "$context.integration.status",
    "integrationError": "$context.integration.error",
    "integrationLatencyMs": "$context.integration.latency",
    "latencyMs": "$context.responseLatency",
}
# API Gateway's default account quota per region (steady requests per second, burst).
API_GATEWAY_ACCOUNT_RATE = 10000.0
API_GATEWAY_ACCOUNT_BURST = 5000
# AWS's managed policy for API Gateway's account-level logging role (it creates the execution
# log groups itself, so the grant cannot name them in advance).
PUSH_TO_CLOUDWATCH_POLICY = "iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@dataclass(frozen=True)
class ApiSource:
    source: WebhookSource
    queue: SqsQueue



def model_name(source: WebhookSource) -> str:
    return "".join(part.capitalize() for part in source.name.split("-")) + "Body"


def send_message_spec(source: WebhookSource, *, raw: bool = False) -> vtl.SendMessageSpec:
    """The request template's settings: for JSON bodies, or (raw) for the source's content_types."""
    return vtl.SendMessageSpec(
        raw=raw,
        graph_validation=source.handshake == "graph",
        attribute_headers=source.attribute_headers,
        fifo=source.fifo,
        group_id_path=source.group_id_field,
        group_id_fallback=source.group_id_fallback,
        dedup_id_headers=source.delivery_headers if source.fifo else (),
        url=source.processing is not None and source.processing.signs_url,
    )


def route_of(
    source: WebhookSource, *, integration_uri: str, credentials_arn: str, edge_uri: str | None = None
) -> openapi.Route:
    """The source's route: its model and templates, and the check it answers (edge_uri: the
    edge function's, for the checks it answers)."""
    model = source.model
    return openapi.Route(
        path=source.route,
        operation_id=f"queue_{source.name.replace('-', '_')}",
        model_name=model_name(source) if model is not None else None,
        schema=openapi_component(api_gateway_schema(model)) if model is not None else None,
        integration_uri=integration_uri,
        credentials_arn=credentials_arn,
        request_template=vtl.send_message_template(send_message_spec(source)) if model is not None else "",
        raw_types=source.content_types,
        raw_template=vtl.send_message_template(send_message_spec(source, raw=True)) if source.content_types else "",
        handshake=source.handshake,
        verify_token=source.verify_token,
        edge_uri=edge_uri if source.handshake in EDGE_HANDSHAKES else None,
    )


def method_path(route: str, method: str = "POST") -> str:
    """A method's key in API Gateway's method settings, as `aws_api_gateway_method_settings`
    passes it on unchanged: the resource path with every '/' written `~1`, then the method
    (`~1webhooks~1github/POST`, what `aws apigateway get-stage` lists). A plain
    `webhooks/github/POST` is refused by UpdateStage or, on read, not found."""
    return f"{route.replace('/', '~1')}/{method}"


class WebhookApi(Construct):
    """REST API whose routes validate bodies and send them to SQS without a Lambda.

    Public attributes: `rest_api`, `role`, `deployment`, `stage`, `invoke_url`,
    `access_log_group`, `execution_log_group` (None when execution_log_level is OFF),
    `method_settings` (the stage's defaults), `route_settings` (source name -> its route's
    method settings: throttling), `account` (None unless manage_account_logging_role),
    `api_key` (None unless api_key_required).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        props: WebhookIngestProps,
        sources: list[ApiSource],
        queue_key_arn: str | None = None,
        log_key_arn: str | None = None,
        queue_key_used: Any = None,
    ) -> None:
        super().__init__(scope, id_)
        found = engine.of(self)
        aws, core = found.aws, found.core
        name, stage_name, tags = props.name, props.stage_name, props.tags
        partition = arn_part(self, sources[0].queue.arn, PARTITION)
        self.role = service_role(
            self,
            ("Role", "SendMessage"),
            name=f"{name}-apigw-sqs",
            description="Lets API Gateway send webhook deliveries to their queues",
            service="apigateway.amazonaws.com",
            policy_name="send-message",
            policy=with_statements(
                self,
                # The queues of the routes that send directly; an edge function sends for its own.
                policies.send_message_policy(
                    [s.queue.arn for s in sources if s.source.handshake not in EDGE_POST_HANDSHAKES]
                    or [s.queue.arn for s in sources]
                ),
                policies.queue_key_statements(queue_key_arn, send=True) if queue_key_arn else [],
                queue_key_arn is not None if queue_key_used is None else queue_key_used,
            ),
            tags=tags,
        ).role
        routes = []
        for s in sources:
            where = (arn_part(self, s.queue.arn, PARTITION), arn_part(self, s.queue.arn, REGION), arn_part(self, s.queue.arn, ACCOUNT))
            routes.append(
                route_of(
                    s.source,
                    integration_uri=openapi.sqs_integration_uri(*where, s.queue.name),
                    credentials_arn=self.role.arn,
                    edge_uri=openapi.lambda_integration_uri(*where, pipeline_names(name, s.source.name).edge),
                )
            )
        document = openapi.build_openapi(
            name,
            routes,
            description=f"Webhook ingest: {name}",
            api_key=self._security(props.api_key_required),
            allowed_source_ips=self._source_policy(props.allowed_source_ips),
        )
        self.rest_api = aws.ApiGatewayRestApi(
            self,
            "RestApi",
            name=name,
            description=f"Webhook ingest: {name}",
            body=terraform_string(document),
            endpoint_configuration=aws.ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            tags=tags or None,
            # Should the API ever be replaced, the new one exists before the old one goes.
            lifecycle=core.TerraformResourceLifecycle(create_before_destroy=True),
        )
        # A new deployment whenever the document changes; the stage moves to it before the old
        # one is deleted, so the endpoint never points at nothing.
        self.deployment = aws.ApiGatewayDeployment(
            self,
            "Deployment",
            rest_api_id=self.rest_api.id,
            triggers={"redeployment": core.Fn.sha256(self.rest_api.body)},
            lifecycle=core.TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.account: ApiGatewayAccount | None = None
        managed = props.manage_account_logging_role
        if managed is True or is_token(managed):
            # API Gateway writes stage logs with one role set per account and region. As a
            # Terraform value, the flag decides whether the three resources exist (count).
            count = count_when(self, managed)
            logging_role = aws.IamRole(
                self,
                "LoggingRole",
                name=f"{name}-apigw-logs",
                description="Lets API Gateway write access and execution logs to CloudWatch Logs",
                assume_role_policy=json.dumps(policies.assume_role_policy("apigateway.amazonaws.com")),
                tags=tags or None,
                count=count,
            )
            attachment = aws.IamRolePolicyAttachment(
                self,
                "LoggingRolePolicy",
                role=logging_role.name if count is None else instance_ref(logging_role, "name"),
                policy_arn=f"arn:{partition}:{PUSH_TO_CLOUDWATCH_POLICY}",
                count=count,
            )
            self.account = aws.ApiGatewayAccount(
                self,
                "Account",
                cloudwatch_role_arn=logging_role.arn if count is None else instance_ref(logging_role, "arn"),
                depends_on=[attachment],
                count=count,
            )
        self.access_log_group = aws.CloudwatchLogGroup(
            self,
            "AccessLogGroup",
            name=f"/aws/apigateway/{name}/{stage_name}/access",
            retention_in_days=props.access_log_retention_days,
            kms_key_id=log_key_arn,
            tags=tags or None,
        )
        self.stage = aws.ApiGatewayStage(
            self,
            "Stage",
            rest_api_id=self.rest_api.id,
            deployment_id=self.deployment.id,
            stage_name=stage_name,
            access_log_settings=aws.ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_log_group.arn,
                format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            ),
            xray_tracing_enabled=props.tracing,
            tags=tags or None,
            depends_on=[self.account] if self.account is not None else None,
        )
        # API Gateway writes execution logs to this group, creating it on the first log line if
        # it does not exist: then without retention or key, and outside Terraform. So the stack
        # creates it first, and logging is switched on (method settings) only after.
        self.execution_log_group: CloudwatchLogGroup | None = None
        if props.execution_log_level != "OFF":
            self.execution_log_group = aws.CloudwatchLogGroup(
                self,
                "ExecutionLogGroup",
                name=f"API-Gateway-Execution-Logs_{self.rest_api.id}/{stage_name}",
                retention_in_days=props.access_log_retention_days,
                kms_key_id=log_key_arn,
                tags=tags or None,
            )
        logs_first = [self.execution_log_group] if self.execution_log_group is not None else None

        def settings(rate: float, burst: int) -> ApiGatewayMethodSettingsSettings:
            return aws.ApiGatewayMethodSettingsSettings(
                logging_level=props.execution_log_level,
                # Request and response bodies never go to the logs: they hold signatures and
                # personal data.
                data_trace_enabled=False,
                metrics_enabled=True,
                throttling_rate_limit=rate,
                throttling_burst_limit=burst,
            )

        self.method_settings = aws.ApiGatewayMethodSettings(
            self,
            "MethodSettings",
            rest_api_id=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=settings(props.throttle_rate_limit, props.throttle_burst_limit),
            depends_on=logs_first,
        )
        # Each route its own throttle, sized by what its provider does with a 429 (see
        # WebhookSource.throttle_rate_limit): a method's own settings take precedence over the
        # stage's defaults above.
        self.route_settings: dict[str, ApiGatewayMethodSettings] = {}
        previous = self.method_settings
        for s in sources:
            rate, burst = s.source.throttle
            # One after another: each is an UpdateStage of the same stage, and API Gateway
            # refuses concurrent updates of one stage (ConflictException).
            previous = self.route_settings[s.source.name] = aws.ApiGatewayMethodSettings(
                self,
                f"RouteSettings-{s.source.name}",
                rest_api_id=self.rest_api.id,
                stage_name=self.stage.stage_name,
                method_path=method_path(s.source.route),
                settings=settings(rate, burst),
                depends_on=[previous],
            )
        if props.web_acl_arn is not None:
            acl = props.web_acl_arn
            aws.Wafv2WebAclAssociation(
                self,
                "WebAcl",
                resource_arn=self.stage.arn,
                web_acl_arn=acl,
                # A Terraform value may be null: then there is no association.
                count=core.Token.as_number(core.Fn.conditional(core.Op.eq(acl, core.Token.null_value()), 0, 1)) if is_token(acl) else None,
            )
        self.api_key: ApiGatewayApiKey | None = None
        required = props.api_key_required
        if required is True or is_token(required):
            count = count_when(self, required)
            self.api_key = aws.ApiGatewayApiKey(
                self, "ApiKey", name=f"{name}-providers", tags=tags or None, count=count
            )
            # The one key is shared by every provider: the plan allows them all their routes'
            # limits at once, and holds each route to its own.
            limits = [s.source.throttle for s in sources]
            plan = aws.ApiGatewayUsagePlan(
                self,
                "UsagePlan",
                name=f"{name}-providers",
                api_stages=[
                    aws.ApiGatewayUsagePlanApiStages(
                        api_id=self.rest_api.id,
                        stage=self.stage.stage_name,
                        # A usage plan keys a method by its plain path (`/webhooks/github/POST`),
                        # unlike the stage's method settings (see method_path).
                        throttle=[
                            aws.ApiGatewayUsagePlanApiStagesThrottle(
                                path=f"{s.source.route}/POST", rate_limit=rate, burst_limit=burst
                            )
                            for s, (rate, burst) in zip(sources, limits)
                        ],
                    )
                ],
                throttle_settings=aws.ApiGatewayUsagePlanThrottleSettings(
                    rate_limit=total(self, [rate for rate, _ in limits], API_GATEWAY_ACCOUNT_RATE),
                    burst_limit=total(self, [burst for _, burst in limits], API_GATEWAY_ACCOUNT_BURST),
                ),
                tags=tags or None,
                count=count,
            )
            aws.ApiGatewayUsagePlanKey(
                self,
                "UsagePlanKey",
                key_id=self.api_key.id if count is None else instance_ref(self.api_key, "id"),
                key_type="API_KEY",
                usage_plan_id=plan.id if count is None else instance_ref(plan, "id"),
                count=count,
            )
        self.invoke_url = self.stage.invoke_url

    def _security(self, required: object) -> bool | RawJson:
        """Each route's OpenAPI `security`: a plain flag, or Terraform's choice of the list."""
        if not is_token(required):
            return bool(required)
        core = engine.of(self).core
        # jsonencode, not a string literal: cdktf writes literals in expressions unescaped.
        chosen = core.Fn.jsonencode(core.Fn.conditional(required, [{openapi.API_KEY_SCHEME: []}], []))
        return RawJson(core.Token.as_string(chosen))

    def _source_policy(self, cidrs: object) -> list[str] | RawJson | None:
        """The resource policy's address list, or, as a Terraform value, the policy Terraform
        writes: the Deny outside the list, or (for an empty list) the open policy."""
        if not is_token(cidrs):
            return list(cidrs) or None  # type: ignore[call-overload]
        core = engine.of(self).core
        chosen = core.Fn.conditional(
            core.Op.gte(core.Fn.length_of(cidrs), 1),  # cdktf writes a literal 0 as "undefined"
            core.Fn.jsonencode(policies.source_ip_policy(cidrs)),
            core.Fn.jsonencode(policies.open_policy()),
        )
        return RawJson(core.Token.as_string(chosen))

"""API Gateway: the REST API (one OpenAPI document), its role, deployment and stage."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import Fn, TerraformResourceLifecycle
from . import _provider  # noqa: F401  # isort: skip  # before the bindings: loads them lazily
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_rest_api import (
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from . import openapi, policies, vtl
from .schema import api_gateway_schema, openapi_component
from .props import WebhookSource


@dataclass(frozen=True)
class ApiSource:
    source: WebhookSource
    queue: SqsQueue


def _arn_part(arn: str, index: int) -> str:
    """A field of an ARN (1 partition, 3 region, 4 account), read by Terraform at plan time.

    Taking region and account from the queue's own ARN needs no data source, so the module
    works unchanged with provider 5.x and 6.x and in any partition.
    """
    return Fn.element(Fn.split(":", arn), index)


def model_name(source: WebhookSource) -> str:
    return "".join(part.capitalize() for part in source.name.split("-")) + "Body"


def send_message_spec(source: WebhookSource) -> vtl.SendMessageSpec:
    return vtl.SendMessageSpec(
        attribute_headers=source.attribute_headers,
        fifo=source.fifo,
        group_id_path=source.group_id_field,
        group_id_fallback=source.group_id_fallback,
        dedup_id_header=source.delivery_header if source.fifo else None,
    )


class WebhookApi(Construct):
    """REST API whose routes validate bodies and send them to SQS without a Lambda.

    Public attributes: `rest_api`, `role`, `deployment`, `stage`, `invoke_url`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        stage_name: str,
        sources: list[ApiSource],
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.role = IamRole(
            self,
            "Role",
            name=f"{name}-apigw-sqs",
            description="Lets API Gateway send webhook deliveries to their queues",
            assume_role_policy=json.dumps(policies.assume_role_policy("apigateway.amazonaws.com")),
            tags=tags or None,
        )
        IamRolePolicy(
            self,
            "SendMessage",
            name="send-message",
            role=self.role.id,
            policy=json.dumps(policies.send_message_policy([s.queue.arn for s in sources])),
        )
        routes = [
            openapi.Route(
                path=s.source.route,
                operation_id=f"queue_{s.source.name.replace('-', '_')}",
                model_name=model_name(s.source),
                schema=openapi_component(api_gateway_schema(s.source.model)),
                integration_uri=openapi.sqs_integration_uri(
                    _arn_part(s.queue.arn, 1),
                    _arn_part(s.queue.arn, 3),
                    _arn_part(s.queue.arn, 4),
                    s.queue.name,
                ),
                credentials_arn=self.role.arn,
                request_template=vtl.send_message_template(send_message_spec(s.source)),
            )
            for s in sources
        ]
        document = openapi.build_openapi(name, routes, description=f"Webhook ingest: {name}")
        self.rest_api = ApiGatewayRestApi(
            self,
            "RestApi",
            name=name,
            description=f"Webhook ingest: {name}",
            body=openapi.terraform_string(document),
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            tags=tags or None,
        )
        # A new deployment whenever the document changes; the stage moves to it before the old
        # one is deleted, so the endpoint never points at nothing.
        self.deployment = ApiGatewayDeployment(
            self,
            "Deployment",
            rest_api_id=self.rest_api.id,
            triggers={"redeployment": Fn.sha256(self.rest_api.body)},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.stage = ApiGatewayStage(
            self,
            "Stage",
            rest_api_id=self.rest_api.id,
            deployment_id=self.deployment.id,
            stage_name=stage_name,
            tags=tags or None,
        )
        self.invoke_url = self.stage.invoke_url

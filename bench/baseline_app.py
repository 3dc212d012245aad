"""The floor every CDKTF Python user pays today: an app with one AWS provider and one SQS
queue, written the plain way (the provider package's own import, `app.synth()`, a normal
exit). `bench/run.py` times it beside `main.py` in the same run."""

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

app = App()
stack = TerraformStack(app, "baseline")
AwsProvider(stack, "aws", region="us-east-1")
SqsQueue(stack, "Queue", name="baseline")
app.synth()

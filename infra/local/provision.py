"""Create the stack's plain resources in moto's server, from infra/template.json.

The same file that `chalice package --merge-template` merges for AWS; here we
keep only the resources moto can create (no Lambda, API Gateway or IAM: the
local stack runs the handlers itself) and hand their outputs to the app as
the environment variables Lambda would get.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import boto3

TEMPLATE = Path(__file__).resolve().parents[1] / "template.json"
STACK_TYPES = {
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
}
#: types moto's CloudFormation cannot create: applied through their own APIs
DIRECT_TYPES = {"AWS::SecretsManager::Secret", "AWS::CloudWatch::Alarm"}

#: stack output -> environment variable of the functions (as in the template's Globals)
OUTPUT_ENV = {
    "TableName": "TABLE_NAME",
    "ForwardQueueUrl": "FORWARD_QUEUE_URL",
    "ForwardDLQUrl": "FORWARD_DLQ_URL",
    "CallbackQueueUrl": "CALLBACK_QUEUE_URL",
    "CallbackDLQUrl": "CALLBACK_DLQ_URL",
    "AttachmentsBucketName": "ATTACHMENTS_BUCKET",
    "EscalationTopicArn": "NOTIFY_TOPIC_ARN",
    "LaporSecretArn": "LAPOR_SECRET_ARN",
    "ChannelSecretArn": "CHANNEL_SECRET_ARN",
    "ServerSecretArn": "SERVER_SECRET_ARN",
}


def local_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The plain resources (no Lambda, API, IAM, dashboard) with the parameters they use.

    Optional resources (with a Condition) are left out; parameters keep their defaults,
    so local names are the template's defaults (`aduan-hub-forward`, ...). Tables are the
    exception: they keep a generated name (`<stack>-ComplaintsTable-...`), so several stacks
    can share one moto server, each with a table of its own (some tests do)."""
    full = json.loads(path.read_text())
    params = full.get("Parameters", {})
    resources = {k: v for k, v in full["Resources"].items() if v.get("Type") in STACK_TYPES and "Condition" not in v}
    for res in resources.values():
        if res["Type"] == "AWS::DynamoDB::Table":
            res["Properties"] = {k: v for k, v in res["Properties"].items() if k != "TableName"}
        if res["Type"] == "AWS::S3::Bucket":  # moto's CloudFormation drops it: set by `_apply_notifications`
            res["Properties"] = {k: v for k, v in res["Properties"].items() if k != "NotificationConfiguration"}
        res.pop("DependsOn", None)  # on resources moto does not create (the queue's policy for S3)
    known = set(resources) | set(params)
    outputs = {k: v for k, v in full.get("Outputs", {}).items() if _refs(v) <= known}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": params, "Resources": resources, "Outputs": outputs}


def _refs(node: Any) -> set[str]:
    """Logical ids and parameters a node refers to (pseudo parameters such as AWS::Region aside)."""
    if isinstance(node, dict):
        if "Ref" in node:
            return {node["Ref"]} - _PSEUDO
        if "Fn::GetAtt" in node:
            return {node["Fn::GetAtt"][0]}
        if isinstance(node.get("Fn::Sub"), str):  # ${Name} and ${Name.Attr}, not the ${AWS::...} pseudo names
            return {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)}", node["Fn::Sub"]) if "::" not in m}
        return set().union(*(_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


_PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::URLSuffix"}


def _resolve(node: Any, physical: dict[str, Any]) -> Any:
    """Ref, Fn::GetAtt (Arn, QueueName) and Fn::Sub against what the stack created."""
    if isinstance(node, dict):
        if "Ref" in node:
            return physical[node["Ref"]]
        if "Fn::GetAtt" in node:
            name, attr = node["Fn::GetAtt"]
            value = physical[name]
            if attr == "QueueName":
                return value.rsplit("/", 1)[-1]
            return value
        if "Fn::Sub" in node and isinstance(node["Fn::Sub"], str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(_resolve({"Ref": m.group(1)}, physical)), node["Fn::Sub"])
        return {k: _resolve(v, physical) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, physical) for v in node]
    return node


def _apply_direct(
    session: boto3.session.Session, endpoint_url: str, full: dict[str, Any], physical: dict[str, Any]
) -> dict[str, str]:
    """Secrets, and the alarms that watch local resources (moto keeps them; nothing fires)."""
    created: dict[str, str] = {}
    sm = session.client("secretsmanager", endpoint_url=endpoint_url)
    cw = session.client("cloudwatch", endpoint_url=endpoint_url)
    for name, res in full["Resources"].items():
        if res.get("Type") not in DIRECT_TYPES or not _refs(res.get("Properties", {})) <= set(physical):
            continue
        props = _resolve(res["Properties"], physical)
        if res["Type"] == "AWS::SecretsManager::Secret":
            secret = props.get("SecretString")
            if secret is None:
                gen = props.get("GenerateSecretString", {})
                secret = json.loads(gen.get("SecretStringTemplate", "{}"))
                secret[gen.get("GenerateStringKey", "password")] = "local-dev-secret"
                secret = json.dumps(secret)
            try:
                created[name] = sm.create_secret(Name=props["Name"], SecretString=secret)["ARN"]
            except sm.exceptions.ResourceExistsException:
                created[name] = sm.describe_secret(SecretId=props["Name"])["ARN"]
        else:
            cw.put_metric_alarm(**props)
            created[name] = props["AlarmName"]
    return created


def _apply_notifications(
    session: boto3.session.Session, endpoint_url: str, full: dict[str, Any], physical: dict[str, Any]
) -> None:
    """A bucket's event notifications to SQS. moto's CloudFormation ignores them (its S3 sends them
    as AWS does, without checking the queue's policy): the attachments bucket's uploads reach the
    forward queue, and the event pump hands them to forward_to_lapor, as Lambda's event source does."""
    s3 = session.client("s3", endpoint_url=endpoint_url)
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    for name, res in full["Resources"].items():
        if res.get("Type") != "AWS::S3::Bucket" or name not in physical:
            continue
        wanted = res.get("Properties", {}).get("NotificationConfiguration", {}).get("QueueConfigurations", [])
        queues = []
        for q in wanted:
            queue_name = q["Queue"]["Fn::GetAtt"][0]  # the template names the queue's Arn
            url = physical[queue_name]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            queues.append(
                {
                    "QueueArn": arn["Attributes"]["QueueArn"],
                    "Events": [q["Event"]],
                    "Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}},
                }
            )
        if queues:
            s3.put_bucket_notification_configuration(
                Bucket=physical[name], NotificationConfiguration={"QueueConfigurations": queues}
            )


def provision(endpoint_url: str, stack_name: str = "aduan-hub-local", region: str = "ap-southeast-3") -> dict[str, str]:
    """Create (or reuse) the stack and return the functions' environment."""
    session = boto3.session.Session(region_name=region)
    cfn = session.client("cloudformation", endpoint_url=endpoint_url)
    try:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    except cfn.exceptions.ClientError:
        cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(local_template()))
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack_name}: {stack['StackStatus']} {stack.get('StackStatusReason', '')}")
    full = json.loads(TEMPLATE.read_text())
    physical: dict[str, Any] = {k: v.get("Default", "") for k, v in full.get("Parameters", {}).items()}
    physical.update(
        {
            "AWS::Region": region,
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }
    )
    physical.update(
        {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        }
    )
    physical.update(_apply_direct(session, endpoint_url, full, physical))
    _apply_notifications(session, endpoint_url, full, physical)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    for key, out in full.get("Outputs", {}).items():
        if key not in outputs and _refs(out["Value"]) <= set(physical):  # not the AWS-only ones (Cognito)
            outputs[key] = _resolve(out["Value"], physical)
    return {env: outputs[key] for key, env in OUTPUT_ENV.items() if key in outputs}


def aws_env(endpoint: str) -> dict[str, str]:
    """What sends boto3 to moto: the same variables Lambda's runtime would set."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_REGION": "ap-southeast-3",
    }


def start_moto(host: str = "127.0.0.1", port: int = 0, access_log: bool | None = None) -> tuple[Any, str]:
    """moto's server in a thread (port 0: any free one); this process's boto3 now talks to it.

    moto's access log (a line per AWS call, several a second) is off unless asked for
    (`access_log=True`, or MOTO_ACCESS_LOG=1). moto's own faults (infra/local/emulator_faults.py)
    are worked around first."""
    import logging

    from moto.server import ThreadedMotoServer

    if access_log is None:
        access_log = os.environ.get("MOTO_ACCESS_LOG", "").lower() in ("1", "true", "yes", "on")
    logging.getLogger("werkzeug").setLevel(logging.INFO if access_log else logging.WARNING)
    from infra.local.emulator_faults import apply_moto
    from infra.local.moto_request_tokens import honour_client_request_tokens

    apply_moto()
    honour_client_request_tokens()  # moto ignores ClientRequestToken; DynamoDB does not
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    endpoint = f"http://{bound_host}:{bound_port}"
    os.environ.update(aws_env(endpoint))
    return server, endpoint


def create_table_like(name: str, endpoint_url: str | None = None, region: str = "ap-southeast-3") -> str:
    """A table with the complaints table's keys, indexes and stream (from the template), named `name`.

    For tests and benchmarks that need a table of their own (exact figures, sizes)."""
    props = json.loads(TEMPLATE.read_text())["Resources"]["ComplaintsTable"]["Properties"]
    ddb = boto3.session.Session(region_name=region).client("dynamodb", endpoint_url=endpoint_url)
    ddb.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": props["StreamSpecification"]["StreamViewType"]},
    )
    return name

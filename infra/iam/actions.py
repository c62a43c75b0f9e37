"""What a boto3 call needs in IAM: operation -> action tables, and the actions Lambda itself needs.

botocore's service models name each client method's API operation; most need `<prefix>:<Operation>`,
the tables here hold the exceptions (batches, helpers, transactions) and the resource types each
service's actions apply to.
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: boto3 service name -> IAM action prefix, where botocore's signing name is not it
IAM_PREFIX = {"cloudwatch": "cloudwatch", "dynamodbstreams": "dynamodb", "sesv2": "ses"}

#: operations whose IAM action is not `<prefix>:<Operation>` (empty: decided elsewhere)
ACTION_OVERRIDES: dict[tuple[str, str], frozenset[str]] = {
    # a transaction needs the item actions it carries: read from its items (TRANSACT_ITEM_ACTIONS)
    ("dynamodb", "TransactWriteItems"): frozenset(),
    ("dynamodb", "TransactGetItems"): frozenset({"dynamodb:GetItem"}),
    ("sqs", "DeleteMessageBatch"): frozenset({"sqs:DeleteMessage"}),
    ("sqs", "SendMessageBatch"): frozenset({"sqs:SendMessage"}),
    ("sqs", "ChangeMessageVisibilityBatch"): frozenset({"sqs:ChangeMessageVisibility"}),
    ("sns", "PublishBatch"): frozenset({"sns:Publish"}),
    ("s3", "HeadObject"): frozenset({"s3:GetObject"}),
    ("s3", "ListObjectsV2"): frozenset({"s3:ListBucket"}),
    ("s3", "ListObjects"): frozenset({"s3:ListBucket"}),
    ("s3", "HeadBucket"): frozenset({"s3:ListBucket"}),
    ("s3", "CopyObject"): frozenset({"s3:GetObject", "s3:PutObject"}),
    ("s3", "DeleteObjects"): frozenset({"s3:DeleteObject"}),
}

#: items of a DynamoDB transaction (dict literals with these keys and a TableName)
TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}

#: client helpers that are not API operations: the operation they stand for (None: no call)
CLIENT_HELPERS: dict[str, str | None] = {
    "generate_presigned_post": "PutObject",  # the upload is signed with this function's rights
    "upload_file": "PutObject",
    "upload_fileobj": "PutObject",
    "download_file": "GetObject",
    "download_fileobj": "GetObject",
    "can_paginate": None,
    "close": None,
    "get_waiter": None,
}

#: resource types each service's actions apply to (matched with the template's resources)
SERVICE_RESOURCE_TYPES = {
    "dynamodb": {"AWS::DynamoDB::Table"},
    "sqs": {"AWS::SQS::Queue"},
    "sns": {"AWS::SNS::Topic"},
    "s3": {"AWS::S3::Bucket"},
    "secretsmanager": {"AWS::SecretsManager::Secret"},
    "cognito-idp": {"AWS::Cognito::UserPool"},
    "kinesis": {"AWS::Kinesis::Stream"},
}
#: actions AWS grants on no narrower resource than "*"
STAR_ONLY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}

#: what Lambda itself does with a function's role for an event source
EVENT_SOURCE_ACTIONS = {
    "on_sqs_message": ("sqs", ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")),
    "on_dynamodb_record": (
        "dynamodb",
        ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
    ),
    "on_kinesis_record": (
        "kinesis",
        (
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
            "kinesis:ListStreams",
        ),
    ),
}
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


@cache
def _botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def operations(service: str) -> dict[str, str]:
    """python method name -> API operation name, from botocore's model of the service."""
    from botocore import xform_name

    model = _botocore_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


@cache
def iam_prefix(service: str) -> str:
    return IAM_PREFIX.get(service) or _botocore_session().get_service_model(service).signing_name


def iam_actions(service: str, operation: str) -> frozenset[str]:
    return ACTION_OVERRIDES.get((service, operation), frozenset({f"{iam_prefix(service)}:{operation}"}))

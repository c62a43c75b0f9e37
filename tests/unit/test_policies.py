"""Least privilege: each Lambda function's policy grants exactly what its code can call.

infra/iam/ reads app.py and chalicelib (ast, nothing imported or run) from each
function's handler down to the boto3 calls; these tests compare that with the policy
files in .chalice/, and prove on a copy of the code that a new call, a new function,
an untyped client or an unused grant each fail with a message that says what to do.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra import iam

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def program() -> iam.Program:
    return iam.Program()


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return iam.load_template()


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return iam.chalice_config()


def test_every_function_has_exactly_the_rights_its_code_uses(
    program: iam.Program, template: dict[str, Any], config: dict[str, Any]
) -> None:
    functions = iam.lambda_functions(program)
    assert {
        "api_handler",
        "forward_to_lapor",
        "escalate_overdue",
        "reconcile_outbox",
        "sync_lapor_status",
        "deliver_channel_event",
    } <= set(functions)
    errors = [e for fn in functions.values() for e in iam.check(program, fn, template, config)]
    assert not errors, "\n".join(errors)


def test_config_names_no_function_app_py_does_not_declare(program: iam.Program, config: dict[str, Any]) -> None:
    stale = set(config.get("lambda_functions", {})) - set(iam.lambda_functions(program))
    assert not stale, f".chalice/config.json lambda_functions for functions app.py no longer has: {stale}"
    assert config["autogen_policy"] is False and "iam_policy_file" not in config


def test_no_policy_grants_a_wildcard_action_or_resource_beyond_tracing() -> None:
    for path in sorted((ROOT / ".chalice").glob("policy-*.json")):
        for st in json.loads(path.read_text())["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            assert all("*" not in a for a in actions), (path.name, st)
            if st["Resource"] == "*":
                assert set(actions) <= set(iam.XRAY_ACTIONS), (path.name, st)


def test_the_analysis_follows_hooks_handed_to_constructors(
    program: iam.Program, template: dict[str, Any], config: dict[str, Any]
) -> None:
    """The forwarder reaches S3 only through the attachment hook and Secrets Manager only
    through the LAPOR! client getter, both handed to ForwardingService by bootstrap."""
    fn = iam.lambda_functions(program)["forward_to_lapor"]
    need = iam.needs(program, fn, template, config)
    assert "s3:GetObject" in need.actions
    assert "chalicelib.services.attachments:LaporAttachments.__call__" in iam.reach(program, fn).parents
    assert "bootstrap:lapor" in need.actions["secretsmanager:GetSecretValue"]
    assert need.resources["secretsmanager"] == {"LaporSecret"}  # not the channel secrets
    assert need.indexes == {"ComplaintsTable": {"geo"}}
    # the escalation sweep reads LAPOR! only through the status sync handed to it (before a climb)
    esc = iam.needs(program, iam.lambda_functions(program)["escalate_overdue"], template, config)
    assert "StatusSync.refresh" in esc.actions["secretsmanager:GetSecretValue"]
    assert esc.resources["secretsmanager"] == {"LaporSecret"}


def test_lapor_calls_may_read_every_regions_secret_and_nothing_else_by_that_name(
    program: iam.Program, template: dict[str, Any], config: dict[str, Any], tmp_path: Path
) -> None:
    """Each region's LAPOR! account and channel secrets are its own secret,
    `${NamePrefix}/jurisdictions/<code>`, made by onboarding without a deploy: the functions that
    call LAPOR! or take a region's channel webhooks (the API) may read exactly those names."""
    for name in ("forward_to_lapor", "sync_lapor_status", "escalate_overdue", "api_handler"):
        need = iam.needs(program, iam.lambda_functions(program)[name], template, config)
        assert need.named == {"secretsmanager": {"NamePrefix": "${NamePrefix}/jurisdictions/"}}
        assert "NamePrefix" in need.pairs["secretsmanager:GetSecretValue"]
    chalice = tmp_path / ".chalice"
    shutil.copytree(ROOT / ".chalice", chalice, ignore=shutil.ignore_patterns("deployments"))
    replace(chalice / "policy-forward_to_lapor.json", "/jurisdictions/*", "/*")
    fn = iam.lambda_functions(program)["forward_to_lapor"]
    [wide] = iam.check(program, fn, template, config, chalice_dir=chalice)
    assert "must end with ${NamePrefix}/jurisdictions/*" in wide


# -- on a copy of the code: what new code makes the test say ------------------------------------


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "chalicelib", tmp_path / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / ".chalice", tmp_path / ".chalice", ignore=shutil.ignore_patterns("deployments"))
    return tmp_path


def append(path: Path, text: str) -> None:
    """Add code to a module of the copy (a new module when there is none yet)."""
    path.write_text((path.read_text() if path.exists() else "") + text)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def errors_for(root: Path, function: str, template: dict[str, Any], config: dict[str, Any]) -> list[str]:
    program = iam.Program(root)
    fn = iam.lambda_functions(program)[function]
    return iam.check(program, fn, template, config, chalice_dir=root / ".chalice")


def test_a_new_aws_call_is_named_with_the_path_that_reaches_it(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    append(
        copy / "chalicelib/adapters/dynamodb.py",
        "\nfrom chalicelib.adapters.storage.gateway import TableGateway\n"
        "from chalicelib.adapters.storage.keys import complaint_key\n"
        "\n\ndef forget(repo: TableGateway, tracking_id: str) -> None:\n"
        "    repo.db.delete_item(TableName=repo.table, Key=complaint_key(tracking_id))\n",
    )
    replace(
        copy / "chalicelib/services/reconciler.py",
        "        report = ReconcileReport()\n",
        "        report = ReconcileReport()\n        from chalicelib.adapters.dynamodb import forget\n"
        "        forget(self.complaints.gateway, 'x')\n",
    )
    errors = errors_for(copy, "reconcile_outbox", template, config)
    [lacks] = [e for e in errors if "lacks dynamodb:DeleteItem" in e]
    assert "app:reconcile_outbox -> chalicelib.handlers:reconcile_outbox -> " in lacks
    assert "chalicelib.adapters.dynamodb:forget at chalicelib/adapters/dynamodb.py:" in lacks
    assert errors_for(copy, "sync_lapor_status", template, config) == []  # only the function that reaches it


def test_a_new_service_through_boto3_and_a_new_function_are_both_reported(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    (copy / "chalicelib/adapters/statistics.py").write_text(
        "import boto3\n\n\ndef publish_figures(topic: str) -> None:\n"
        "    boto3.client('sns').publish(TopicArn=topic, Message='x')\n"
    )
    append(
        copy / "app.py",
        "\n\n@app.schedule(Rate(1, unit=Rate.HOURS))\ndef publish_statistics(event):\n"
        "    from chalicelib.adapters.statistics import publish_figures\n"
        "    return publish_figures('t')\n",
    )
    program = iam.Program(copy)
    fn = iam.lambda_functions(program)["publish_statistics"]
    assert "sns:Publish" in iam.needs(program, fn, template, config).actions
    [missing] = iam.check(program, fn, template, config, chalice_dir=copy / ".chalice")
    assert "publish_statistics: no policy file of its own" in missing
    assert "python -m infra.iam --suggest publish_statistics" in missing
    suggested = iam.suggest(program, fn, template, config)
    assert any("sns:Publish" in st["Action"] for st in suggested["Statement"])


def test_an_aws_call_on_an_untyped_value_fails_loudly(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    replace(
        copy / "chalicelib/services/reconciler.py",
        "        report = ReconcileReport()\n",
        "        report = ReconcileReport()\n        table = getattr(self.repo, 'db')\n"
        "        table.batch_write_item(RequestItems={})\n",
    )
    errors = errors_for(copy, "reconcile_outbox", template, config)
    assert any(
        "cannot follow `table.batch_write_item(...)` looks like an AWS call" in e
        and "chalicelib/services/reconciler.py:" in e
        for e in errors
    ), errors


def test_a_grant_nothing_uses_and_a_resource_never_touched_are_reported(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    path = copy / ".chalice/policy-reconcile_outbox.json"
    policy = json.loads(path.read_text())
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:PurgeQueue"],
            "Resource": {"Fn::GetAtt": ["CallbackDLQ", "Arn"]},
            "Sid": "Extra",
        }
    )
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Action": ["dynamodb:Query"],
            "Sid": "AllIndexes",
            "Resource": {"Fn::Sub": "${ComplaintsTable.Arn}/index/due"},
        }
    )
    path.write_text(json.dumps(policy))
    errors = "\n".join(errors_for(copy, "reconcile_outbox", template, config))
    assert "grants sqs:PurgeQueue, which nothing in the function calls" in errors
    assert "grants ['sqs:PurgeQueue', 'sqs:SendMessage'] on CallbackDLQ, which the function never uses" in errors
    assert "grants a Query on index 'due', which the function never uses" in errors


def test_a_missing_index_or_queue_is_reported(copy: Path, template: dict[str, Any], config: dict[str, Any]) -> None:
    path = copy / ".chalice/policy-sync_lapor_status.json"
    policy = json.loads(path.read_text())
    policy["Statement"] = [st for st in policy["Statement"] if st["Sid"] not in ("DueChecks", "ChannelEvents")]
    path.write_text(json.dumps(policy))
    errors = "\n".join(errors_for(copy, "sync_lapor_status", template, config))
    assert "lacks dynamodb:Query on ComplaintsTable index 'sync'" in errors
    assert "lacks sqs:SendMessage, needed by app:sync_lapor_status" in errors


def test_routes_of_a_registered_blueprint_count_for_the_api(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    (copy / "chalicelib/georeport.py").write_text(
        "from chalice import Blueprint\n\nfrom chalicelib.adapters.aws import client\n\n"
        "georeport = Blueprint(__name__)\n\n\n@georeport.route('/open311/v2/requests.json', methods=['DELETE'])\n"
        "def forget_request():\n    client('dynamodb').delete_item(TableName='t', Key={})\n"
    )
    append(
        copy / "app.py",
        "\n\nfrom chalicelib.georeport import georeport  # noqa: E402\n\n"
        "app.register_blueprint(georeport, url_prefix='')\n",
    )
    errors = errors_for(copy, "api_handler", template, config)
    assert any("lacks dynamodb:DeleteItem, needed by chalicelib.georeport:forget_request" in e for e in errors), errors


def test_a_stream_consumer_needs_the_stream_rights(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    append(
        copy / "app.py",
        "\n\n@app.on_dynamodb_record(stream_arn='arn:aws:dynamodb:x:1:table/t/stream/s')\n"
        "def count_for_statistics(event):\n    return None\n",
    )
    program = iam.Program(copy)
    fn = iam.lambda_functions(program)["count_for_statistics"]
    actions = iam.needs(program, fn, template, config).actions
    assert {
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    } <= set(actions)


def test_a_module_level_client_is_followed(copy: Path, template: dict[str, Any], config: dict[str, Any]) -> None:
    (copy / "chalicelib/adapters/audit.py").write_text(
        "import boto3\n\n_sns = boto3.client('sns')\n\n\ndef tell(text: str) -> None:\n"
        "    _sns.publish(TopicArn='t', Message=text)\n"
    )
    replace(
        copy / "chalicelib/services/reconciler.py",
        "        report = ReconcileReport()\n",
        "        report = ReconcileReport()\n        from chalicelib.adapters.audit import tell\n"
        "        tell('sweep')\n",
    )
    errors = errors_for(copy, "reconcile_outbox", template, config)
    assert any("lacks sns:Publish, needed by" in e and "chalicelib.adapters.audit:tell" in e for e in errors), errors


def test_each_call_is_tied_to_the_queue_its_caller_names(
    copy: Path, template: dict[str, Any], config: dict[str, Any]
) -> None:
    """Queues.send_json takes the queue as an argument: the reconciler, which also sends to the
    callback queue, needs SendMessage on that queue, although it already sends to the forward queue."""
    replace(
        copy / "chalicelib/services/reconciler.py",
        "        report = ReconcileReport()\n",
        "        report = ReconcileReport()\n        from chalicelib.settings import settings\n"
        "        self.queues.send_json(settings().callback_queue_url, {'x': 1})\n",
    )
    reconcile = copy / ".chalice/policy-reconcile_outbox.json"
    policy = json.loads(reconcile.read_text())
    for st in policy["Statement"]:  # a policy that forgot the callback queue
        if isinstance(st["Resource"], list):
            st["Resource"] = [r for r in st["Resource"] if r != {"Fn::GetAtt": ["CallbackQueue", "Arn"]}]
    reconcile.write_text(json.dumps(policy))
    errors = errors_for(copy, "reconcile_outbox", template, config)
    [lacks] = [e for e in errors if "lacks sqs:SendMessage on CallbackQueue" in e]
    assert "CALLBACK_QUEUE_URL read by app:reconcile_outbox -> " in lacks and "Reconciler.sweep" in lacks
    # a grant on a queue the function never calls it on is reported too
    path = copy / ".chalice/policy-sync_lapor_status.json"
    policy = json.loads(path.read_text())
    for st in policy["Statement"]:
        if st["Sid"] == "ChannelEvents":
            st["Resource"] = [st["Resource"], {"Fn::GetAtt": ["ForwardQueue", "Arn"]}]
    path.write_text(json.dumps(policy))
    assert any(
        "grants sqs:SendMessage on ForwardQueue, which the function never calls it on" in e
        for e in errors_for(copy, "sync_lapor_status", template, config)
    )

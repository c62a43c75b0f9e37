"""The deployable template: Chalice's SAM output merged with infra/template.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-3"}
    subprocess.run(
        [str(chalice), "package", "--stage", "prod", "--merge-template", "infra/template.json", str(out)],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    return out


def resources(packaged: Path) -> dict[str, Any]:
    return json.loads((packaged / "sam.json").read_text())["Resources"]


def test_merged_template_passes_cfn_lint(packaged: Path) -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(packaged / "sam.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_function_role_gets_the_policy(packaged: Path) -> None:
    res = resources(packaged)
    roles = {name for name, r in res.items() if r.get("Type") == "AWS::IAM::Role"}
    granted = {ref["Ref"] for ref in res["AduanHubPolicy"]["Properties"]["Roles"]}
    assert roles and roles <= granted, f"roles without AduanHubPolicy: {roles - granted}"


def test_sqs_functions_report_partial_batch_failures(packaged: Path) -> None:
    sqs_events = [
        ev for r in resources(packaged).values() if r.get("Type") == "AWS::Serverless::Function"
        for ev in r["Properties"].get("Events", {}).values() if ev["Type"] == "SQS"
    ]
    assert sqs_events
    for ev in sqs_events:
        assert ev["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]


def test_functions_get_the_resources_through_globals(packaged: Path) -> None:
    template = json.loads((packaged / "sam.json").read_text())
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["TABLE_NAME"] == {"Ref": "ComplaintsTable"}
    assert env["FORWARD_QUEUE_URL"] == {"Ref": "ForwardQueue"}


def test_deployment_package_is_small(packaged: Path) -> None:
    # the figure itself is in benchmarks/README.md; this only guards the Lambda hard limit
    assert (packaged / "deployment.zip").stat().st_size < 50 * 1024 * 1024


def test_operators_sign_in_through_a_cognito_pool_the_functions_know(packaged: Path) -> None:
    from chalicelib.domain.access import Role

    template = json.loads((packaged / "sam.json").read_text())
    res = template["Resources"]
    pool = res["OperatorPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    unit = next(a for a in pool["Schema"] if a["Name"] == "unit")
    assert unit["AttributeDataType"] == "String"  # the ID token's custom:unit
    groups = {r["Properties"]["GroupName"] for r in res.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == {r.value for r in Role}
    client = res["OperatorPoolClient"]["Properties"]
    assert "custom:unit" in client["ReadAttributes"]
    assert "custom:unit" not in client["WriteAttributes"]  # users cannot move themselves to another unit
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["AUTH_ISSUER"] == {"Fn::Sub": "https://${OperatorPool.ProviderURL}"}
    assert env["AUTH_AUDIENCE"] == {"Ref": "OperatorPoolClient"}
    # the API Gateway authorizer is gone: the app checks every token itself, the same in every mode
    api = json.dumps(res["RestAPI"])
    assert "awsSigv4" not in api and "securityDefinitions" not in api

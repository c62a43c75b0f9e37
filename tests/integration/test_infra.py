"""The deployable templates: `make package STAGE=<stage>` (Chalice's SAM output merged with
infra/template.json, the stage's data applied) for prod and dev, checked by cfn-lint."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from infra import iam
from infra.package import lint, package, stage_data

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("prod", "dev")


@pytest.fixture(scope="module")
def builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Path, Future[subprocess.CompletedProcess[str]]]]]:
    """What `make package STAGE=...` builds, for both stages, and cfn-lint started on each as soon
    as it is built (a process of its own, while the next stage is packaged; the test below reads it)."""
    with ThreadPoolExecutor(max_workers=len(STAGES)) as pool:
        out = {}
        for stage in STAGES:
            path = package(stage, tmp_path_factory.mktemp(stage) / "package", run_lint=False)
            out[stage] = (path, pool.submit(lint, path / "sam.json"))
        yield out


@pytest.fixture(scope="module")
def packages(builds: dict[str, tuple[Path, Any]]) -> dict[str, Path]:
    return {stage: path for stage, (path, _) in builds.items()}


def sam(packages: dict[str, Path], stage: str = "prod") -> dict[str, Any]:
    return json.loads((packages[stage] / "sam.json").read_text())


def resources(packages: dict[str, Path], stage: str = "prod") -> dict[str, Any]:
    return sam(packages, stage)["Resources"]


@pytest.mark.parametrize("stage", STAGES)
def test_merged_template_passes_cfn_lint(builds: dict[str, tuple[Path, Any]], stage: str) -> None:
    result = builds[stage][1].result()
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_function_role_carries_its_own_policy_file_and_nothing_else(packages: dict[str, Path]) -> None:
    res = resources(packages)
    functions = {k: v for k, v in res.items() if v.get("Type") == "AWS::Serverless::Function"}
    roles = {k: v for k, v in res.items() if v.get("Type") == "AWS::IAM::Role"}
    assert not [k for k, v in res.items() if v.get("Type") in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")]
    names = iam.lambda_functions(iam.Program())
    assert {iam.cfn_name(n) for n in names} == set(functions)
    for name in names:
        lid = iam.cfn_name(name)
        assert functions[lid]["Properties"]["Role"] == {
            "Fn::GetAtt": [f"{lid}Role" if lid != "APIHandler" else "ApiHandlerRole", "Arn"]
        }
        role = roles["ApiHandlerRole" if lid == "APIHandler" else f"{lid}Role"]["Properties"]
        [policy] = role["Policies"]
        assert policy["PolicyDocument"] == json.loads((ROOT / ".chalice" / f"policy-{name}.json").read_text())
        assert not role.get("ManagedPolicyArns")


def test_sqs_functions_report_partial_batch_failures_from_the_stacks_queues(packages: dict[str, Path]) -> None:
    sqs_events = [
        ev
        for r in resources(packages).values()
        if r.get("Type") == "AWS::Serverless::Function"
        for ev in r["Properties"].get("Events", {}).values()
        if ev["Type"] == "SQS"
    ]
    assert len(sqs_events) >= 2
    for ev in sqs_events:
        assert ev["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
        # the queue of this stack (a reference, so the queue exists before its event source)
        assert ev["Properties"]["Queue"]["Fn::Sub"] in ("${ForwardQueue.Arn}", "${CallbackQueue.Arn}")


def test_functions_get_the_resources_and_the_stage_through_globals(packages: dict[str, Path]) -> None:
    env = sam(packages)["Globals"]["Function"]["Environment"]["Variables"]
    assert env["TABLE_NAME"] == {"Ref": "ComplaintsTable"}
    assert env["FORWARD_QUEUE_URL"] == {"Ref": "ForwardQueue"}
    assert env["POWERTOOLS_SERVICE_NAME"] == {"Ref": "NamePrefix"}
    assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    for r in resources(packages).values():
        if r.get("Type") == "AWS::Serverless::Function":  # nothing per function hides the stage's value
            assert not {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"} & set(
                r["Properties"].get("Environment", {}).get("Variables", {})
            )


def test_every_function_and_the_api_are_traced(packages: dict[str, Path]) -> None:
    res = resources(packages)
    for name, r in res.items():
        if r.get("Type") == "AWS::Serverless::Function":
            assert r["Properties"]["Tracing"] == "Active", name
    assert res["RestAPI"]["Properties"]["TracingEnabled"] is True


def test_the_api_compresses_its_answers_and_gives_browsers_photos_as_bytes(packages: dict[str, Path]) -> None:
    """Pages, scripts and JSON above 1 KB go gzip-compressed to a browser that accepts it; a
    complaint's photo is turned back into bytes when an <img> asks with a modern image type first."""
    api = resources(packages)["RestAPI"]["Properties"]
    assert api["MinimumCompressionSize"] == 1024
    binary = api["DefinitionBody"]["x-amazon-apigateway-binary-media-types"]
    assert {"image/jpeg", "image/avif", "image/webp"} <= set(binary)
    assert "*/*" not in binary and "application/json" not in binary  # JSON answers stay text


def when_tracing_layer_on(value: Any) -> dict[str, Any]:
    return {"Fn::If": ["TracingLayerOn", value, {"Ref": "AWS::NoValue"}]}


@pytest.mark.parametrize("stage", STAGES)
def test_the_stage_turns_the_opentelemetry_layer_on_with_a_fixed_set_of_instrumentations(
    packages: dict[str, Path], stage: str
) -> None:
    """Spans beyond the functions' own segments come from the ADOT layer at run time, never from the package."""
    template, data = sam(packages, stage), stage_data(stage)
    assert template["Conditions"]["TracingLayerOn"] == {"Fn::Equals": [{"Ref": "TracingLayer"}, "on"]}
    assert data["parameters"]["TracingLayer"] in ("on", "off")
    arn = data["parameters"]["TracingLayerArn"]
    assert arn.startswith(f"arn:aws:lambda:{data['region']}:") and ":layer:AWSOpenTelemetryDistroPython:" in arn
    function = template["Globals"]["Function"]
    assert function["Layers"] == [when_tracing_layer_on({"Ref": "TracingLayerArn"})]
    env = function["Environment"]["Variables"]
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == when_tracing_layer_on("/opt/otel-instrument")
    assert env["OTEL_AWS_LAMBDA_FAST_START"] == when_tracing_layer_on("true")  # the layer's fixed list, no discovery
    listed = env["OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"]["Fn::If"][1]
    assert env["OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"] == when_tracing_layer_on(listed)
    disabled = set(listed.split(","))
    assert not {"botocore", "requests"} & disabled  # AWS calls and LAPOR!: what the traces are for
    assert {"urllib3", "urllib", "logging", "threading", "asyncio", "httpx", "sqlite3"} <= disabled
    for r in resources(packages, stage).values():
        if r.get("Type") == "AWS::Serverless::Function":  # nothing per function hides the stage's choice
            # (SAM adds a function's own layers to the Globals' ones: the photo layer hides nothing)
            assert "Layers" not in r["Properties"] or r["Properties"]["Layers"] == [{"Ref": "PhotoLayer"}]
            assert not {k for k in r["Properties"].get("Environment", {}).get("Variables", {}) if "OTEL" in k}


def test_the_photo_layer_is_built_beside_the_package_and_attached_to_the_photo_function_only(
    packages: dict[str, Path],
) -> None:
    """Pillow is ~8 MB: it ships in a layer of its own, never in the package every function loads."""
    res = resources(packages)
    with_layer = [r["Properties"]["FunctionName"] for r in res.values() if "Layers" in r.get("Properties", {})]
    assert with_layer == [{"Fn::Sub": "${NamePrefix}-forward_to_lapor"}]
    layer = res["PhotoLayer"]["Properties"]
    with zipfile.ZipFile(packages["prod"] / layer["ContentUri"]) as z:
        names = z.namelist()
    assert "python/PIL/Image.py" in names and any(n.startswith("python/pillow_heif/") for n in names)
    with zipfile.ZipFile(packages["prod"] / "deployment.zip") as z:
        assert not [n for n in z.namelist() if n.split("/", 1)[0].lower() in ("pil", "pillow_heif")]


def test_the_package_ships_neither_the_aws_sdk_nor_a_tracing_library(packages: dict[str, Path]) -> None:
    """boto3/botocore are in the Lambda runtime; OpenTelemetry comes with the layer (docs/console.md, Traces)."""
    with zipfile.ZipFile(packages["prod"] / "deployment.zip") as z:
        top = {name.split("/", 1)[0] for name in z.namelist()}
    shipped = {t.split("-", 1)[0].lower() for t in top}
    assert not {"boto3", "botocore", "s3transfer", "aws_xray_sdk", "opentelemetry", "wrapt"} & shipped, sorted(top)


@pytest.mark.parametrize("stage", STAGES)
def test_the_stage_data_is_in_the_template(packages: dict[str, Path], stage: str) -> None:
    data = stage_data(stage)
    params = sam(packages, stage)["Parameters"]
    assert {k: v["Default"] for k, v in params.items()} == data["parameters"]
    assert json.loads((packages[stage] / "stage.json").read_text())["stack_name"] == data["stack_name"]


def test_stages_differ_only_by_data(packages: dict[str, Path]) -> None:
    """dev and prod are the same template: only parameter values and Chalice's stage settings differ."""
    allowed = {"Default", "MemorySize", "aws-chalice", "StageName", "Fn::Sub"}
    seen: list[str] = []

    def diff(a: Any, b: Any, path: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            assert set(a) == set(b), path
            for k in a:
                diff(a[k], b[k], f"{path}/{k}")
        elif isinstance(a, list) and isinstance(b, list):
            assert len(a) == len(b), path
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                diff(x, y, f"{path}[{i}]")
        elif a != b:
            seen.append(path)
            assert path.rsplit("/", 1)[-1] in allowed, (path, a, b)
            if path.endswith("Fn::Sub"):
                assert path == "/Outputs/EndpointURL/Value/Fn::Sub"  # the API stage name in the URL

    diff(sam(packages, "dev"), sam(packages, "prod"), "")
    assert "/Parameters/NamePrefix/Default" in seen and "/Parameters/LogLevel/Default" in seen


def test_deployment_package_is_small(packages: dict[str, Path]) -> None:
    # the figure itself is in benchmarks/README.md; this only guards the Lambda hard limit
    assert (packages["prod"] / "deployment.zip").stat().st_size < 50 * 1024 * 1024


def test_the_table_expires_counters_by_ttl(packages: dict[str, Path]) -> None:
    from chalicelib.adapters.storage.keys import TTL_ATTRIBUTE

    ttl = resources(packages)["ComplaintsTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_api_gateway_throttles_every_method_and_the_intake_routes_harder(packages: dict[str, Path]) -> None:
    template = sam(packages)
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    by_path = {(s["ResourcePath"], s["HttpMethod"]): s for s in settings}

    def value(ref: dict[str, str]) -> float:
        return float(template["Parameters"][ref["Ref"]]["Default"])

    everything = by_path[("/*", "*")]
    assert value(everything["ThrottlingRateLimit"]) > 0 and value(everything["ThrottlingBurstLimit"]) > 0
    for path in ("/~1v1~1complaints", "/~1v1~1channels~1{channel}~1complaints"):
        own = by_path[(path, "POST")]
        assert 0 < value(own["ThrottlingRateLimit"]) <= value(everything["ThrottlingRateLimit"])


def test_functions_know_the_server_secret(packages: dict[str, Path]) -> None:
    res = resources(packages)
    assert res["ServerSecret"]["Type"] == "AWS::SecretsManager::Secret"
    assert sam(packages)["Globals"]["Function"]["Environment"]["Variables"]["SERVER_SECRET_ARN"] == {
        "Ref": "ServerSecret"
    }


def test_operators_sign_in_through_a_cognito_pool_the_functions_know(packages: dict[str, Path]) -> None:
    from chalicelib.domain.access import Role

    template = sam(packages)
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
    # the console signs in at the pool's managed login (/oauth2/authorize, /oauth2/token)
    assert env["AUTH_LOGIN_URL"] == {"Fn::Sub": "https://${OperatorPoolDomain}.auth.${AWS::Region}.amazoncognito.com"}
    assert res["OperatorPoolDomain"]["Type"] == "AWS::Cognito::UserPoolDomain"
    # the API Gateway authorizer is gone: the app checks every token itself, the same in every mode
    api = json.dumps(res["RestAPI"])
    assert "awsSigv4" not in api and "securityDefinitions" not in api

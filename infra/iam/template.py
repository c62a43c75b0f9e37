"""Reading the deployed template (infra/template.json) and the chalice config: resources, the
environment variables that name them, and each function's policy file and tracing switch."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from infra.iam.program import ROOT

CHALICE_DIR = ROOT / ".chalice"
TEMPLATE = ROOT / "infra" / "template.json"


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return json.loads(path.read_text())


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    return {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}


def sub(text: str, params: dict[str, str]) -> str:
    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: params.get(m.group(1), m.group(0)), text)


def resolve_name(value: Any, params: dict[str, str]) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return sub(value["Fn::Sub"], params)
    if isinstance(value, dict) and "Ref" in value:
        return params.get(value["Ref"])
    return None


def env_resources(template: dict[str, Any]) -> dict[str, str]:
    """Environment variable -> logical id of the resource it names (template Globals)."""
    out: dict[str, str] = {}
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for env, value in variables.items():
        ids = logical_ids(value)
        if len(ids) == 1:
            out[env] = next(iter(ids))
    return out


def logical_ids(value: Any) -> set[str]:
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            return {att[0] if isinstance(att, list) else att.split(".")[0]}
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            return {m.split(".")[0] for m in re.findall(r"\$\{([A-Za-z0-9_.:]+)\}", text) if "::" not in m}
        return set().union(*(logical_ids(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(logical_ids(v) for v in value)) if value else set()
    return set()


def index_names(template: dict[str, Any], table: str) -> set[str]:
    props = template.get("Resources", {}).get(table, {}).get("Properties", {})
    return {g["IndexName"] for g in props.get("GlobalSecondaryIndexes", [])}


def queue_by_name(template: dict[str, Any], name: str) -> str | None:
    params = parameter_defaults(template)
    for logical, res in template.get("Resources", {}).items():
        if (
            res.get("Type") == "AWS::SQS::Queue"
            and resolve_name(res.get("Properties", {}).get("QueueName"), params) == name
        ):
            return logical
    return None


def chalice_config() -> dict[str, Any]:
    return json.loads((CHALICE_DIR / "config.json").read_text())


def policy_file(config: dict[str, Any], function: str, stage: str = "prod") -> str | None:
    for where in (
        config.get("stages", {}).get(stage, {}).get("lambda_functions", {}).get(function, {}),
        config.get("stages", {}).get(stage, {}),
        config.get("lambda_functions", {}).get(function, {}),
        config,
    ):
        if where.get("iam_policy_file"):
            return str(where["iam_policy_file"])
    return None


def xray_enabled(config: dict[str, Any], function: str, stage: str = "prod") -> bool:
    for where in (
        config.get("stages", {}).get(stage, {}).get("lambda_functions", {}).get(function, {}),
        config.get("stages", {}).get(stage, {}),
        config.get("lambda_functions", {}).get(function, {}),
        config,
    ):
        if where.get("xray") is not None:
            return bool(where["xray"])
    return False

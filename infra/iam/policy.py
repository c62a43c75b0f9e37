"""What each function needs against what its policy file grants; a policy to start from."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.iam.actions import (
    EVENT_SOURCE_ACTIONS,
    LOG_ACTIONS,
    SERVICE_RESOURCE_TYPES,
    STAR_ONLY_ACTIONS,
    XRAY_ACTIONS,
)
from infra.iam.callgraph import reach
from infra.iam.functions import LambdaFunction, cfn_name
from infra.iam.program import Program
from infra.iam.template import (
    CHALICE_DIR,
    env_resources,
    index_names,
    logical_ids,
    policy_file,
    queue_by_name,
    xray_enabled,
)


@dataclass
class Grant:
    actions: set[str]
    resources: list[Any]
    sid: str


def grants(policy: dict[str, Any]) -> list[Grant]:
    out = []
    for i, st in enumerate(policy.get("Statement", [])):
        if st.get("Effect") != "Allow":
            continue
        acts = st.get("Action", [])
        res = st.get("Resource", [])
        out.append(
            Grant(
                set([acts] if isinstance(acts, str) else acts),
                res if isinstance(res, list) else [res],
                st.get("Sid", f"#{i}"),
            )
        )
    return out


# -- what each function needs ---------------------------------------------------------------------


@dataclass
class Need:
    """What a function needs: actions and, per service, the template resources they apply to."""

    actions: dict[str, str]  # action -> why
    resources: dict[str, set[str]]  # service -> logical ids
    indexes: dict[str, set[str]]  # table logical id -> index names its Queries may use
    log_group: str
    problems: list[str]
    #: action -> the template resources it is used on (absent: could not tell; any of the service's)
    pairs: dict[str, set[str]] = field(default_factory=dict)
    pair_why: dict[tuple[str, str], str] = field(default_factory=dict)  # (action, resource) -> the path
    #: service -> names built from a stack parameter (an environment variable such as
    #: `${NamePrefix}/jurisdictions/`) that its calls' resources start with: a grant on them
    #: must be that name followed by `*` (one secret per region, made without a deploy)
    named: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> {parameter: name}


def needs(program: Program, fn: LambdaFunction, template: dict[str, Any], config: dict[str, Any]) -> Need:
    r = reach(program, fn)
    actions = {a: r.explain(a) for a in r.actions}
    problems = [f"{what} ({qual} at {site})" for qual, what, site in r.unresolved]
    types = {k: v.get("Type") for k, v in template.get("Resources", {}).items()}
    env_map = env_resources(template)
    resources: dict[str, set[str]] = {}
    for env in r.env:
        logical = env_map.get(env)
        if logical is None:
            continue
        for service, kinds in SERVICE_RESOURCE_TYPES.items():
            if types.get(logical) in kinds:
                resources.setdefault(service, set()).add(logical)
    if fn.kind in EVENT_SOURCE_ACTIONS:
        service, acts = EVENT_SOURCE_ACTIONS[fn.kind]
        for a in acts:
            actions[a] = f"Lambda's {fn.kind} event source ({fn.source})"
        if fn.kind == "on_sqs_message":
            queue = queue_by_name(template, str(fn.source.get("queue", "")))
            if queue is None:
                problems.append(f"no queue in the template is named {fn.source.get('queue')!r}")
            else:
                resources.setdefault("sqs", set()).add(queue)
        elif fn.kind == "on_dynamodb_record":
            streams = {
                k
                for k, v in template.get("Resources", {}).items()
                if v.get("Type") == "AWS::DynamoDB::Table" and v.get("Properties", {}).get("StreamSpecification")
            }
            resources.setdefault("dynamodb", set()).update(streams)
    for a in LOG_ACTIONS:
        actions[a] = "Lambda writes the function's logs"
    if xray_enabled(config, fn.name):
        for a in XRAY_ACTIONS:
            actions[a] = "tracing is on (chalice config `xray`)"
    indexes: dict[str, set[str]] = {}
    if "dynamodb:Query" in actions:
        for table in resources.get("dynamodb", set()):
            used = index_names(template, table) & r.strings
            if used:
                indexes[table] = used
    pairs: dict[str, set[str]] = {}
    why: dict[tuple[str, str], str] = {}
    for action, (envs, _unknown) in r.action_env.items():
        service = action.split(":")[0]
        for e, origin in envs.items():
            logical = env_map.get(e)
            if logical and types.get(logical) in SERVICE_RESOURCE_TYPES.get(service, set()):
                pairs.setdefault(action, set()).add(logical)
                why[(action, logical)] = f"{e} read by {' -> '.join(r.chain(origin))}"
    named: dict[str, dict[str, str]] = {}
    parameters = template.get("Parameters", {})
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for action, (envs, _unknown) in r.action_env.items():
        service = action.split(":")[0]
        for e, origin in envs.items():
            logical = env_map.get(e)
            sub_text = (variables.get(e) or {}).get("Fn::Sub") if isinstance(variables.get(e), dict) else None
            if logical in parameters and isinstance(sub_text, str):
                named.setdefault(service, {})[logical] = sub_text
                pairs.setdefault(action, set()).add(logical)
                why[(action, logical)] = f"{e} read by {' -> '.join(r.chain(origin))}"
    if fn.kind in EVENT_SOURCE_ACTIONS:
        service, acts = EVENT_SOURCE_ACTIONS[fn.kind]
        for a in acts:
            pairs.setdefault(a, set()).update(
                resources.get(service, set())
                if fn.kind != "on_sqs_message"
                else {q for q in [queue_by_name(template, str(fn.source.get("queue", "")))] if q}
            )
    return Need(actions, resources, indexes, f"{cfn_name(fn.name)}LogGroup", problems, pairs, why, named)


def check(
    program: Program,
    fn: LambdaFunction,
    template: dict[str, Any],
    config: dict[str, Any],
    chalice_dir: Path = CHALICE_DIR,
) -> list[str]:
    """Everything wrong with one function's policy file ([] when it is exactly right)."""
    need = needs(program, fn, template, config)
    errors = [f"{fn.name}: the analysis cannot follow {p}" for p in need.problems]
    name = policy_file(config, fn.name)
    expected = f"policy-{fn.name}.json"
    if name is None or name == config.get("iam_policy_file"):
        return errors + [
            f"{fn.name}: no policy file of its own. Add .chalice/{expected} and "
            f'"lambda_functions": {{"{fn.name}": {{"iam_policy_file": "{expected}"}}}} '
            f"to .chalice/config.json; start from `python -m infra.iam --suggest {fn.name}`"
        ]
    path = chalice_dir / name
    if not path.exists():
        return errors + [f"{fn.name}: .chalice/{name} does not exist"]
    policy = json.loads(path.read_text())
    given = grants(policy)
    granted = set().union(*(g.actions for g in given)) if given else set()
    for action in sorted(set(need.actions) - granted):
        errors.append(f"{fn.name}: .chalice/{name} lacks {action}, needed by {need.actions[action]}")
    for action in sorted(granted - set(need.actions)):
        errors.append(f"{fn.name}: .chalice/{name} grants {action}, which nothing in the function calls")
    for g in given:
        errors.extend(_check_resources(fn.name, name, g, need, template))
    for service in need.named:
        need.resources.setdefault(service, set())
    for service, ids in need.resources.items():
        ids = ids | set(need.named.get(service, {}))
        if not any(a.startswith(f"{service}:") for a in need.actions):
            continue
        named = (
            set().union(
                *(
                    logical_ids(r)
                    for g in given
                    if any(a.startswith(f"{service}:") for a in g.actions)
                    for r in g.resources
                )
            )
            if given
            else set()
        )
        for logical in sorted(ids - named):
            errors.append(f"{fn.name}: .chalice/{name} gives no {service} action on {logical}, which the function uses")
    for action, ids in sorted(need.pairs.items()):
        if action not in granted:
            continue  # reported above
        on = set().union(
            *(logical_ids(r) for g in given if action in g.actions for r in g.resources if _index_of(r) is None)
        )
        for logical in sorted(ids - on):
            errors.append(
                f"{fn.name}: .chalice/{name} lacks {action} on {logical}, needed by "
                f"{need.actions.get(action, '?')} with {need.pair_why.get((action, logical), '?')}"
            )
        for logical in sorted(on - ids):
            errors.append(
                f"{fn.name}: .chalice/{name} grants {action} on {logical}, which the function never calls it on"
            )
    for table, used in need.indexes.items():
        granted_idx = {_index_of(r) for g in given if "dynamodb:Query" in g.actions for r in g.resources}
        for idx in sorted(used - granted_idx):
            errors.append(f"{fn.name}: .chalice/{name} lacks dynamodb:Query on {table} index {idx!r}")
    return errors


def _index_of(resource: Any) -> str | None:
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        m = re.search(r"/index/([A-Za-z0-9_.-]+)$", resource["Fn::Sub"])
        return m.group(1) if m else None
    return None


def _check_resources(function: str, name: str, g: Grant, need: Need, template: dict[str, Any]) -> Iterator[str]:
    services = {a.split(":")[0] for a in g.actions}
    for r in g.resources:
        if r == "*":
            if not g.actions <= STAR_ONLY_ACTIONS:
                yield f"{function}: .chalice/{name} statement {g.sid} grants {sorted(g.actions)} on every resource"
            continue
        if isinstance(r, str):
            yield (
                f"{function}: .chalice/{name} statement {g.sid}: write resources as template references "
                f"(Fn::GetAtt / Ref / Fn::Sub), not {r!r}"
            )
            continue
        ids = logical_ids(r)
        if services <= {"logs"}:
            if ids != {need.log_group}:
                yield f"{function}: .chalice/{name} statement {g.sid}: logs only on {need.log_group}, not {ids}"
            continue
        allowed = set().union(*(need.resources.get(s, set()) | set(need.named.get(s, {})) for s in services))
        for s in services:
            for parameter, prefix in need.named.get(s, {}).items():
                text = r.get("Fn::Sub") if isinstance(r, dict) else None
                if parameter in ids and not (isinstance(text, str) and text.endswith(f"{prefix}*")):
                    yield (
                        f"{function}: .chalice/{name} statement {g.sid}: the resource built from "
                        f"{parameter} must end with {prefix}* (the names the function reads), not {text!r}"
                    )
        for logical in sorted(ids - allowed):
            yield (
                f"{function}: .chalice/{name} statement {g.sid} grants {sorted(g.actions)} on {logical}, which "
                "the function never uses"
            )
        idx = _index_of(r)
        if idx is not None:
            if g.actions != {"dynamodb:Query"}:
                yield f"{function}: .chalice/{name} statement {g.sid}: an index takes only dynamodb:Query"
            used = set().union(*need.indexes.values()) if need.indexes else set()
            if idx not in used:
                yield f"{function}: .chalice/{name} grants a Query on index {idx!r}, which the function never uses"
        elif isinstance(r.get("Fn::Sub"), str) and "/index/" in r["Fn::Sub"]:
            yield f"{function}: .chalice/{name} statement {g.sid}: name each index (no wildcard)"


def suggest(program: Program, fn: LambdaFunction, template: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """A policy that grants exactly what the analysis found (review it before use)."""
    need = needs(program, fn, template, config)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": list(LOG_ACTIONS),
            "Resource": {"Fn::GetAtt": [need.log_group, "Arn"]},
        }
    ]
    for service in sorted({a.split(":")[0] for a in need.actions} - {"logs", "xray"}):
        acts = sorted(a for a in need.actions if a.startswith(f"{service}:"))
        res: list[Any] = []
        for logical in sorted(need.resources.get(service, set())):
            if service == "s3":
                res.append({"Fn::Sub": f"${{{logical}.Arn}}/*"})
            elif service == "sqs" or service == "dynamodb":
                res.append({"Fn::GetAtt": [logical, "Arn"]})
            else:
                res.append({"Ref": logical})
        statements.append(
            {"Sid": service.title().replace("-", ""), "Effect": "Allow", "Action": acts, "Resource": res or "FILL-IN"}
        )
        for table, used in sorted(need.indexes.items()):
            if service == "dynamodb":
                statements.append(
                    {
                        "Sid": "Indexes",
                        "Effect": "Allow",
                        "Action": ["dynamodb:Query"],
                        "Resource": [{"Fn::Sub": f"${{{table}.Arn}}/index/{i}"} for i in sorted(used)],
                    }
                )
    if any(a.startswith("xray:") for a in need.actions):
        statements.append({"Sid": "Tracing", "Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}

"""The console in infra/template.json reads what the code really writes.

Every metric an alarm or the dashboard uses is emitted somewhere in chalicelib (with
the dimension the graph splits by); every message a saved Logs Insights query filters
on is a message the code logs; every function has its log group in the queries, every
schedule its "stopped" alarm, every alarm a runbook entry in docs/console.md.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from infra import iam

ROOT = Path(__file__).resolve().parents[2]
EMITTERS = {"count", "count_by", "observe", "add_metric", "single_metric"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return iam.load_template()


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == kind}


def code_calls() -> list[tuple[str, ast.Call]]:
    out = []
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                out.append((name, node))
    return out


def literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def arg(call: ast.Call, index: int, keyword: str) -> str | None:
    if len(call.args) > index:
        return literal(call.args[index])
    return next((literal(k.value) for k in call.keywords if k.arg == keyword), None)


def emitted() -> tuple[set[str], set[tuple[str, str]]]:
    """Metric names the code emits, and (metric, dimension) pairs of split counts."""
    names: set[str] = set()
    split: set[tuple[str, str]] = set()
    for name, call in code_calls():
        if name in EMITTERS:
            metric = arg(call, 0, "name")
            if metric:
                names.add(metric)
            if name == "count_by" and metric and arg(call, 1, "dimension"):
                split.add((metric, str(arg(call, 1, "dimension"))))
    return names, split


def logged_messages() -> set[str]:
    levels = {"debug", "info", "warning", "error", "exception", "critical", "log_failure"}
    return {m for name, call in code_calls() if name in levels for m in [arg(call, 0, "msg")] if m}


def walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def used_metrics(template: dict[str, Any]) -> tuple[set[str], set[tuple[str, str]]]:
    """AduanHub metric names in alarms and the dashboard, and (metric, dimension) pairs they split by."""
    names: set[str] = set()
    split: set[tuple[str, str]] = set()
    for res in template["Resources"].values():
        for node in walk(res.get("Properties", {})):
            if isinstance(node, dict) and node.get("Namespace") == "AduanHub" and "MetricName" in node:
                names.add(node["MetricName"])
                for d in node.get("Dimensions", []):
                    if d["Name"] != "service":
                        split.add((node["MetricName"], d["Name"]))
            if isinstance(node, list) and len(node) >= 2 and node[0] == "AduanHub":
                names.add(node[1])
            if isinstance(node, str) and "SEARCH(" in node:
                m = re.search(r"\{AduanHub,([^}]*)\}.*MetricName=\"(\w+)\"", node)
                assert m, node
                names.add(m.group(2))
                split |= {(m.group(2), d) for d in m.group(1).split(",") if d != "service"}
    return names, split


def test_every_metric_the_console_reads_is_emitted_by_the_code(template: dict[str, Any]) -> None:
    used, used_split = used_metrics(template)
    names, split = emitted()
    assert {"ComplaintsAccepted", "TimeToLaporTicket", "LaporCallLatency", "OverdueBacklog", "SweepCompleted"} <= used
    assert used <= names, f"the console reads metrics nothing emits: {sorted(used - names)}"
    assert used_split <= split, f"split by a dimension the code does not set: {sorted(used_split - split)}"


def test_saved_queries_filter_on_messages_the_code_logs(template: dict[str, Any]) -> None:
    messages = logged_messages()
    queries = resources_of(template, "AWS::Logs::QueryDefinition")
    assert len(queries) >= 6
    for name, q in queries.items():
        text = q["Properties"]["QueryString"]
        wanted = re.findall(r'message = "([^"]+)"', text)
        for group in re.findall(r"message in \[([^\]]+)\]", text):
            wanted += re.findall(r'"([^"]+)"', group)
        missing = set(wanted) - messages
        assert not missing, f"{name} filters on messages no code logs: {missing}"


def test_every_function_has_its_log_group_in_every_saved_query(template: dict[str, Any]) -> None:
    functions = iam.lambda_functions(iam.Program())
    groups = resources_of(template, "AWS::Logs::LogGroup")
    for name in functions:
        lid = iam.cfn_name(name)
        assert f"{lid}LogGroup" in groups, f"{name}: add {lid}LogGroup (AWS::Logs::LogGroup) to infra/template.json"
        log_group = groups[f"{lid}LogGroup"]["Properties"]["LogGroupName"]
        assert log_group == {"Fn::Sub": f"/aws/lambda/${{NamePrefix}}-{name}"}
        assert template["Resources"][lid]["Properties"]["FunctionName"] == {"Fn::Sub": f"${{NamePrefix}}-{name}"}
        for qname, q in resources_of(template, "AWS::Logs::QueryDefinition").items():
            assert {"Ref": f"{lid}LogGroup"} in q["Properties"]["LogGroupNames"], (qname, name)


def test_every_schedule_has_an_alarm_for_when_it_stops(template: dict[str, Any]) -> None:
    from infra.local.pump import schedule_seconds

    app = ast.parse((ROOT / "app.py").read_text())
    schedules = {}
    for node in app.body:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "schedule":
                    rate = dec.args[0]
                    assert isinstance(rate, ast.Call)
                    n = rate.args[0].value  # type: ignore[attr-defined]
                    unit = rate.keywords[0].value.attr.lower()  # type: ignore[attr-defined]
                    schedules[node.name] = schedule_seconds(f"rate({n} {unit})")
    assert len(schedules) >= 3
    stopped = {}
    for res in resources_of(template, "AWS::CloudWatch::Alarm").values():
        p = res["Properties"]
        if p.get("MetricName") == "SweepCompleted":
            sweep = next(d["Value"] for d in p["Dimensions"] if d["Name"] == "sweep")
            stopped[sweep] = p
    for name, period in schedules.items():
        assert name in stopped, f"no 'schedule stopped' alarm for {name}"
        p = stopped[name]
        assert p["Period"] == period and p["EvaluationPeriods"] == 3 and p["TreatMissingData"] == "breaching"


def test_every_alarm_tells_the_ops_topic_and_has_a_runbook_entry(template: dict[str, Any]) -> None:
    runbook = (ROOT / "docs/console.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", runbook, re.M)
    }
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 11
    for name, res in alarms.items():
        p = res["Properties"]
        assert p["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}], name
        anchor = p["AlarmDescription"].rsplit("docs/console.md#", 1)[-1]
        assert anchor in anchors, f"{name}: docs/console.md has no heading for #{anchor}"
        alarm_name = p["AlarmName"]["Fn::Sub"].replace("${NamePrefix}", "aduan-hub")
        assert alarm_name.startswith("aduan-hub-")

"""The Lambda functions app.py declares: its decorated handlers, those of the blueprints it
registers, and the middleware each one runs through."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from infra.iam.program import ModuleInfo, Program, Scope
from infra.iam.values import FuncRef, ModuleRef

#: Chalice decorators that make a Lambda function of their own (routes share `api_handler`)
FUNCTION_DECORATORS = {
    "on_sqs_message",
    "schedule",
    "on_dynamodb_record",
    "on_sns_message",
    "on_s3_event",
    "on_cw_event",
    "on_kinesis_record",
    "lambda_function",
    "authorizer",
}
MIDDLEWARE_TYPE = {
    "route": "http",
    "on_sqs_message": "sqs",
    "schedule": "scheduled",
    "on_sns_message": "sns",
    "on_s3_event": "s3",
    "on_cw_event": "cloudwatch",
    "on_kinesis_record": "kinesis",
    "on_dynamodb_record": "dynamodb",
    "lambda_function": "pure_lambda",
    "authorizer": "authorizer",
}
API_HANDLER = "api_handler"


@dataclass
class LambdaFunction:
    name: str
    kind: str  # route | on_sqs_message | schedule | ...
    roots: list[str]  # qualnames of the app.py functions Lambda calls
    source: dict[str, Any] = field(default_factory=dict)  # decorator keywords (queue=..., stream_arn=...)


def lambda_functions(program: Program) -> dict[str, LambdaFunction]:
    """The Lambda functions Chalice makes: app.py's, and those of the blueprints app.py registers."""
    app = program.modules["app"]
    scope = Scope(program, app, None, None)
    out: dict[str, LambdaFunction] = {}
    middleware: list[tuple[str, str]] = []
    sources: list[tuple[ModuleInfo, str]] = [(app, "app")]
    for node in app.tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
        ):
            call = node.value
            if call.func.attr == "register_middleware":
                arg = call.args[0]
                # the middleware itself, or the function that builds it (`signin.gate(app)`)
                target = program.type_of(arg.func if isinstance(arg, ast.Call) else arg, scope)
                kind = program.literal(call.args[1], scope) if len(call.args) > 1 else "all"
                if isinstance(target, FuncRef):
                    middleware.append((target.qual, kind or "all"))
            elif call.func.attr == "register_blueprint" and call.args:
                bp = _blueprint(program, call.args[0], scope)
                if bp is not None:
                    sources.append(bp)
    for mod, owner in sources:
        _decorated(program, mod, owner, out, middleware)
    for fn in out.values():
        for qual, kind in middleware:
            if kind in ("all", MIDDLEWARE_TYPE.get(fn.kind)):
                fn.roots.append(qual)
    return out


def _blueprint(program: Program, node: ast.expr, scope: Scope) -> tuple[ModuleInfo, str] | None:
    """`app.register_blueprint(x)` / `(module.x)`: the module that defines the blueprint, and its name."""
    if isinstance(node, ast.Attribute):
        base = program.type_of(node.value, scope)
        if isinstance(base, ModuleRef) and base.name in program.modules:
            return program.modules[base.name], node.attr
    if isinstance(node, ast.Name):
        found = scope.mod.names.get(node.id)
        if isinstance(found, tuple) and found[0] == "import" and found[1] in program.modules:
            return program.modules[found[1]], found[2]
    return None


def _decorated(
    program: Program, mod: ModuleInfo, owner: str, out: dict[str, LambdaFunction], middleware: list[tuple[str, str]]
) -> None:
    scope = Scope(program, mod, None, None)
    for node in mod.tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            attr = call.func if call else dec
            if not isinstance(attr, ast.Attribute) or not isinstance(attr.value, ast.Name) or attr.value.id != owner:
                continue
            kw = {
                k.arg: program.literal(k.value, scope) or _const(k.value)
                for k in (call.keywords if call else [])
                if k.arg
            }
            qual = f"{mod.name}:{node.name}"
            if attr.attr == "route":
                fn = out.setdefault(API_HANDLER, LambdaFunction(API_HANDLER, "route", []))
                fn.roots.append(qual)
            elif attr.attr == "middleware":
                middleware.append((qual, _const(call.args[0]) if call and call.args else "all"))
            elif attr.attr in FUNCTION_DECORATORS:
                name = kw.get("name") or node.name
                out[name] = LambdaFunction(name, attr.attr, [qual], kw)


def _const(node: ast.expr) -> Any:
    return node.value if isinstance(node, ast.Constant) else ast.unparse(node)


def cfn_name(function: str) -> str:
    """Chalice's logical id for a function's resources (forward_to_lapor -> ForwardToLapor)."""
    if function == API_HANDLER:
        return "APIHandler"
    return "".join(p[:1].upper() + p[1:] for p in function.split("_"))

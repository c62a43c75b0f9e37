"""One function's body, walked once: the calls it makes, the functions it hands over, its AWS
operations with where their resources come from, and the calls the analysis cannot follow."""

from __future__ import annotations

import ast
from functools import cache
from typing import TYPE_CHECKING, Any

from infra.iam.actions import CLIENT_HELPERS, TRANSACT_ITEM_ACTIONS, iam_actions, operations
from infra.iam.values import BotoMethod, BoundMethod, ClassRef, External, FuncRef, FunctionFacts, Instance, Site

if TYPE_CHECKING:
    from infra.iam.program import Program, Scope


class Collector:
    def __init__(self, program: Program, scope: Scope, facts: FunctionFacts) -> None:
        self.p = program
        self.scope = scope
        self.facts = facts
        self.func_nodes: set[int] = set()
        self.consumed: set[int] = set()
        self.params: set[str] = set()
        self.local_values: dict[str, list[ast.expr]] = {}

    def site(self, node: ast.AST) -> Site:
        return Site(self.scope.mod.rel, getattr(node, "lineno", 0))

    def edge(self, qual: str | None, node: ast.AST) -> None:
        if qual and qual != self.facts.qual:
            self.facts.edges.setdefault(qual, self.site(node))

    def run(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]} - {"self", "cls"}
        self.local_values = local_values(fn)
        body: list[ast.AST] = [*fn.body, *fn.args.defaults, *fn.args.kw_defaults]
        for stmt in body:
            if stmt is None:
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    self.func_nodes.add(id(node.func))
            for node in ast.walk(stmt):
                self.visit(node)

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            self.call(node)
        elif (
            isinstance(node, ast.Name | ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and id(node) not in self.func_nodes
            and id(node) not in self.consumed
        ):
            self.reference(node)
        elif isinstance(node, ast.Dict):
            self.transaction_item(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.facts.strings.add(node.value)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            const = self.p.constant(self.scope.mod.name, node.id)
            if const is not None and node.id not in self.scope.locals:
                self.facts.strings.add(const)

    def sources(self, expr: ast.AST | None, depth: int = 0) -> tuple[set[str], set[str]]:
        """Environment variables read in an expression, and this function's parameters it uses
        (through local variables too): where a queue URL, table or ARN comes from."""
        env: set[str] = set()
        params: set[str] = set()
        if expr is None or depth > 6:
            return env, params
        for node in ast.walk(expr):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in self.params:
                    params.add(node.id)
                for value in self.local_values.get(node.id, []):
                    e, p = self.sources(value, depth + 1)
                    env |= e
                    params |= p
            elif isinstance(node, ast.Attribute):
                base = self.p.type_of(node.value, self.scope)
                if isinstance(base, Instance) and base.qual == "chalicelib.settings:Settings":
                    field_env = self.p.settings_env.get(node.attr)
                    if field_env:
                        env.add(field_env)
                elif isinstance(node.value, ast.Name) and node.value.id == "self" and self.scope.cls:
                    env |= self.p.attribute_env(self.scope.cls, node.attr)
            elif isinstance(node, ast.Call):
                fn = self.p.type_of(node.func, self.scope)
                target = (
                    fn.qual
                    if isinstance(fn, FuncRef)
                    else self.p.method(fn.cls, fn.name)
                    if isinstance(fn, BoundMethod)
                    else None
                )
                if target and self.p.returns(target) is None:  # a plain value (a request dict), not an object
                    env |= self.p.return_env(target)
                if isinstance(fn, External) and fn.dotted in ("os.environ.get", "os.getenv") and node.args:
                    name = self.p.literal(node.args[0], self.scope)
                    if name:
                        env.add(name)
        return env, params

    def add_sources(self, action: str, node: ast.AST) -> None:
        env, params = self.sources(node)
        old = self.facts.sources.setdefault(action, (set(), set()))
        old[0].update(env)
        old[1].update(params)

    def flow(self, target: str | None, node: ast.Call, skip_first: bool) -> None:
        """What each argument of this call carries into the callee's parameters."""
        found = self.p.function_node(target) if target else None
        if found is None:
            return
        _, fn = found
        names = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
        if skip_first and names:
            names = names[1:]
        given = [(names[i], a) for i, a in enumerate(node.args) if i < len(names)]
        given += [(k.arg, k.value) for k in node.keywords if k.arg]
        flows = self.facts.flows.setdefault(target, {})  # type: ignore[arg-type]
        for param, arg in given:
            env, params = self.sources(arg)
            if env or params:
                old = flows.setdefault(param, (set(), set()))
                old[0].update(env)
                old[1].update(params)

    def reference(self, node: ast.Name | ast.Attribute) -> None:
        """A function or bound method handed over as a value may be called by whoever gets it."""
        t = self.p.type_of(node, self.scope)
        if isinstance(t, FuncRef):
            self.edge(t.qual, node)
        elif isinstance(t, BoundMethod):
            self.edge(self.p.method(t.cls, t.name), node)
        elif isinstance(node, ast.Attribute):
            self.settings_read(node)

    def settings_read(self, node: ast.Attribute) -> None:
        base = self.p.type_of(node.value, self.scope)
        if isinstance(base, Instance) and base.qual == "chalicelib.settings:Settings":
            env = self.p.settings_env.get(node.attr)
            if env:
                self.facts.env.setdefault(env, self.site(node))

    def call(self, node: ast.Call) -> None:
        fn = self.p.type_of(node.func, self.scope)
        self.environment(node, fn)
        if isinstance(fn, FuncRef):
            self.edge(fn.qual, node)
            self.flow(fn.qual, node, skip_first=False)
        elif isinstance(fn, BoundMethod):
            target = self.p.method(fn.cls, fn.name)
            self.edge(target, node)
            self.flow(target, node, skip_first=True)
        elif isinstance(fn, ClassRef):
            self.consumed |= self.p.bind(fn.qual, node, self.scope)
            for name in ("__init__", "__post_init__", "__call__"):  # an instance may be called later
                self.edge(self.p.method(fn.qual, name), node)
            self.flow(self.p.method(fn.qual, "__init__"), node, skip_first=True)
        elif isinstance(fn, Instance):
            self.edge(self.p.method(fn.qual, "__call__"), node)
        elif isinstance(fn, BotoMethod):
            self.aws_call(fn, node)
        if not isinstance(fn, FuncRef | BoundMethod | ClassRef | BotoMethod) and isinstance(node.func, ast.Attribute):
            owner = self.p.type_of(node.func.value, self.scope)
            if isinstance(owner, Instance):  # self._hook(...): whatever the constructor was given
                for cls in self.p.mro(owner.qual):
                    self.facts.deferred.setdefault((cls, node.func.attr), self.site(node))
            elif fn is None:
                self.maybe_unresolved(node.func)

    def environment(self, node: ast.Call, fn: Any) -> None:
        """os.environ.get("X"), os.getenv("X")."""
        if self.scope.mod.name == "chalicelib.settings":
            return  # the settings loader reads every variable; what a function uses is the field it reads
        if isinstance(fn, External) and fn.dotted in ("os.environ.get", "os.getenv") and node.args:
            name = self.p.literal(node.args[0], self.scope)
            if name:
                self.facts.env.setdefault(name, self.site(node))

    def aws_call(self, fn: BotoMethod, node: ast.Call) -> None:
        before = set(self.facts.aws)
        self._aws_call(fn, node)
        for service, op in set(self.facts.aws) - before:
            for action in iam_actions(service, op):
                self.add_sources(action, node)
        if fn.boto.kind == "table":  # boto3.resource(...).Table(name): the name is where the table came from
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            for action in {a for (sv, op) in set(self.facts.aws) - before for a in iam_actions(sv, op)}:
                if owner is not None:
                    self.add_sources(action, owner)

    def _aws_call(self, fn: BotoMethod, node: ast.Call) -> None:
        service = fn.boto.service
        if service == "?":
            self.facts.unresolved.append(("a boto3 client whose service is not a literal", self.site(node)))
            return
        name = fn.name
        if fn.boto.kind == "batch" and name in ("put_item", "delete_item"):
            self.facts.aws.setdefault((service, "BatchWriteItem"), self.site(node))
            return
        if name in CLIENT_HELPERS:
            op = CLIENT_HELPERS[name]
            if op:
                self.facts.aws.setdefault((service, op), self.site(node))
            return
        if name in ("get_paginator", "generate_presigned_url"):
            arg = (
                node.args[0]
                if node.args
                else next((k.value for k in node.keywords if k.arg in ("operation_name", "ClientMethod")), None)
            )
            target = self.p.literal(arg, self.scope)
            op = operations(service).get(target or "")
            if op:
                self.facts.aws.setdefault((service, op), self.site(node))
            else:
                self.facts.unresolved.append(
                    (f"{service}.{name} with an operation that is not a literal", self.site(node))
                )
            return
        if name in ("Table", "batch_writer", "meta", "exceptions"):
            return
        op = operations(service).get(name)
        if op is None:
            self.facts.unresolved.append((f"{service}.{name}: not an operation of the {service} API", self.site(node)))
            return
        self.facts.aws.setdefault((service, op), self.site(node))

    def transaction_item(self, node: ast.Dict) -> None:
        """{"Put": {"TableName": ...}} and the like: the item action a transaction needs."""
        for k, v in zip(node.keys, node.values, strict=False):
            if not (isinstance(k, ast.Constant) and k.value in TRANSACT_ITEM_ACTIONS):
                continue
            # the operation written in place, or built first and named: {"Put": put}
            built = (
                [v]
                if isinstance(v, ast.Dict)
                else self.local_values.get(v.id, [])
                if isinstance(v, ast.Name)
                else self.returned_dicts(v)
                if isinstance(v, ast.Call)
                else []
            )
            for op in built:
                if isinstance(op, ast.Dict) and any(
                    isinstance(x, ast.Constant) and x.value == "TableName" for x in op.keys
                ):
                    action = f"dynamodb:{TRANSACT_ITEM_ACTIONS[k.value]}"
                    self.facts.actions.setdefault(action, self.site(node))
                    self.add_sources(action, op)

    def returned_dicts(self, call: ast.Call) -> list[ast.expr]:
        """The dict literals a called function of ours returns: {"Update": self._request(...)}."""
        t = self.p.type_of(call.func, self.scope)
        qual = (
            t.qual if isinstance(t, FuncRef) else self.p.method(t.cls, t.name) if isinstance(t, BoundMethod) else None
        )
        found = self.p.function_node(qual) if qual else None
        if found is None:
            return []
        fn = found[1]
        named = local_values(fn) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) else {}
        out: list[ast.expr] = []
        for r in ast.walk(fn):  # `return {...}`, or `return put` with `put = {...}` built first
            if isinstance(r, ast.Return) and isinstance(r.value, ast.Dict):
                out.append(r.value)
            elif isinstance(r, ast.Return) and isinstance(r.value, ast.Name):
                out.extend(v for v in named.get(r.value.id, []) if isinstance(v, ast.Dict))
        return out

    def maybe_unresolved(self, func: ast.Attribute) -> None:
        if func.attr in _aws_method_names():
            what = ast.unparse(func)
            self.facts.unresolved.append(
                (
                    f"`{what}(...)` looks like an AWS call on a value whose type is not known: give it a type hint",
                    self.site(func),
                )
            )


def local_values(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, list[ast.expr]]:
    """Each local name and the values assigned to it in a function."""
    out: dict[str, list[ast.expr]] = {}
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Assign):
            for t in sub.targets:
                if isinstance(t, ast.Name):
                    out.setdefault(t.id, []).append(sub.value)
        elif isinstance(sub, ast.AnnAssign | ast.AugAssign) and isinstance(sub.target, ast.Name) and sub.value:
            out.setdefault(sub.target.id, []).append(sub.value)
        elif isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
            out.setdefault(sub.target.id, []).append(sub.value)
    return out


#: services the code uses: their method names make an untyped `x.<method>(...)` suspicious
WATCHED_SERVICES = ("dynamodb", "sqs", "sns", "s3", "secretsmanager", "cognito-idp", "dynamodbstreams")
#: method names that are also plain Python / library calls in this code base
_COMMON_NAMES = {
    "get",
    "publish",
    "query",
    "update",
    "delete",
    "list",
    "close",
    "copy",
    "scan",
    "subscribe",
    "tag_resource",
    "untag_resource",
}


@cache
def _aws_method_names() -> frozenset[str]:
    names: set[str] = set()
    for s in WATCHED_SERVICES:
        names.update(operations(s))
    names.update(k for k in CLIENT_HELPERS if CLIENT_HELPERS[k])
    return frozenset(names - _COMMON_NAMES)

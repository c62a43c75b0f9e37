"""Which AWS actions each Lambda function can reach, read from the code (no import, no run).

Each Lambda function's policy lives in `.chalice/policy-<function>.json` (chalice config
`lambda_functions.<function>.iam_policy_file`). This module finds, for every function that
app.py declares, what its handler can reach: it follows app.py -> handlers / routes ->
bootstrap getters -> services -> adapters through calls, through functions and bound
methods handed over as values, and through type hints (constructor arguments, return
annotations, `Callable[..., X]`), down to the boto3 client method calls. Those become IAM
actions, and the settings / environment variables read on the way say which resources of
the template they touch. tests/unit/test_policies.py compares that with the policy files.

    python -m infra.iam                    # every function: needed vs granted, with the call chains
    python -m infra.iam forward_to_lapor   # one function
    python -m infra.iam --suggest NAME     # a policy file to start from for a new function

What it cannot see it says: an AWS-looking call on a value whose type it cannot tell
(`x.put_item(...)` with `x` unannotated) is reported as unresolved, so new code fails the
test with the file and line instead of passing silently.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHALICE_DIR = ROOT / ".chalice"
TEMPLATE = ROOT / "infra" / "template.json"

# -- what an AWS call needs in IAM ----------------------------------------------------------

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


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


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


# -- types the analysis follows -------------------------------------------------------------


@dataclass(frozen=True)
class FuncRef:
    qual: str  # module:function


@dataclass(frozen=True)
class ClassRef:
    qual: str  # module:Class (the class itself)


@dataclass(frozen=True)
class Instance:
    qual: str  # module:Class (a value of it)


@dataclass(frozen=True)
class BoundMethod:
    cls: str
    name: str


@dataclass(frozen=True)
class ModuleRef:
    name: str


@dataclass(frozen=True)
class CallableOf:
    returns: Any  # a type, or None


@dataclass(frozen=True)
class Boto:
    service: str
    kind: str = "client"  # client | resource | table | batch


@dataclass(frozen=True)
class BotoMethod:
    boto: Boto
    name: str


@dataclass(frozen=True)
class External:
    dotted: str  # e.g. boto3.client, boto3.session.Session


@dataclass(frozen=True)
class Site:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class FunctionFacts:
    """What one function (or method) does, in itself."""

    qual: str
    site: Site
    edges: dict[str, Site] = field(default_factory=dict)  # callee qual -> first site
    aws: dict[tuple[str, str], Site] = field(default_factory=dict)  # (service, operation) -> site
    actions: dict[str, Site] = field(default_factory=dict)  # IAM action -> site (transaction items)
    env: dict[str, Site] = field(default_factory=dict)  # environment variable -> site
    strings: set[str] = field(default_factory=set)
    unresolved: list[tuple[str, Site]] = field(default_factory=list)
    deferred: dict[tuple[str, str], Site] = field(default_factory=dict)  # calls of `self.<attr>(...)`
    #: where each AWS call's resource comes from: env variables read in its arguments, and
    #: this function's parameters they use (filled in by the callers' arguments)
    sources: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)  # IAM action -> (env, params)
    #: callee -> its parameter -> (env, this function's parameters) of the argument passed
    flows: dict[str, dict[str, tuple[set[str], set[str]]]] = field(default_factory=dict)


@dataclass
class ModuleInfo:
    name: str
    path: Path
    tree: ast.Module
    root: Path = ROOT
    names: dict[str, Any] = field(default_factory=dict)  # local name -> FuncRef/ClassRef/ModuleRef/External/...
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    globals_: dict[str, ast.expr] = field(default_factory=dict)

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(self.root))


class Program:
    """app.py and chalicelib/, parsed once."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.modules: dict[str, ModuleInfo] = {}
        paths = [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]
        for path in paths:
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join(parts)
            self.modules[name] = ModuleInfo(name, path, ast.parse(path.read_text(), str(path)), root)
        for mod in self.modules.values():
            self._index(mod)
        self.settings_env = self._settings_env()
        self._facts: dict[str, FunctionFacts] = {}
        self._attr_types: dict[str, dict[str, Any]] = {}
        #: (class, attribute) -> functions handed to the constructor and kept in that attribute
        self.bindings: dict[tuple[str, str], set[str]] = {}
        self._all_done = False
        self._resolving: set[tuple[str, str]] = set()
        self._attr_env: dict[tuple[str, str], set[str]] = {}
        self._return_env: dict[str, set[str]] = {}

    def all_facts(self) -> None:
        """Read every function once, so every constructor's bindings are known."""
        if self._all_done:
            return
        self._all_done = True
        for mod in self.modules.values():
            for name in mod.functions:
                self.facts(f"{mod.name}:{name}")
            for cname, node in mod.classes.items():
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        self.facts(f"{mod.name}:{cname}.{item.name}")

    def bind(self, cls: str, call: ast.Call, scope: _Scope) -> set[int]:
        """Functions handed to a constructor: remembered by the attribute `__init__` keeps them in.

        Returns the argument nodes consumed (they are not calls by the caller itself)."""
        init = self.method(cls, "__init__")
        found = self.function_node(init) if init else None
        if found is None:
            return set()
        _, fn = found
        params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args][1:]]
        given: list[tuple[str, ast.expr]] = [(params[i], a) for i, a in enumerate(call.args) if i < len(params)]
        given += [(k.arg, k.value) for k in call.keywords if k.arg]
        kept: dict[str, str] = {}  # parameter -> attribute
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Name | ast.BoolOp | ast.IfExp):
                names = {n.id for n in ast.walk(sub.value) if isinstance(n, ast.Name)}
                for t in sub.targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        for n in names:
                            kept.setdefault(n, t.attr)
        consumed: set[int] = set()
        owner = init.rpartition(".")[0] if init else cls
        for param, arg in given:
            t = self.type_of(arg, scope)
            target = (
                t.qual if isinstance(t, FuncRef) else self.method(t.cls, t.name) if isinstance(t, BoundMethod) else None
            )
            if target and param in kept:
                self.bindings.setdefault((owner, kept[param]), set()).add(target)
                consumed.add(id(arg))
        return consumed

    # -- indexing ---------------------------------------------------------------------------

    def _index(self, mod: ModuleInfo) -> None:
        for node in mod.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                mod.functions[node.name] = node
                mod.names[node.name] = FuncRef(f"{mod.name}:{node.name}")
            elif isinstance(node, ast.ClassDef):
                mod.classes[node.name] = node
                mod.names[node.name] = ClassRef(f"{mod.name}:{node.name}")
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name) and node.value is not None:
                        mod.globals_[t.id] = node.value
                        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                            mod.constants[t.id] = node.value.value
        # imports anywhere in the module (function-local and TYPE_CHECKING ones too)
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        mod.names.setdefault(a.asname, self._module_or_external(a.name))
                    else:
                        top = a.name.split(".")[0]
                        mod.names.setdefault(top, self._module_or_external(top))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    mod.names.setdefault(a.asname or a.name, ("import", node.module, a.name))

    def _module_or_external(self, dotted: str) -> Any:
        return ModuleRef(dotted) if dotted in self.modules else External(dotted)

    def symbol(self, module: str, name: str, depth: int = 0) -> Any:
        """What a name means in a module (following `from x import y` chains)."""
        mod = self.modules.get(module)
        if mod is None or depth > 10:
            return None
        found = mod.names.get(name)
        if isinstance(found, tuple) and found[0] == "import":
            _, src, attr = found
            if f"{src}.{attr}" in self.modules:
                return ModuleRef(f"{src}.{attr}")
            if src in self.modules:
                return self.symbol(src, attr, depth + 1)
            return External(f"{src}.{attr}")
        if found is None and name in mod.globals_ and (module, name) not in self._resolving:
            self._resolving.add((module, name))  # a module-level value: `_sqs = boto3.client("sqs")`
            try:
                return self.type_of(mod.globals_[name], _Scope(self, mod, None, None))
            finally:
                self._resolving.discard((module, name))
        return found

    def constant(self, module: str, name: str, depth: int = 0) -> str | None:
        mod = self.modules.get(module)
        if mod is None or depth > 10:
            return None
        if name in mod.constants:
            return mod.constants[name]
        found = mod.names.get(name)
        if isinstance(found, tuple) and found[0] == "import" and found[1] in self.modules:
            return self.constant(found[1], found[2], depth + 1)
        return None

    def _settings_env(self) -> dict[str, str]:
        """Settings field -> environment variable, from chalicelib/settings.py's `raw` mapping."""
        out: dict[str, str] = {}
        mod = self.modules.get("chalicelib.settings")
        if mod is None:
            return out
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=False):
                    if (
                        isinstance(k, ast.Constant)
                        and isinstance(v, ast.Call)
                        and v.args
                        and isinstance(v.args[0], ast.Constant)
                        and isinstance(v.args[0].value, str)
                    ):
                        out[str(k.value)] = v.args[0].value
        return out

    # -- classes ----------------------------------------------------------------------------

    def class_node(self, qual: str) -> tuple[ModuleInfo, ast.ClassDef] | None:
        module, _, name = qual.partition(":")
        mod = self.modules.get(module)
        if mod is None or name not in mod.classes:
            return None
        return mod, mod.classes[name]

    def mro(self, qual: str) -> Iterator[str]:
        seen: set[str] = set()
        todo = deque([qual])
        while todo:
            q = todo.popleft()
            if q in seen:
                continue
            seen.add(q)
            found = self.class_node(q)
            if found is None:
                continue
            yield q
            mod, node = found
            for base in node.bases:
                t = self.type_of(base, _Scope(self, mod, None, None))
                if isinstance(t, ClassRef):
                    todo.append(t.qual)

    def method(self, cls: str, name: str) -> str | None:
        for q in self.mro(cls):
            found = self.class_node(q)
            assert found is not None
            mod, node = found
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                    return f"{q}.{name}"
        return None

    def attribute_env(self, cls: str, attr: str) -> set[str]:
        """Environment variables a `self.<attr>` was set from (`self.table = ... settings().table_name`)."""
        key = (cls, attr)
        if key in self._attr_env:
            return self._attr_env[key]
        self._attr_env[key] = set()
        out: set[str] = set()
        for q in self.mro(cls):
            found = self.class_node(q)
            assert found is not None
            mod, node = found
            for item in node.body:
                if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for sub in ast.walk(item):
                    if isinstance(sub, ast.Assign) and any(
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                        and t.attr == attr
                        for t in sub.targets
                    ):
                        collector = _Collector(self, _Scope(self, mod, q, item), FunctionFacts(q, Site("?", 0)))
                        collector.local_values = _local_values(item)
                        out |= collector.sources(sub.value)[0]
        self._attr_env[key] = out
        return out

    def return_env(self, qual: str) -> set[str]:
        """Environment variables what a function returns was built from (a request dict with
        `TableName: self.table`, say)."""
        if qual in self._return_env:
            return self._return_env[qual]
        self._return_env[qual] = set()
        found = self.function_node(qual)
        if found is None:
            return set()
        mod, fn = found
        cls = qual.partition(":")[2].rpartition(".")[0]
        collector = _Collector(
            self, _Scope(self, mod, f"{mod.name}:{cls}" if cls else None, fn), FunctionFacts(qual, Site("?", 0))
        )
        collector.local_values = _local_values(fn)
        out: set[str] = set()
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Return) and sub.value is not None:
                out |= collector.sources(sub.value)[0]
        self._return_env[qual] = out
        return out

    def attribute_type(self, cls: str, attr: str) -> Any:
        for q in self.mro(cls):
            types = self._class_attr_types(q)
            if attr in types:
                return types[attr]
        return None

    def _class_attr_types(self, qual: str) -> dict[str, Any]:
        if qual in self._attr_types:
            return self._attr_types[qual]
        self._attr_types[qual] = {}
        found = self.class_node(qual)
        if found is None:
            return {}
        mod, node = found
        types: dict[str, Any] = {}
        for item in node.body:  # class-level annotations (dataclass fields, pydantic models)
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                t = self.annotation(item.annotation, mod)
                if t is not None:
                    types[item.target.id] = t
        for item in node.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            scope = _Scope(self, mod, qual, item)
            for sub in ast.walk(item):
                if isinstance(sub, ast.Assign | ast.AnnAssign):
                    targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                    for t in targets:
                        if (
                            isinstance(t, ast.Attribute)
                            and isinstance(t.value, ast.Name)
                            and t.value.id == "self"
                            and t.attr not in types
                        ):
                            ann = self.annotation(sub.annotation, mod) if isinstance(sub, ast.AnnAssign) else None
                            value = ann or (self.type_of(sub.value, scope) if sub.value is not None else None)
                            if value is not None:
                                types[t.attr] = value
        self._attr_types[qual] = types
        return types

    # -- annotations and expressions ----------------------------------------------------------

    def annotation(self, node: ast.expr | None, mod: ModuleInfo) -> Any:
        """The type a hint names: X, X | None, Optional[X], Callable[..., X]."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.annotation(node.left, mod) or self.annotation(node.right, mod)
        if isinstance(node, ast.Subscript):
            base = self.type_of(node.value, _Scope(self, mod, None, None))
            dotted = base.dotted if isinstance(base, External) else ""
            if dotted.endswith("Optional"):
                return self.annotation(node.slice, mod)
            if dotted.endswith("Callable"):
                args = node.slice.elts if isinstance(node.slice, ast.Tuple) else []
                return CallableOf(self.annotation(args[-1], mod) if args else None)
            return None
        t = self.type_of(node, _Scope(self, mod, None, None))
        if isinstance(t, ClassRef):
            return Instance(t.qual)
        return None

    def returns(self, qual: str) -> Any:
        fn = self.function_node(qual)
        if fn is None:
            return None
        mod, node = fn
        return self.annotation(node.returns, mod)

    def function_node(self, qual: str) -> tuple[ModuleInfo, ast.FunctionDef | ast.AsyncFunctionDef] | None:
        module, _, rest = qual.partition(":")
        mod = self.modules.get(module)
        if mod is None:
            return None
        if "." not in rest:
            node = mod.functions.get(rest)
            return (mod, node) if node is not None else None
        cls, _, name = rest.partition(".")
        found = self.class_node(f"{module}:{cls}")
        if found is None:
            return None
        for item in found[1].body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                return mod, item
        return None

    def type_of(self, node: ast.expr | None, scope: _Scope) -> Any:
        if node is None:
            return None
        if isinstance(node, ast.Name):
            if node.id in scope.locals:
                return scope.locals[node.id]
            return self.symbol(scope.mod.name, node.id)
        if isinstance(node, ast.Attribute):
            base = self.type_of(node.value, scope)
            return self.member(base, node.attr)
        if isinstance(node, ast.Call):
            return self.call_result(self.type_of(node.func, scope), node, scope)
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                t = self.type_of(v, scope)
                if t is not None:
                    return t
            return None
        if isinstance(node, ast.IfExp):
            return self.type_of(node.body, scope) or self.type_of(node.orelse, scope)
        if isinstance(node, ast.NamedExpr):
            return self.type_of(node.value, scope)
        return None

    def member(self, base: Any, attr: str) -> Any:
        if isinstance(base, ModuleRef):
            if f"{base.name}.{attr}" in self.modules:
                return ModuleRef(f"{base.name}.{attr}")
            return self.symbol(base.name, attr)
        if isinstance(base, External):
            return External(f"{base.dotted}.{attr}")
        if isinstance(base, Instance):
            t = self.attribute_type(base.qual, attr)
            if t is not None:
                return t
            if self.method(base.qual, attr):
                return BoundMethod(base.qual, attr)
            return None
        if isinstance(base, ClassRef):
            if self.method(base.qual, attr):
                return BoundMethod(base.qual, attr)  # Class.method: static / class methods
            return None
        if isinstance(base, Boto):
            return BotoMethod(base, attr)
        return None

    def call_result(self, fn: Any, node: ast.Call, scope: _Scope) -> Any:
        if isinstance(fn, FuncRef):
            if fn.qual == "chalicelib.adapters.aws:client":
                return self._boto(node, "client", scope)
            return self.returns(fn.qual)
        if isinstance(fn, ClassRef):
            return Instance(fn.qual)
        if isinstance(fn, BoundMethod):
            target = self.method(fn.cls, fn.name)
            return self.returns(target) if target else None
        if isinstance(fn, CallableOf):
            return fn.returns
        if isinstance(fn, Instance):  # calling an object: its __call__
            target = self.method(fn.qual, "__call__")
            return self.returns(target) if target else None
        if isinstance(fn, External):
            tail = fn.dotted.rsplit(".", 1)[-1]
            if fn.dotted.startswith("boto3") and tail in ("client", "resource"):
                return self._boto(node, tail, scope)
            if fn.dotted.startswith("boto3") and tail == "Session":
                return External("boto3.session.Session()")
            return None
        if isinstance(fn, BotoMethod):
            if fn.boto.kind == "resource" and fn.name == "Table":
                return Boto(fn.boto.service, "table")
            if fn.name == "batch_writer":
                return Boto(fn.boto.service, "batch")
            return None
        return None

    def _boto(self, node: ast.Call, kind: str, scope: _Scope) -> Any:
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "service_name"), None)
        service = self.literal(arg, scope)
        return Boto(service, kind) if service else Boto("?", kind)

    def literal(self, node: ast.expr | None, scope: _Scope) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.constant(scope.mod.name, node.id)
        return None

    # -- one function's facts ------------------------------------------------------------------

    def facts(self, qual: str) -> FunctionFacts:
        if qual in self._facts:
            return self._facts[qual]
        found = self.function_node(qual)
        if found is None:
            facts = FunctionFacts(qual, Site("?", 0))
            self._facts[qual] = facts
            return facts
        mod, node = found
        cls = qual.partition(":")[2].rpartition(".")[0]
        scope = _Scope(self, mod, f"{mod.name}:{cls}" if cls else None, node)
        facts = FunctionFacts(qual, Site(mod.rel, node.lineno))
        self._facts[qual] = facts
        _Collector(self, scope, facts).run(node)
        return facts


class _Scope:
    """Local names of one function with the types the analysis can tell."""

    def __init__(
        self, program: Program, mod: ModuleInfo, cls: str | None, fn: ast.FunctionDef | ast.AsyncFunctionDef | None
    ) -> None:
        self.program = program
        self.mod = mod
        self.cls = cls
        self.locals: dict[str, Any] = {}
        if fn is None:
            return
        for f in [
            fn,
            *(n for n in ast.walk(fn) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n is not fn),
        ]:
            args = [*f.args.posonlyargs, *f.args.args, *f.args.kwonlyargs]
            for i, a in enumerate(args):
                if i == 0 and cls and f is fn and a.arg in ("self", "cls"):
                    self.locals[a.arg] = Instance(cls) if a.arg == "self" else ClassRef(cls)
                    continue
                # a parameter shadows the module's names, typed or not (None: type unknown)
                self.locals.setdefault(a.arg, program.annotation(a.annotation, mod))
        for _ in range(3):  # assignments may build on each other
            for sub in ast.walk(fn):
                if isinstance(sub, ast.Assign):
                    for t in sub.targets:
                        if isinstance(t, ast.Name):
                            self._bind(t.id, program.type_of(sub.value, self))
                elif isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Name):
                    self._bind(
                        sub.target.id, program.annotation(sub.annotation, mod) or program.type_of(sub.value, self)
                    )
                elif isinstance(sub, ast.With | ast.AsyncWith):
                    for item in sub.items:
                        if isinstance(item.optional_vars, ast.Name):
                            self._bind(item.optional_vars.id, program.type_of(item.context_expr, self))
                elif isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                    self._bind(sub.target.id, program.type_of(sub.value, self))

    def _bind(self, name: str, t: Any) -> None:
        if t is not None and self.locals.get(name) is None:
            self.locals[name] = t


class _Collector:
    def __init__(self, program: Program, scope: _Scope, facts: FunctionFacts) -> None:
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
        self.local_values = _local_values(fn)
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
        named = _local_values(fn) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) else {}
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


def _local_values(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, list[ast.expr]]:
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


# -- the Lambda functions app.py declares ----------------------------------------------------


@dataclass
class LambdaFunction:
    name: str
    kind: str  # route | on_sqs_message | schedule | ...
    roots: list[str]  # qualnames of the app.py functions Lambda calls
    source: dict[str, Any] = field(default_factory=dict)  # decorator keywords (queue=..., stream_arn=...)


def lambda_functions(program: Program) -> dict[str, LambdaFunction]:
    """The Lambda functions Chalice makes: app.py's, and those of the blueprints app.py registers."""
    app = program.modules["app"]
    scope = _Scope(program, app, None, None)
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


def _blueprint(program: Program, node: ast.expr, scope: _Scope) -> tuple[ModuleInfo, str] | None:
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
    scope = _Scope(program, mod, None, None)
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


@dataclass
class Reach:
    """Everything one Lambda function can reach, with how it gets there."""

    function: LambdaFunction
    parents: dict[str, str | None]
    actions: dict[str, tuple[str, Site]]  # IAM action -> (function that calls, site)
    env: dict[str, tuple[str, Site]]
    strings: set[str]
    unresolved: list[tuple[str, str, Site]]
    #: IAM action -> (environment variables naming the resources its calls touch, calls whose
    #: resource could not be told) -- per call, through the arguments of every path to it
    action_env: dict[str, tuple[dict[str, str], list[str]]] = field(default_factory=dict)

    def chain(self, qual: str) -> list[str]:
        out = []
        q: str | None = qual
        while q is not None:
            out.append(q)
            q = self.parents.get(q)
        return list(reversed(out))

    def explain(self, action: str) -> str:
        qual, site = self.actions[action]
        return f"{' -> '.join(self.chain(qual))} at {site}"


def reach(program: Program, fn: LambdaFunction) -> Reach:
    program.all_facts()
    parents: dict[str, str | None] = {r: None for r in fn.roots}
    todo = deque(fn.roots)
    actions: dict[str, tuple[str, Site]] = {}
    env: dict[str, tuple[str, Site]] = {}
    strings: set[str] = set()
    unresolved: list[tuple[str, str, Site]] = []
    while todo:
        qual = todo.popleft()
        facts = program.facts(qual)
        for (service, op), site in facts.aws.items():
            for action in iam_actions(service, op):
                actions.setdefault(action, (qual, site))
        for action, site in facts.actions.items():
            actions.setdefault(action, (qual, site))
        for name, site in facts.env.items():
            env.setdefault(name, (qual, site))
        strings |= facts.strings
        unresolved.extend((qual, what, site) for what, site in facts.unresolved)
        callees = list(facts.edges)
        for key in facts.deferred:
            callees.extend(sorted(program.bindings.get(key, ())))
        for callee in callees:
            if callee not in parents:
                parents[callee] = qual
                todo.append(callee)
    return Reach(fn, parents, actions, env, strings, unresolved, _action_env(program, set(parents)))


def _action_env(program: Program, reached: set[str]) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Which environment variables (so which resources) each action's calls use: a call's own
    arguments, plus what every reached caller passes into the parameters they use. Each variable
    comes with the function that reads it (to name the path in a message)."""
    param_env: dict[str, dict[str, dict[str, str]]] = {q: {} for q in reached}
    changed = True
    while changed:
        changed = False
        for caller in reached:
            for callee, flows in program.facts(caller).flows.items():
                if callee not in reached:
                    continue
                for param, (env, params) in flows.items():
                    value = {e: caller for e in env}
                    for x in params:
                        for e, origin in param_env[caller].get(x, {}).items():
                            value.setdefault(e, origin)
                    target = param_env[callee].setdefault(param, {})
                    new = {e: o for e, o in value.items() if e not in target}
                    if new:
                        target.update(new)
                        changed = True
    out: dict[str, tuple[dict[str, str], list[str]]] = {}
    for qual in reached:
        for action, (env, params) in program.facts(qual).sources.items():
            found = {e: qual for e in env}
            for x in params:
                for e, origin in param_env[qual].get(x, {}).items():
                    found.setdefault(e, origin)
            entry = out.setdefault(action, ({}, []))
            for e, origin in found.items():
                entry[0].setdefault(e, origin)
            if not found:
                entry[1].append(qual)
    return out


# -- the template and the policy files --------------------------------------------------------


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


def cfn_name(function: str) -> str:
    """Chalice's logical id for a function's resources (forward_to_lapor -> ForwardToLapor)."""
    if function == API_HANDLER:
        return "APIHandler"
    return "".join(p[:1].upper() + p[1:] for p in function.split("_"))


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
    if fn.kind in EVENT_SOURCE_ACTIONS:
        service, acts = EVENT_SOURCE_ACTIONS[fn.kind]
        for a in acts:
            pairs.setdefault(a, set()).update(
                resources.get(service, set())
                if fn.kind != "on_sqs_message"
                else {q for q in [queue_by_name(template, str(fn.source.get("queue", "")))] if q}
            )
    return Need(actions, resources, indexes, f"{cfn_name(fn.name)}LogGroup", problems, pairs, why)


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
    for service, ids in need.resources.items():
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
        allowed = set().union(*(need.resources.get(s, set()) for s in services))
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


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("functions", nargs="*")
    parser.add_argument("--suggest", action="store_true", help="print a policy file for the function")
    args = parser.parse_args(list(argv) if argv is not None else None)
    program = Program()
    template = load_template()
    config = chalice_config()
    fns = lambda_functions(program)
    chosen = args.functions or sorted(fns)
    status = 0
    for name in chosen:
        fn = fns.get(name)
        if fn is None:
            print(f"{name}: app.py declares no such function ({', '.join(sorted(fns))})", file=sys.stderr)
            return 2
        if args.suggest:
            print(json.dumps(suggest(program, fn, template, config), indent=1))
            continue
        need = needs(program, fn, template, config)
        print(f"== {name} ({fn.kind}; policy: {policy_file(config, name)})")
        for action, why in sorted(need.actions.items()):
            print(f"  {action:34} {why}")
        for service, ids in sorted(need.resources.items()):
            print(f"  resources {service}: {', '.join(sorted(ids))}")
        for table, used in sorted(need.indexes.items()):
            print(f"  indexes of {table}: {', '.join(sorted(used))}")
        errors = check(program, fn, template, config)
        for e in errors:
            print(f"  !! {e}")
        status |= 1 if errors else 0
    return status


if __name__ == "__main__":
    sys.exit(main())

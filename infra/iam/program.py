"""app.py and chalicelib/ read as a program: modules, the names in them, the types of
expressions (through type hints), and each function's facts (collected by `Collector`)."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.iam.collector import Collector, local_values
from infra.iam.values import (
    Boto,
    BotoMethod,
    BoundMethod,
    CallableOf,
    ClassRef,
    External,
    FuncRef,
    FunctionFacts,
    Instance,
    ModuleRef,
    Site,
)

ROOT = Path(__file__).resolve().parents[2]


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
        self._implementations: dict[str, str] = {}

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

    def bind(self, cls: str, call: ast.Call, scope: Scope) -> set[int]:
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
                return self.type_of(mod.globals_[name], Scope(self, mod, None, None))
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
                t = self.type_of(base, Scope(self, mod, None, None))
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
                        collector = Collector(self, Scope(self, mod, q, item), FunctionFacts(q, Site("?", 0)))
                        collector.local_values = local_values(item)
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
        collector = Collector(
            self, Scope(self, mod, f"{mod.name}:{cls}" if cls else None, fn), FunctionFacts(qual, Site("?", 0))
        )
        collector.local_values = local_values(fn)
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
            scope = Scope(self, mod, qual, item)
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
            base = self.type_of(node.value, Scope(self, mod, None, None))
            dotted = base.dotted if isinstance(base, External) else ""
            if dotted.endswith("Optional"):
                return self.annotation(node.slice, mod)
            if dotted.endswith("Callable"):
                args = node.slice.elts if isinstance(node.slice, ast.Tuple) else []
                return CallableOf(self.annotation(args[-1], mod) if args else None)
            return None
        t = self.type_of(node, Scope(self, mod, None, None))
        if isinstance(t, ClassRef):
            return Instance(self.implementation(t.qual))
        return None

    def implementation(self, qual: str) -> str:
        """The class a hint stands for: a `typing.Protocol` (a service's port) stands for its one
        implementation in the code, the one class that defines every method the port declares
        (wired for it in bootstrap), so the calls behind a port are followed; any other class
        stands for itself."""
        if qual in self._implementations:
            return self._implementations[qual]
        self._implementations[qual] = qual
        found = self.class_node(qual)
        if found is None or not self._is_protocol(qual):
            return qual
        wanted = {n.name for n in found[1].body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        impls = [
            f"{m.name}:{c}"
            for m in self.modules.values()
            for c in m.classes
            if wanted
            and not self._is_protocol(f"{m.name}:{c}")
            and all(self.method(f"{m.name}:{c}", name) for name in wanted)
        ]
        if len(impls) == 1:
            self._implementations[qual] = impls[0]
        return self._implementations[qual]

    def _is_protocol(self, qual: str) -> bool:
        found = self.class_node(qual)
        if found is None:
            return False
        mod, node = found
        scope = Scope(self, mod, None, None)
        return any(
            isinstance(t, External) and t.dotted.rsplit(".", 1)[-1] == "Protocol"
            for t in (self.type_of(b, scope) for b in node.bases)
        )

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

    def type_of(self, node: ast.expr | None, scope: Scope) -> Any:
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

    def call_result(self, fn: Any, node: ast.Call, scope: Scope) -> Any:
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

    def _boto(self, node: ast.Call, kind: str, scope: Scope) -> Any:
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "service_name"), None)
        service = self.literal(arg, scope)
        return Boto(service, kind) if service else Boto("?", kind)

    def literal(self, node: ast.expr | None, scope: Scope) -> str | None:
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
        scope = Scope(self, mod, f"{mod.name}:{cls}" if cls else None, node)
        facts = FunctionFacts(qual, Site(mod.rel, node.lineno))
        self._facts[qual] = facts
        Collector(self, scope, facts).run(node)
        return facts


class Scope:
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

"""What the analysis knows about a value (a function, a class, an instance, a boto3 client...)
and about one function: the calls, AWS operations and environment variables in its body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

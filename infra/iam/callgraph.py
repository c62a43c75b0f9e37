"""What one Lambda function can reach: the call chains from its handlers to each AWS call, and
which environment variables (so which resources) reach each call through the arguments."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from infra.iam.actions import iam_actions
from infra.iam.functions import LambdaFunction
from infra.iam.program import Program
from infra.iam.values import Site


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

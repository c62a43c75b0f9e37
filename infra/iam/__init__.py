"""Which AWS actions each Lambda function can reach, read from the code (no import, no run).

Each Lambda function's policy lives in `.chalice/policy-<function>.json` (chalice config
`lambda_functions.<function>.iam_policy_file`). This package finds, for every function that
app.py declares, what its handler can reach: it follows app.py -> handlers / api ->
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

The package's parts: `actions` (boto3 operation -> IAM action), `values` and `program` /
`collector` (reading the code), `functions` (the Lambda functions app.py declares), `callgraph`
(what each one reaches), `template` (the template and chalice config), `policy` (needs vs
grants, suggest) and `__main__` (the command line).
"""

from __future__ import annotations

from infra.iam.actions import XRAY_ACTIONS, iam_actions, operations
from infra.iam.callgraph import Reach, reach
from infra.iam.functions import LambdaFunction, cfn_name, lambda_functions
from infra.iam.policy import Grant, Need, check, grants, needs, suggest
from infra.iam.program import ROOT, Program
from infra.iam.template import CHALICE_DIR, TEMPLATE, chalice_config, load_template, policy_file

__all__ = [
    "CHALICE_DIR",
    "ROOT",
    "TEMPLATE",
    "XRAY_ACTIONS",
    "Grant",
    "LambdaFunction",
    "Need",
    "Program",
    "Reach",
    "cfn_name",
    "chalice_config",
    "check",
    "grants",
    "iam_actions",
    "lambda_functions",
    "load_template",
    "needs",
    "operations",
    "policy_file",
    "reach",
    "suggest",
]

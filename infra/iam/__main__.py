"""`python -m infra.iam [FUNCTION ...] [--suggest]`: needed vs granted for each function."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from infra.iam import __doc__ as USAGE
from infra.iam.functions import lambda_functions
from infra.iam.policy import check, needs, suggest
from infra.iam.program import Program
from infra.iam.template import chalice_config, load_template, policy_file


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.iam", description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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

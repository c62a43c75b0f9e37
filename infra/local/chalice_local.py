"""`chalice local`, with the emulator faults of infra/local/emulator_faults.py worked around.

Takes the same arguments as `chalice local` (run.py passes host, port, stage)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from chalice.cli import main as chalice_main

    from infra.local.emulator_faults import apply_chalice, whole_lines

    apply_chalice()
    whole_lines()
    sys.argv = ["chalice", "local", *argv]
    return int(chalice_main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`python -m infra.local.lapor_simulator --host 127.0.0.1 --port 8100`."""

import sys

from infra.local.lapor_simulator.server import main

sys.exit(main())

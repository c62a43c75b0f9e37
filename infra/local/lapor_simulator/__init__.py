"""In-memory SP4N-LAPOR! simulator over real HTTP, for `make run` and integration tests.

It implements the calls described in /work/shared/lapor-api.md (plus the project's
assumed `GET /complaints?tag=` look-up) with the same wire shapes, so the hub's client
can be exercised end to end without the real service. Strict by default: answers carry
the documented fields only. It also injects the failures that matter for a client that
must never create duplicate tickets: 5xx, 429, slow answers, connection resets,
"accepted, then the answer was lost" and answers the client cannot read.

Laid out the way moto lays out a service:

* `models.py`    - `LaporBackend`: thread-safe state and the lazy status timeline;
* `forms.py`     - request bodies (JSON, form-encoded, multipart);
* `responses.py` - `LaporResponses`: validation and the JSON wire format (strict or rich);
* `urls.py`      - `ROUTES` / `ADMIN_ROUTES`: method + path pattern -> response method;
* `faults.py`    - `FaultConfig`: which failures to inject, and how often;
* `server.py`    - `LaporSimulator`: ThreadingHTTPServer, auth, latency, faults, the CLI
  (`python -m infra.local.lapor_simulator --host 127.0.0.1 --port 8100`).

Only the standard library is used, so the simulator starts anywhere the hub's tests run.
"""

from infra.local.lapor_simulator.faults import FaultConfig
from infra.local.lapor_simulator.models import (
    DEFAULT_FINISH_AFTER_S,
    DEFAULT_FOLLOWUP_AFTER_S,
    DEFAULT_VERIFY_AFTER_S,
    FIRST_COMPLAINT_ID,
    STATUSES,
    LaporBackend,
)
from infra.local.lapor_simulator.server import LaporSimulator, main, simulator_from_env

__all__ = [
    "DEFAULT_FINISH_AFTER_S",
    "DEFAULT_FOLLOWUP_AFTER_S",
    "DEFAULT_VERIFY_AFTER_S",
    "FIRST_COMPLAINT_ID",
    "STATUSES",
    "FaultConfig",
    "LaporBackend",
    "LaporSimulator",
    "main",
    "simulator_from_env",
]

"""What sign-in costs a request: verifying one bearer token (RS256, keys cached), and the first
verification of a container (the issuer's JWKS fetched once), against the development issuer on
loopback. Prints one JSON line."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.schema import emit, figure, result  # noqa: E402
from chalicelib.adapters.jwks import JwksKeys, jwks_url  # noqa: E402
from chalicelib.services.signin import SignIn  # noqa: E402
from infra.local.dev_issuer import DevIssuer  # noqa: E402

SAMPLES = 2000
COLD_RUNS = 20


def main() -> dict[str, float]:
    issuer = DevIssuer()
    issuer.start("127.0.0.1", 0)
    try:
        header = f"Bearer {issuer.mint('operator', 'kel:36.73.05.1002', 'budi')}"
        cold = []
        for _ in range(COLD_RUNS):  # a fresh container: no keys yet
            signin = SignIn(JwksKeys(jwks_url(issuer.issuer)), issuer.issuer, issuer.audience)
            t = time.perf_counter()
            signin.principal(header)
            cold.append(time.perf_counter() - t)
        warm = []
        for _ in range(SAMPLES):
            t = time.perf_counter()
            signin.principal(header)
            warm.append(time.perf_counter() - t)
    finally:
        issuer.stop()
    return {
        "verify_warm_median_ms": round(statistics.median(warm) * 1000, 3),
        "verify_warm_p99_ms": round(sorted(warm)[int(len(warm) * 0.99)] * 1000, 3),
        "first_verify_with_jwks_fetch_median_ms": round(statistics.median(cold) * 1000, 3),
        "samples": SAMPLES,
    }


def report(raw: dict[str, Any]) -> dict[str, Any]:
    return result(
        "signin",
        "Sign-in",
        "python -m benchmarks.bench_signin",
        [
            figure(
                "verify_warm_median_ms",
                "verifying one operator's token, keys cached (RS256 signature, claims, role and unit checks), median",
                raw["verify_warm_median_ms"],
                "ms",
            ),
            figure("verify_warm_p99_ms", "the same, p99", raw["verify_warm_p99_ms"], "ms"),
            figure(
                "first_verify_with_jwks_fetch_median_ms",
                "a container's first verification: the issuer's JWKS fetched on loopback, then verified, median",
                raw["first_verify_with_jwks_fetch_median_ms"],
                "ms",
            ),
        ],
        {"warm_verifications": raw["samples"], "first_verifications": COLD_RUNS},
        ["Against the development issuer on loopback; Cognito's JWKS over HTTPS costs more, once per container."],
        raw,
    )


if __name__ == "__main__":
    emit(report(main()))

"""Webhook signature checks: what is accepted, and the reason code for each refusal."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from chalicelib.channels.signature import SignatureError, sign, verify

SECRET = "whsec_serang_test"
BODY = b'{"channel":"whatsapp","text":"Jalan berlubang di Jl. Ki Mas Jong"}'
T = 1_735_700_000


def _reason(secret: str, body: bytes, header: str | None, now: float, **kw: int) -> str:
    with pytest.raises(SignatureError) as exc:
        verify(secret, body, header, now, **kw)
    assert isinstance(exc.value, ValueError)
    return exc.value.reason


def test_sign_produces_the_documented_format() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_good_signature_is_accepted() -> None:
    header = sign(SECRET, BODY, T)
    assert verify(SECRET, BODY, header, now=T + 10) is None
    assert verify(SECRET, BODY, header, now=T - 299) is None
    assert verify(SECRET, BODY, header.replace(",", " , "), now=T) is None  # spaces tolerated


def test_bad_secret_is_a_mismatch() -> None:
    header = sign("another-channel-secret", BODY, T)
    assert _reason(SECRET, BODY, header, T) == "mismatch"


def test_tampered_body_is_a_mismatch() -> None:
    header = sign(SECRET, BODY, T)
    assert _reason(SECRET, BODY.replace(b"berlubang", b"baik"), header, T) == "mismatch"
    assert _reason(SECRET, BODY + b" ", header, T) == "mismatch"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header: str | None) -> None:
    assert _reason(SECRET, BODY, header, T) == "missing"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"t={T}",  # no v1
        "v1=" + "a" * 64,  # no t
        f"t=abc,v1={'a' * 64}",
        f"t=-5,v1={'a' * 64}",
        f"t={T},v1=xyz",
        f"t={T},v1={'a' * 63}",
        f"t={T},t={T},v1={'a' * 64}",
        f"t={T},,v1={'a' * 64}",
        f"t={T}," + ",".join(["v1=" + "a" * 64] * 9),
        f"t={T},v1={'a' * 64}" + "x" * 3000,
    ],
)
def test_malformed_header(header: str) -> None:
    assert _reason(SECRET, BODY, header, T) == "malformed"


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86_400])
def test_stale_timestamp_in_the_past_or_future(offset: int) -> None:
    header = sign(SECRET, BODY, T)
    # now - t = -offset: a positive offset means the signature is from the future.
    assert _reason(SECRET, BODY, header, T - offset) == "stale"


def test_tolerance_is_configurable_and_inclusive() -> None:
    header = sign(SECRET, BODY, T)
    assert verify(SECRET, BODY, header, now=T + 300) is None
    assert verify(SECRET, BODY, header, now=T + 30, tolerance_s=30) is None
    assert _reason(SECRET, BODY, header, T + 31, tolerance_s=30) == "stale"


def test_replay_with_new_timestamp_and_old_signature_is_refused() -> None:
    old_header = sign(SECRET, BODY, T)
    old_v1 = old_header.split("v1=")[1]
    later = T + 3600
    replay = f"t={later},v1={old_v1}"
    assert _reason(SECRET, BODY, replay, now=later) == "mismatch"
    # The untouched old header is refused too, as stale.
    assert _reason(SECRET, BODY, old_header, now=later) == "stale"


def test_several_v1_entries_allow_secret_rotation() -> None:
    old_secret, new_secret = "old-secret", "new-secret"
    v1_old = sign(old_secret, BODY, T).split("v1=")[1]
    v1_new = sign(new_secret, BODY, T).split("v1=")[1]
    header = f"t={T},v1={v1_old},v1={v1_new}"
    assert verify(old_secret, BODY, header, now=T) is None
    assert verify(new_secret, BODY, header, now=T) is None
    assert _reason("third-secret", BODY, header, T) == "mismatch"


def test_uppercase_hex_and_unknown_schemes_are_tolerated() -> None:
    v1 = sign(SECRET, BODY, T).split("v1=")[1]
    assert verify(SECRET, BODY, f"t={T},v0=legacy,v1={v1.upper()}", now=T) is None


def test_empty_secret_is_a_configuration_error_not_a_signature_error() -> None:
    with pytest.raises(ValueError) as exc:
        sign("", BODY, T)
    assert not isinstance(exc.value, SignatureError)
    header = sign(SECRET, BODY, T)
    with pytest.raises(ValueError) as exc:
        verify("", BODY, header, now=T)
    assert not isinstance(exc.value, SignatureError)


def test_sign_rejects_a_non_integer_timestamp() -> None:
    with pytest.raises(ValueError):
        sign(SECRET, BODY, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sign(SECRET, BODY, -1)

"""Numbers from outside: refused at the boundary when DynamoDB cannot hold them, and the
table adapter's conversion never fails whatever reaches it."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from chalicelib.adapters.storage.codec import to_item
from chalicelib.domain.numbers import MAX_MAGNITUDE, MIN_MAGNITUDE, Latitude, StorableFloat, StorableInt

_ser = TypeSerializer()


class Numbers(BaseModel):
    f: StorableFloat | None = None
    i: StorableInt | None = None
    lat: Latitude | None = None


def storable(n: str) -> bool:
    """DynamoDB's rule, computed exactly (abs() and normalize() would round to 28 digits)."""
    d = Decimal(n)
    digits = "".join(map(str, d.as_tuple().digits)).strip("0")
    return d == 0 or (MIN_MAGNITUDE <= d.copy_abs() <= MAX_MAGNITUDE and len(digits) <= 38)


def numbers_in(item: dict[str, Any]) -> list[str]:
    """Every number in an item of attribute values ({"N": ...}, and inside "NS", "L" and "M")."""
    return [n for av in item.values() for n in _numbers(av)]


def _numbers(av: dict[str, Any]) -> list[str]:
    [(tag, value)] = av.items()
    if tag == "N":
        return [value]
    if tag == "NS":
        return list(value)
    if tag == "L":
        return [n for v in value for n in _numbers(v)]
    if tag == "M":
        return numbers_in(value)
    return []


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(min_value=-(10**60), max_value=10**60) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=6))
def test_to_item_never_fails_and_writes_only_storable_numbers(data: dict[str, Any]) -> None:
    item = to_item(data)
    for n in numbers_in(item):
        assert storable(n), n
    json.dumps(item).encode("utf-8")  # the request body can always be sent


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_accepted_only_when_storable(x: float) -> None:
    try:
        got = Numbers(f=x).f
    except ValidationError as err:
        assert {e["type"] for e in err.errors()} <= {"number_not_storable"}
        assert not math.isfinite(x) or abs(x) > float(MAX_MAGNITUDE) or 0 < abs(x) < float(MIN_MAGNITUDE)
        return
    assert got is not None and storable(repr(got))


@given(st.integers())
def test_an_int_is_accepted_only_with_at_most_38_digits(n: int) -> None:
    try:
        Numbers(i=n)
    except ValidationError:
        assert abs(n) >= 10**38
        return
    assert abs(n) < 10**38


@given(st.floats(min_value=-90, max_value=90))
def test_coordinates_are_rounded_to_storable_degrees(x: float) -> None:
    lat = Numbers(lat=x).lat
    assert lat is not None and abs(lat - x) <= 5e-8 and storable(repr(lat))


@pytest.mark.parametrize("x", [1e-200, -5e-324, 1e-8])
def test_denormal_coordinates_become_zero(x: float) -> None:
    assert Numbers(lat=x).lat == 0.0


def test_the_adapter_clamps_what_slipped_past_the_boundary() -> None:
    item = to_item(
        {"tiny": 1e-200, "huge": 1e300, "nan": float("nan"), "inf": [float("-inf")], "big": 10**50, "text": "a\ud800b"}
    )
    assert item["tiny"] == {"N": "0"} and "nan" not in item
    assert Decimal(item["huge"]["N"]) == MAX_MAGNITUDE
    assert Decimal(item["inf"]["L"][0]["N"]) == MAX_MAGNITUDE.copy_negate()
    assert Decimal(item["big"]["N"]) == 10**50
    assert item["text"]["S"].startswith("a") and "\ud800" not in item["text"]["S"]

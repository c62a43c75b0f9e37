"""Numbers a client may send: only what DynamoDB can store, refused at the boundary otherwise.

DynamoDB holds numbers of at most 38 significant digits whose magnitude is 0 or between
1E-130 and 9.9999999999999999999999999999999999999E+125; anything else is a
ValidationException at write time, after the request was accepted. Every model that takes
a number from outside uses one of the types below, so such a number is a 400 naming its
field instead. Coordinates are rounded to 7 decimals (about 1 cm, finer than any phone's
GPS), which also turns a denormal such as 1e-200 into a plain 0.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_DIGITS = 38
MIN_MAGNITUDE = Decimal("1E-130")
MAX_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
COORDINATE_DECIMALS = 7

#: rounds to 38 digits; never traps (overflow gives Infinity, junk gives NaN, both handled below)
_CONTEXT = Context(prec=MAX_DIGITS, rounding=ROUND_HALF_EVEN, Emax=999_999_999, Emin=-999_999_999, traps=[])


def _not_storable(why: str) -> PydanticCustomError:
    return PydanticCustomError("number_not_storable", "the number cannot be stored ({why})", {"why": why})


def storable_float(value: float) -> float:
    """A finite float within DynamoDB's range, or a `number_not_storable` validation error."""
    if not math.isfinite(value):
        raise _not_storable("not finite")
    magnitude = abs(value)
    if magnitude and magnitude < float(MIN_MAGNITUDE):
        raise _not_storable("too close to zero")
    if magnitude > float(MAX_MAGNITUDE):
        raise _not_storable("too large")
    return value


def storable_int(value: int) -> int:
    if abs(value) >= 10**MAX_DIGITS:
        raise _not_storable(f"more than {MAX_DIGITS} digits")
    return value


def round_coordinate(value: float) -> float:
    """Degrees to 7 decimals (the range check comes first: `Latitude`, `Longitude`)."""
    return round(value, COORDINATE_DECIMALS) + 0.0  # + 0.0: no "-0.0"


#: a number from outside that DynamoDB can store
StorableFloat = Annotated[float, AfterValidator(storable_float)]
StorableInt = Annotated[int, AfterValidator(storable_int)]
#: degrees, finite, rounded to 7 decimals
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), AfterValidator(round_coordinate)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False), AfterValidator(round_coordinate)]


def storable_decimal(value: Decimal | float | int | str) -> Decimal | None:
    """The nearest number DynamoDB can hold (38 digits; magnitudes below 1E-130 become 0,
    above the maximum the maximum), or None for NaN. Used by the table adapter so that a
    write never fails on a number, whatever slipped past the boundary."""
    try:
        d = _CONTEXT.create_decimal(repr(value) if isinstance(value, float) else value)
    except (TypeError, ValueError):
        return None
    if d.is_nan():
        return None
    if d.is_infinite() or abs(d) > MAX_MAGNITUDE:
        return MAX_MAGNITUDE.copy_sign(d)
    if abs(d) < MIN_MAGNITUDE:
        return Decimal(0)
    return d

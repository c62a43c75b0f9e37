"""How a value is written into a cell of the open data the hub serves as CSV.

Pure domain. One rule for every CSV: empty for nothing, `true`/`false` for a flag, numbers
as they are, and text that a spreadsheet would run as a formula (it begins with `=`, `+`,
`-`, `@`, a tab or a carriage return: OWASP's CSV injection list) prefixed with `'`, so it
shows as the text it is.
"""

from __future__ import annotations

from typing import Any

#: first characters a spreadsheet reads as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str | int | float:
    """The value as a CSV cell: never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text

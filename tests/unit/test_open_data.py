"""Every CSV cell the hub writes is inert in a spreadsheet (chalicelib/domain/open_data.py)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.open_data import FORMULA_STARTS, cell
from chalicelib.services.statistics import OPEN_DATA_COLUMNS, open_data_csv

FORMULAS = st.builds(lambda a, b: a + b, st.sampled_from(FORMULA_STARTS), st.text(max_size=40))


def test_flags_numbers_and_nothing() -> None:
    assert (cell(True), cell(False), cell(None), cell(3), cell(-2.5), cell(0)) == ("true", "false", "", 3, -2.5, 0)
    assert cell('=HYPERLINK("http://x","klik")') == '\'=HYPERLINK("http://x","klik")'
    assert [cell(x) for x in ("+1", "-1", "@SUM(A1)", "\tx", "\rx", "a=b")] == [
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "a=b",
    ]


@given(st.text(max_size=60) | FORMULAS)
def test_a_text_cell_never_starts_a_formula_and_keeps_its_text(text: str) -> None:
    out = cell(text)
    assert isinstance(out, str)
    assert not out.startswith(FORMULA_STARTS)
    assert out == text or out == "'" + text


@given(st.lists(st.text(max_size=30) | FORMULAS, min_size=1, max_size=5))
def test_the_open_data_csv_reads_back_with_no_formula_cell(titles: list[str]) -> None:
    rows = [
        {c: None for c in OPEN_DATA_COLUMNS} | {"tracking_id": f"SRG-{i}", "title": t, "unit_name": t}
        for i, t in enumerate(titles)
    ]
    body = open_data_csv(rows)
    read = list(csv.reader(io.StringIO(body, newline="")))
    assert read[0] == list(OPEN_DATA_COLUMNS)
    assert len(read) == len(titles) + 1
    for row, title in zip(read[1:], titles, strict=True):
        for value in row:
            assert not value.startswith(FORMULA_STARTS), row
        assert row[OPEN_DATA_COLUMNS.index("title")] in (title, "'" + title)

"""Free text loses its control characters at intake: the JSON door and the Open311 form door."""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.channels.open311 import FORM_TYPE, parse_form
from chalicelib.domain.text import clean_text
from chalicelib.schemas.common import json_payload

KEPT_CONTROLS = {"\t", "\n", "\r"}
BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF)}
#: texts people write, with every control character and bidi override mixed in
TEXTS = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.characters(categories=["Cc"]),
        st.sampled_from(sorted(BIDI)),
    ),
    max_size=200,
)


def invisible(text: str) -> set[str]:
    return {c for c in text if (unicodedata.category(c) == "Cc" and c not in KEPT_CONTROLS) or c in BIDI}


@given(TEXTS)
def test_clean_text_drops_every_control_character_and_keeps_the_rest(text: str) -> None:
    cleaned = clean_text(text)
    assert invisible(cleaned) == set()
    assert cleaned == "".join(c for c in text if c not in invisible(text))  # nothing else touched, order kept
    assert clean_text(cleaned) == cleaned


@given(TEXTS, TEXTS)
def test_every_json_body_comes_out_clean(description: str, name: str) -> None:
    """The app's, the operators' and the channels' bodies all go through json_payload."""
    raw = json.dumps({"description": description, "reporter": {"name": name}, "tags": [description], "n": 3})
    payload = json_payload(raw.encode())
    assert payload["description"] == clean_text(description) == payload["tags"][0]
    assert payload["reporter"]["name"] == clean_text(name) and payload["n"] == 3
    assert invisible(json.dumps(payload, ensure_ascii=False)) == set()


@given(TEXTS, TEXTS)
def test_every_open311_form_field_comes_out_clean(description: str, address: str) -> None:
    raw = urlencode({"description": description, "address_string": address, "attribute[title]": address})
    form = parse_form(raw.encode(), FORM_TYPE)
    assert form.fields["description"] == clean_text(description)
    assert form.fields["address_string"] == clean_text(address)
    assert form.attributes["title"] == [clean_text(address)]

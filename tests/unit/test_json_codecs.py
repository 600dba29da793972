"""The fast JSON paths (orjson) say the same as the standard library: the API's responses
(``api.responses.JSONResponse``) and the reading of JSON columns (``store.db.load_json``)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse as StarletteJSON

from xinyong.api.responses import JSONResponse
from xinyong.store.db import load_json

# What an answer holds: text of every kind (Chinese, control characters, quotes), integers within and
# beyond 64 bits, finite floats, booleans, null, and lists and objects of them.
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | \
    st.text(max_size=20, alphabet=st.characters(exclude_categories=("Cs",)))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8, alphabet=st.characters(exclude_categories=("Cs",))), inner, max_size=4), max_leaves=20)


@given(documents)
def test_a_response_says_what_starlette_would_say(document):
    ours = JSONResponse(document).body
    theirs = StarletteJSON(document).body
    assert json.loads(ours) == json.loads(theirs)


def test_a_response_is_compact_utf8_with_keys_in_order():
    body = JSONResponse({"名称": "示范有限公司", "b": [1, 2], "a": None}).body
    assert body == '{"名称":"示范有限公司","b":[1,2],"a":null}'.encode()


def test_an_integer_beyond_64_bits_is_rendered_not_refused():
    big = 2**70 + 1
    assert json.loads(JSONResponse({"n": big, 7: "seven"}).body) == {"n": big, "7": "seven"}


@given(documents)
def test_a_json_column_reads_as_the_standard_library_reads_it(document):
    text = json.dumps(document)          # what the column holds (SQLAlchemy writes with json.dumps)
    assert load_json(text) == json.loads(text)


def test_what_orjson_refuses_is_read_by_the_standard_library():
    text = '{"n": 123456789012345678901234567890, "s": "\\ud800", "x": NaN}'
    value = load_json(text)
    assert value["n"] == 123456789012345678901234567890 and value["s"] == "\ud800"
    assert value["x"] != value["x"]      # NaN, as json.loads reads it

"""The pull's JSON (orjson) reads and writes what the standard library did."""

import json

import pytest
from django.db import connection

from sync import json_codec
from sync import upsert
from sync.tests.rows import product_fields_row
from sync.woo.responses import _loads

ORDER_PAGE = json.dumps(
    [
        {
            "id": 9223372036854775807,
            "total": "21.99",
            "billing": {"first_name": "Zoë", "city": "Tel Aviv–Yafo 🏙", "note": '\u0001 \\ " /'},
            "line_items": [{"price": 21.99, "quantity": 1, "sku": "00012345678901234567890"}],
            "big": 18446744073709551615,
            "small": -9223372036854775808,
            "nothing": None,
            "flags": [True, False],
            "tiny": 1e-300,
        }
    ],
    ensure_ascii=False,
).encode()


@pytest.mark.parametrize(
    "body",
    [
        ORDER_PAGE,
        b"\xef\xbb\xbf" + ORDER_PAGE,  # a byte-order mark (a PHP file saved with one)
        ORDER_PAGE.decode().encode("utf-16"),
        b'{"a": NaN, "b": Infinity, "c": 1e400}',
        b'{"a": 1, "a": 2}',
    ],
)
def test_bodies_decode_as_the_standard_library_reads_them(body):
    assert repr(json_codec.decode(body)) == repr(json.loads(body))


@pytest.mark.parametrize("body", [b"", b"<html>challenge</html>", b'{"a": 1', b"\xff\xfe\xfd", b"[1] trailing"])
def test_what_is_not_json_stays_a_value_error(body):
    with pytest.raises(ValueError):
        json_codec.decode(body)


@pytest.mark.parametrize("surrogate", ["", "\ud800"])  # a lone surrogate sends the body to json.loads
def test_what_postgresql_cannot_store_is_decoded_away_and_a_typed_backslash_u0000_stays(surrogate):
    """PostgreSQL stores no U+0000 and no lone surrogate (text or jsonb): the first goes from
    every string and key, at any depth, the second becomes U+FFFD; the six characters a person
    typed as ``\\u0000`` are text and stay."""
    body = json.dumps(
        {"name": f"Mu\x00g{surrogate}", "billing": {"fir\x00st": ["Da\x00na", 1, None]}, "note": "\\u0000 typed"}
    ).encode()

    assert json_codec.decode(body) == {
        "name": "Mug" + ("\ufffd" if surrogate else ""),
        "billing": {"first": ["Dana", 1, None]},
        "note": "\\u0000 typed",
    }


def test_json_after_php_notices_is_still_recovered():
    notices = b"<br />\n<b>Notice</b>:  Undefined index: x in <b>/a.php</b> on line <b>42</b><br />\n"
    assert _loads(notices + ORDER_PAGE) == (json.loads(ORDER_PAGE), True)
    assert _loads(ORDER_PAGE) == (json.loads(ORDER_PAGE), False)


@pytest.mark.parametrize(
    "value",
    [
        json.loads(ORDER_PAGE)[0],
        {"huge": 2**70, "negative": -(2**64)},  # beyond 64 bits: written by json.dumps
        {1: "a non-string key"},
        ["\ud800"],
        "plain",
    ],
)
def test_values_encode_to_what_json_dumps_means(value):
    assert json.loads(json_codec.encode(value)) == json.loads(json.dumps(value))


@pytest.mark.django_db
def test_jsonb_columns_store_the_same_value_as_before(store):
    """Non-ASCII text, escapes and the widest integers reach jsonb unchanged through COPY."""
    categories = [
        {"id": 2**63 - 1, "name": "Zoë’s “café” 🏙", "slug": '\\ " / \t'},
        {"id": 2**70, "name": "beyond 64 bits", "slug": ""},
    ]
    row = {"store_id": store.pk, **product_fields_row(1, categories=categories)}
    assert upsert.upsert(upsert.PRODUCTS, [row]).created == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT categories = %s::jsonb FROM products WHERE store_id = %s", [json.dumps(categories), store.pk]
        )
        assert cursor.fetchone() == (True,)

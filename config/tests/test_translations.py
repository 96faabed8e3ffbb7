"""The Hebrew catalogue is complete and compiled: every message translated, none fuzzy, and the
.mo the server loads says what the .po says (a string added without `makemessages` and
`compilemessages` shows up in English in a right-to-left page)."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "he" / "LC_MESSAGES"


def _entries(po_text):
    """(flags, msgid, msgstrs) per entry of a .po file, the header left out."""
    for block in po_text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[current] += ast.literal_eval(line)
                continue
            current, _, value = line.partition(" ")
            fields[current] = ast.literal_eval(value)
        if fields.get("msgid"):
            yield flags, fields, [value for key, value in fields.items() if key.startswith("msgstr")]


def test_every_message_is_translated_and_compiled():
    entries = list(_entries((CATALOGUE / "django.po").read_text(encoding="utf-8")))
    assert len(entries) > 500
    assert [fields["msgid"] for flags, fields, _ in entries if "fuzzy" in flags] == []
    assert [fields["msgid"] for _, fields, strs in entries if not all(strs)] == []
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    missing = [
        fields["msgid"]
        for _, fields, strs in entries
        if "msgid_plural" not in fields
        and (
            compiled.pgettext(fields["msgctxt"], fields["msgid"])
            if "msgctxt" in fields
            else compiled.gettext(fields["msgid"])
        )
        != strs[0]
    ]
    assert missing == []

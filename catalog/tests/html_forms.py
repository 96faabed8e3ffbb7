"""What a browser would do with a rendered page, read with the standard library's HTML parser:
the fields a form submits (inputs inside it or tied to it by ``form="..."``), and the ids that
occur more than once."""

from collections import Counter
from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = []
        self.controls = []  # (form id, tag, attrs, text)
        self._form_stack = []
        self._open = None  # textarea or select being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "form":
            self._form_stack.append(attrs.get("id"))
        elif tag in ("input", "textarea", "select", "button"):
            owner = attrs.get("form") or (self._form_stack[-1] if self._form_stack else None)
            control = {"form": owner, "tag": tag, "attrs": attrs, "text": "", "options": []}
            self.controls.append(control)
            if tag in ("textarea", "select"):
                self._open = control
        elif tag == "option" and self._open is not None and self._open["tag"] == "select":
            self._open["options"].append(attrs)

    def handle_endtag(self, tag):
        if tag == "form" and self._form_stack:
            self._form_stack.pop()
        elif tag in ("textarea", "select"):
            self._open = None

    def handle_data(self, data):
        if self._open is not None and self._open["tag"] == "textarea":
            self._open["text"] += data


def _parse(html):
    collector = _Collector()
    collector.feed(html)
    return collector


def form_data(html, form_id):
    """``[(name, value)]`` that submitting the form ``form_id`` sends (no button)."""
    data = []
    for control in _parse(html).controls:
        attrs = control["attrs"]
        if control["form"] != form_id or not attrs.get("name") or "disabled" in attrs:
            continue
        if control["tag"] == "input":
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                continue
            if attrs.get("type") in ("submit", "button", "reset"):
                continue
            checkable = attrs.get("type") in ("checkbox", "radio")
            value = attrs.get("value")  # value="" posts "", no value attribute posts "on"
            data.append((attrs["name"], value if value is not None else ("on" if checkable else "")))
        elif control["tag"] == "textarea":
            text = control["text"][1:] if control["text"].startswith("\n") else control["text"]
            data.append((attrs["name"], text))
        elif control["tag"] == "select":
            chosen = [o for o in control["options"] if "selected" in o]
            if not chosen and "multiple" not in attrs:
                chosen = control["options"][:1]
            data.extend((attrs["name"], o.get("value", "")) for o in chosen)
    return data


def duplicate_ids(html):
    """Ids that more than one element of the page carries."""
    return sorted(value for value, count in Counter(_parse(html).ids).items() if count > 1)

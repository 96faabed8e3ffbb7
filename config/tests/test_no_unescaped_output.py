"""Nothing a user or a store typed reaches a page unescaped.

A scan of every template and every Python module of ours: ``|safe``, ``|safeseq``,
``{% autoescape off %}``, ``{% filter safe %}``, ``mark_safe``, ``SafeString``/``SafeText``,
``__html__`` and ``format_html`` with a format string that is not a literal are refused outside
the short allow-list below, each entry with the reason it cannot carry user text unescaped.
"""

import ast
import re
from pathlib import Path

from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]
OUR_DIRS = ("accounts", "agents", "audit", "catalog", "config", "orders", "projects", "stores", "sync", "webhooks")
TEMPLATE_PATTERNS = {
    "|safe filter": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"{%\s*autoescape\s+off\s*%}"),
    "filter safe": re.compile(r"{%\s*filter\s[^%]*\bsafe"),
}
UNSAFE_CALLS = {"mark_safe", "SafeString", "SafeText", "SafeData"}

# (path, where) -> why it is safe. ``where`` is the enclosing function for Python, the construct
# for templates. Keep this list short; a new entry needs a reason a reviewer can check.
ALLOWED = {
    ("catalog/templatetags/dashboard.py", "select_options"): (
        "every value and label goes through html.escape(quote=True) (_esc) before the join; "
        "format_html per option was too slow for stores with thousands of terms"
    ),
    ("catalog/templatetags/dashboard.py", "shop_html"): (
        "a product description, cleaned by nh3 with an allow-list of tags, attributes and URL "
        "schemes (catalog.richtext.clean_html): no script, no on*= handler, no javascript: link "
        "(sync/tests/test_catalog_editing.py shows a hostile description from the shop)"
    ),
    ("templates/accounts/email/invitation_body.txt", "autoescape off"): "a text/plain e-mail body, never HTML",
    ("templates/accounts/email/password_reset_body.txt", "autoescape off"): "a text/plain e-mail body, never HTML",
    ("templates/accounts/email/invitation_subject.txt", "autoescape off"): "an e-mail subject line, never HTML",
}


def _template_files():
    for folder in [BASE_DIR / "templates", *(BASE_DIR / name / "templates" for name in OUR_DIRS)]:
        if folder.is_dir():
            yield from (p for p in folder.rglob("*") if p.suffix in {".html", ".txt", ".xml", ".svg"})


def _python_files():
    for name in OUR_DIRS:
        yield from (p for p in (BASE_DIR / name).rglob("*.py") if "tests" not in p.parts)


def _template_findings():
    for path in _template_files():
        text = path.read_text()
        for construct, pattern in TEMPLATE_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                yield str(path.relative_to(BASE_DIR)), construct, line


def _call_name(node):
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _python_findings():
    for path in _python_files():
        tree = ast.parse(path.read_text())
        relative = str(path.relative_to(BASE_DIR))
        scopes = [(node, node.name) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)]

        def where(node, scopes=scopes):
            inner = [name for scope, name in scopes if scope.lineno <= node.lineno <= scope.end_lineno]
            return inner[-1] if inner else "<module>"

        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in UNSAFE_CALLS:
                    yield relative, where(node), node.lineno
                elif name == "format_html" and not (
                    node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                ):
                    yield relative, where(node), node.lineno  # a built format string escapes nothing
            elif (
                isinstance(node, ast.FunctionDef)
                and node.name == "__html__"
                or isinstance(node, ast.Name)
                and node.id == "html_safe"
            ):
                yield relative, where(node), node.lineno


def test_no_unescaped_output_outside_the_allow_list():
    findings = [*_template_findings(), *_python_findings()]
    assert findings, "the scan found nothing at all: it no longer looks where the code is"
    unexpected = [f"{path}:{line} ({where})" for path, where, line in findings if (path, where) not in ALLOWED]
    assert unexpected == []


def test_every_allow_list_entry_is_still_needed():
    found = {(path, where) for path, where, _line in [*_template_findings(), *_python_findings()]}
    assert sorted(set(ALLOWED) - found) == []


def test_the_scan_catches_what_it_is_for(tmp_path, monkeypatch):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("{{ name|safe }} {% autoescape off %}{{ x }}{% endautoescape %}")
    (tmp_path / "stores").mkdir()
    (tmp_path / "stores" / "views.py").write_text(
        "def view(name):\n    return mark_safe(name), format_html(f'<b>{name}</b>')\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["BASE_DIR"]), "BASE_DIR", tmp_path)
    found = sorted((where, line) for _path, where, line in [*_template_findings(), *_python_findings()])
    assert found == [("autoescape off", 1), ("view", 2), ("view", 2), ("|safe filter", 1)]


def test_a_key_ending_in_markup_is_shown_as_text(client, db):
    from stores.tests.helpers import make_store
    from stores.tests.helpers import make_user

    owner = make_user("owner@example.com")
    store = make_store(owner, "Markup Shop", api_key="ck_live_1234567890<i>x")
    client.force_login(owner)
    html = client.get(reverse("stores:credentials", kwargs={"store_id": store.pk})).content.decode()
    assert "ends in &lt;i&gt;x" in html
    assert "<i>x" not in html

"""What the description editor produces survives nh3 unchanged (catalog.richtext), and what it
must not carry is stripped: scripts, event handlers, javascript:/data: links, frames, style
elements and attributes. Then both descriptions through the product form to the sandbox: what
WooCommerce received is asserted, and what the product page shows."""

import pytest

from catalog.richtext import clean_html
from catalog.richtext import display_html
from catalog.tests.test_catalog_pages import page_form
from sync.tests.test_catalog_editing import editor as editor  # a manager signed in to the synced store
from sync.tests.test_catalog_editing import pushed
from sync.tests.test_catalog_editing import simple_products
from sync.tests.test_catalog_editing import url

# What the editor's toolbar makes (static/js/widgets.js over Squire): paragraphs, bold, italic,
# two heading levels, both lists, a quote and a link.
EDITOR_OUTPUT = (
    "<h2>Care</h2><p>Washed <b>linen</b>, <i>soft</i> and <strong>strong</strong>.</p>"
    "<h3>Washing</h3><ul><li>Cold wash</li><li>Line dry</li></ul><ol><li>Iron warm</li></ol>"
    "<blockquote><p>Lasts for years.</p></blockquote>"
    '<p dir="rtl">מגבת <em>כותנה</em> <a href="https://example.com/care">guide</a></p>'
)


def test_the_editors_formatting_is_kept():
    cleaned = clean_html(EDITOR_OUTPUT)
    # Links gain rel (a shop's page must not hand its window to the target), nothing else changes.
    assert cleaned == EDITOR_OUTPUT.replace(
        'href="https://example.com/care"', 'href="https://example.com/care" rel="noopener noreferrer nofollow"'
    )


@pytest.mark.parametrize(
    ("hostile", "kept"),
    [
        ('<p>Hi<script>alert("x")</script></p>', "<p>Hi</p>"),
        ('<p onclick="steal()" onmouseover="steal()">Hi</p>', "<p>Hi</p>"),
        ('<a href="javascript:steal()">care</a>', '<a rel="noopener noreferrer nofollow">care</a>'),
        ('<a href=" JaVaScRiPt:steal()">care</a>', '<a rel="noopener noreferrer nofollow">care</a>'),
        ('<a href="data:text/html,<script>x</script>">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<p>Video</p><iframe src="https://evil.example/"></iframe>', "<p>Video</p>"),
        ("<style>body{display:none}</style><p>Hi</p>", "<p>Hi</p>"),
        ('<p style="position:fixed;inset:0">Hi</p>', "<p>Hi</p>"),
        ('<img src="x" onerror="steal()">', "<img>"),
        # A relative address would make the viewer's browser call Storedesk, signed in.
        ('<img src="/stores/1/products/export.csv">', "<img>"),
        (
            '<img src="//shop.example/a.jpg"><img src="https://shop.example/a.jpg">',
            '<img><img src="https://shop.example/a.jpg">',
        ),
        ('<a href="../orders/export.csv">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        (
            '<a href="#top">x</a><a href="mailto:a@shop.example">y</a>',
            '<a rel="noopener noreferrer nofollow">x</a>'
            '<a href="mailto:a@shop.example" rel="noopener noreferrer nofollow">y</a>',
        ),
        ('<svg onload="steal()"><circle r="1"></circle></svg><p>Hi</p>', "<p>Hi</p>"),
        ('<form action="https://evil.example/"><input name="password"></form>', ""),
        ('<object data="x.swf"></object><embed src="x.swf">', ""),
    ],
)
def test_what_could_run_or_restyle_the_page_is_stripped(hostile, kept):
    assert clean_html(hostile) == kept
    shown = display_html(hostile)
    for word in ("<script", "onclick", "onerror", "onload", "javascript:", "<iframe", "<style", "style=", "<form"):
        assert word not in shown.lower()


def test_both_descriptions_from_the_form_reach_woocommerce_clean_and_show_formatted(client, synced, editor, sandbox):
    product = simple_products(synced).order_by("woo_id")[5]
    edit = url("product_edit", synced, product_id=product.pk)
    description = EDITOR_OUTPUT + '<iframe src="https://evil.example/"></iframe><script>steal()</script>'
    short = '<p>Soft <b>linen</b><a href="javascript:steal()" onclick="steal()">x</a></p>'
    data = page_form(client, edit, "product-form", description=description, short_description=short)
    assert client.post(edit, data).status_code == 302
    (op,) = pushed(synced)
    assert set(op.fields) == {"description", "short_description"}
    remote = sandbox.get_product(product.woo_id)
    assert remote["description"] == clean_html(EDITOR_OUTPUT)
    assert remote["short_description"] == '<p>Soft <b>linen</b><a rel="noopener noreferrer nofollow">x</a></p>'

    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert "<h2>Care</h2>" in page and "<li>Cold wash</li>" in page and "<b>linen</b>" in page
    assert "<blockquote><p>Lasts for years.</p></blockquote>" in page
    assert "steal()" not in page and "evil.example" not in page

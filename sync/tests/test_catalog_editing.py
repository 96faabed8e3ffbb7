"""Issue 19, catalog editing as complete as WooCommerce's own, through the dashboard's pages and
against the sandbox: every test asserts what WooCommerce received (the sandbox's state), not
only our database."""

from functools import partial

import pytest

from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from catalog.tests.test_catalog_pages import page_form
from config.testing import store_url
from stores.models import StoreRole
from stores.models import StoreUser
from sync.models import ProductConflict
from sync.models import PushOperation
from sync.models import PushStatus
from sync.push import execute_push

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user, synced, client):
    user = make_user(email="editor@example.com")
    StoreUser.objects.create(store=synced, user=user, role=StoreRole.MANAGER)
    client.force_login(user)
    return user


url = partial(store_url, "catalog")


def pushed(store):
    """Run the pushes the request queued (the worker's job), each accepted by WooCommerce."""
    ops = list(PushOperation.objects.filter(store=store, status=PushStatus.PENDING).order_by("created_at"))
    assert ops, "nothing was queued for WooCommerce"
    for op in ops:
        op = execute_push(op.pk)
        assert op.status == PushStatus.DONE, op.last_error
    return ops


def simple_products(store):
    return Product.objects.filter(store=store, type="simple", woo_id__isnull=False).exclude(status="trash")


# --- statuses and flags -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "private", "draft"])
def test_status_featured_and_visibility_reach_woocommerce_and_the_echo_is_not_a_change(
    client, synced, editor, sandbox, pull, status
):
    product = simple_products(synced).filter(status="publish", featured=False).order_by("woo_id")[2]
    edit = url("product_edit", synced, product_id=product.pk)
    data = page_form(client, edit, "product-form", status=status, featured=["", "on"], catalog_visibility="hidden")
    response = client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    (op,) = pushed(synced)
    assert set(op.fields) == {"status", "featured", "catalog_visibility"}
    remote = sandbox.get_product(product.woo_id)
    assert (remote["status"], remote["featured"], remote["catalog_visibility"]) == (status, True, "hidden")
    # The pull that brings our own change back does not rewrite the product (the term counts of
    # its categories do change with its status: those rows are rewritten, rightly).
    saved = Product.objects.get(pk=product.pk).updated_at
    pull(synced)
    assert Product.objects.get(pk=product.pk).updated_at == saved
    assert not ProductConflict.objects.filter(product=product).exists()

    # Unticking "featured" alone sends only that.
    data = page_form(client, edit, "product-form", featured="")
    assert client.post(edit, data).status_code == 302
    (op,) = pushed(synced)
    assert op.fields == ["featured"]
    remote = sandbox.get_product(product.woo_id)
    assert (remote["status"], remote["featured"], remote["catalog_visibility"]) == (status, False, "hidden")


def test_flags_changed_in_woocommerce_are_pulled_and_filterable_on_the_list(client, synced, editor, sandbox, pull):
    first, second = simple_products(synced).filter(status="publish").order_by("woo_id")[:2]
    sandbox.update_product(first.woo_id, featured=True, catalog_visibility="search")
    sandbox.update_product(second.woo_id, status="pending", catalog_visibility="catalog")
    pull(synced)
    listing = url("product_list", synced)

    def names(**params):
        page = client.get(listing, params).content.decode()
        return {p.name for p in (first, second) if f'data-product="{p.pk}"' in page}

    assert names(featured="on") == {first.name}
    assert names(visibility="search") == {first.name}
    assert names(visibility="catalog") == {second.name}
    assert names(status="pending") == {second.name}
    page = client.get(listing, {"featured": "on"}).content.decode()
    assert "Search results only" in page


# --- links out ----------------------------------------------------------------------------------


def test_product_page_links_to_the_shop_page_and_the_wordpress_editor(client, synced, editor, sandbox):
    product = simple_products(synced).order_by("woo_id").first()
    permalink = sandbox.get_product(product.woo_id)["permalink"]
    assert product.permalink == permalink
    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert f'href="{permalink}"' in page and "View in shop" in page
    assert f'href="{sandbox.url}/wp-admin/post.php?post={product.woo_id}&amp;action=edit"' in page

    # A permalink is store content: anything but a web address is never a link.
    Product.objects.filter(pk=product.pk).update(permalink="javascript:alert(1)")
    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert 'href="javascript:' not in page
    assert f'href="{sandbox.url}/?post_type=product&amp;p={product.woo_id}"' in page

    local = Product.objects.create(store=synced, name="Only here")
    page = client.get(url("product_detail", synced, product_id=local.pk)).content.decode()
    assert "View in shop" not in page and "wp-admin" not in page


# --- deleting categories, tags, brands, attributes and terms ------------------------------------


def _most_used(sandbox, key):
    """The sandbox's term (of products' ``key``) on the most products, and how many (any status)."""
    with sandbox.data.lock:
        counts = {}
        for product in sandbox.data.products.values():
            for ref in product[key]:
                counts[ref["id"]] = counts.get(ref["id"], 0) + 1
    woo_id = max(counts, key=counts.get)
    return woo_id, counts[woo_id]


@pytest.mark.parametrize(("kind", "model", "key"), [("tag", StoreTag, "tags"), ("brand", StoreBrand, "brands")])
def test_deleting_a_tag_or_brand_confirms_with_its_product_count_and_deletes_it_in_woocommerce(
    client, synced, editor, sandbox, pull, kind, model, key
):
    woo_id, used_by = _most_used(sandbox, key)
    assert used_by > 1
    term = model.objects.get(store=synced, woo_id=woo_id)
    delete = url(f"{kind}_delete", synced, **{f"{kind}_id": term.pk})
    page = client.get(delete).content.decode()
    assert f"{used_by} products use it" in page and term.name in page
    assert woo_id in getattr(sandbox.data, key)  # nothing is deleted by looking

    response = client.post(delete, follow=True)
    assert "is being deleted in WooCommerce" in response.content.decode()
    assert "Deleting…" in response.content.decode()  # the list shows it on its way
    assert model.objects.filter(pk=term.pk).exists()  # until WooCommerce confirms
    (op,) = pushed(synced)
    assert op.action == "delete"
    with sandbox.data.lock:
        assert woo_id not in getattr(sandbox.data, key)
        assert not any(ref["id"] == woo_id for p in sandbox.data.products.values() for ref in p[key])
    assert not model.objects.filter(pk=term.pk).exists()
    assert not Product.objects.filter(store=synced, **{f"{key}__contains": [{"id": woo_id}]}).exists()
    assert "Deleting…" not in client.get(url(f"{kind}_list", synced)).content.decode()
    # What the next pull brings agrees with what the delete did here.
    pull(synced, full=True)
    assert not model.objects.filter(store=synced, woo_id=woo_id).exists()


def test_deleting_a_category_moves_its_children_up_in_woocommerce_and_here(client, synced, editor, sandbox):
    with sandbox.data.lock:
        child = next(c for c in sandbox.data.categories.values() if c["parent"])
        middle = sandbox.data.categories[child["parent"]]
    category = StoreCategory.objects.get(store=synced, woo_id=middle["id"])
    response = client.post(url("category_delete", synced, category_id=category.pk))
    assert response.status_code == 302
    pushed(synced)
    with sandbox.data.lock:
        assert middle["id"] not in sandbox.data.categories
        assert sandbox.data.categories[child["id"]]["parent"] == middle["parent"]
    moved = StoreCategory.objects.get(store=synced, woo_id=child["id"])
    assert (moved.parent_woo_id or 0) == middle["parent"]


def test_deleting_an_attribute_term_then_the_attribute(client, synced, editor, sandbox):
    with sandbox.data.lock:
        used = {a["id"] for p in sandbox.data.products.values() for a in p["attributes"] if a["id"]}
        attribute_id = sorted(used)[0]
        term_id = next(t for t, a in sandbox.data.term_attribute.items() if a == attribute_id)
    attribute = StoreAttribute.objects.get(store=synced, woo_id=attribute_id)
    term = StoreAttributeTerm.objects.get(attribute=attribute, woo_id=term_id)
    delete_term = url("attribute_term_delete", synced, attribute_id=attribute.pk, term_id=term.pk)
    assert term.name in client.get(delete_term).content.decode()
    client.post(delete_term)
    pushed(synced)
    with sandbox.data.lock:
        assert term_id not in sandbox.data.terms
    assert not StoreAttributeTerm.objects.filter(pk=term.pk).exists()

    delete = url("attribute_delete", synced, attribute_id=attribute.pk)
    page = client.get(delete).content.decode()
    assert "Its terms are deleted with it" in page
    client.post(delete)
    pushed(synced)
    with sandbox.data.lock:
        assert attribute_id not in sandbox.data.attributes
        assert not any(a["id"] == attribute_id for p in sandbox.data.products.values() for a in p["attributes"])
    assert not StoreAttribute.objects.filter(pk=attribute.pk).exists()
    assert not ProductAttribute.objects.filter(store=synced, woo_id=attribute_id).exists()


def test_a_viewer_cannot_delete_a_tag(client, synced, make_user, sandbox):
    viewer = make_user(email="just-looking@example.com")
    StoreUser.objects.create(store=synced, user=viewer, role=StoreRole.VIEWER)
    client.force_login(viewer)
    tag = StoreTag.objects.filter(store=synced).first()
    assert client.post(url("tag_delete", synced, tag_id=tag.pk)).status_code == 403
    assert tag.woo_id in sandbox.data.tags and not PushOperation.objects.filter(store=synced).exists()


# --- variations ---------------------------------------------------------------------------------


def _variable(sandbox, pull, store, **options):
    """A variable product made in the shop with custom attributes used for variations, pulled."""
    remote = sandbox.create_product(
        name="Linen shirt " + "x".join(str(len(values)) for values in options.values()),
        type="variable",
        status="publish",
        attributes=[
            {"name": name, "options": values, "variation": True, "visible": True, "position": n}
            for n, (name, values) in enumerate(options.items())
        ],
    )
    pull(store)
    return remote, Product.objects.get(store=store, woo_id=remote["id"])


def _remote_variations(sandbox, product_id):
    with sandbox.data.lock:
        return [
            dict(sandbox.data.variations[vid])
            for vid in sandbox.data.children.get(product_id, [])
            if vid in sandbox.data.variations
        ]


def _options(variation):
    return tuple(sorted((a["name"], a["option"]) for a in variation["attributes"]))


def test_generate_every_combination_then_create_one_then_delete_one(client, synced, editor, sandbox, pull):
    remote, product = _variable(sandbox, pull, synced, Size=["S", "M", "L"], Colour=["Red", "Blue"])
    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert "6 combinations of the attributes used for variations have no variation yet" in page

    client.post(url("variations_generate", synced, product_id=product.pk))
    pushed(synced)
    made = _remote_variations(sandbox, remote["id"])
    assert sorted(_options(v) for v in made) == sorted(
        (("Colour", c), ("Size", s)) for s in ("S", "M", "L") for c in ("Red", "Blue")
    )
    assert set(ProductVariation.objects.filter(product=product).values_list("woo_id", flat=True)) == {
        v["id"] for v in made
    }
    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert "Generate variations" not in page  # nothing left to generate

    # One more, by hand: any colour, size S is taken with every colour, so a new size is refused…
    response = client.post(
        url("variation_create", synced, product_id=product.pk),
        {"newvar-option_0": "S", "newvar-option_1": "Red", "newvar-regular_price": "20"},
    )
    assert response.status_code == 400 and "already has a variation with these options" in response.content.decode()
    # …and "any colour" in size M is a new one.
    response = client.post(
        url("variation_create", synced, product_id=product.pk),
        {
            "newvar-option_0": "M",
            "newvar-option_1": "",
            "newvar-regular_price": "24.50",
            "newvar-sale_price": "19.90",
            "newvar-sku": "SHIRT-M-ANY",
            "newvar-stock_quantity": "7",
        },
    )
    assert response.status_code == 302
    pushed(synced)
    (created,) = [v for v in _remote_variations(sandbox, remote["id"]) if v["sku"] == "SHIRT-M-ANY"]
    assert (created["regular_price"], created["sale_price"], created["stock_quantity"]) == ("24.50", "19.90", 7)
    assert ("Size", "M") in _options(created) and ("Colour", "Red") not in _options(created)

    # Delete the third variation.
    third = ProductVariation.objects.filter(product=product).order_by("woo_id")[2]
    response = client.post(url("variation_delete", synced, product_id=product.pk, variation_id=third.pk))
    assert response.status_code == 302
    pushed(synced)
    remaining = {v["id"] for v in _remote_variations(sandbox, remote["id"])}
    assert third.woo_id not in remaining and len(remaining) == 6
    with sandbox.data.lock:
        assert third.woo_id not in sandbox.data.variations  # deleted for good, not trashed
    pull(synced)
    assert not ProductVariation.objects.filter(woo_id=third.woo_id).exists()


def test_generating_many_asks_first_and_goes_out_100_at_most_per_request(client, synced, editor, sandbox, pull):
    remote, product = _variable(
        sandbox, pull, synced, Width=[f"W{n}" for n in range(11)], Length=[f"L{n}" for n in range(11)]
    )
    generate = url("variations_generate", synced, product_id=product.pk)
    page = client.post(generate, follow=True).content.decode()
    assert "This creates 121 variations: confirm to go ahead." in page
    assert not ProductVariation.objects.filter(product=product).exists()
    assert 'name="confirmed"' in page

    sandbox.reset_stats()
    client.post(generate, {"confirmed": "1"})
    pushed(synced)  # the sandbox answers 413 to a batch of more than 100
    assert len(_remote_variations(sandbox, remote["id"])) == 121
    assert not ProductVariation.objects.filter(product=product, woo_id__isnull=True).exists()


# --- descriptions -------------------------------------------------------------------------------

HOSTILE = (
    '<p>Soft <strong>linen</strong>, <em>washed</em>.</p><script>alert("x")</script>'
    '<ul><li>Machine wash</li></ul><p><a href="javascript:steal()" onclick="steal()">care</a> '
    '<a href="https://example.com/care">guide</a><img src="x" onerror="steal()"></p>'
)


def test_a_formatted_description_is_sanitised_before_woocommerce_gets_it_and_shown_formatted(
    client, synced, editor, sandbox
):
    product = simple_products(synced).order_by("woo_id")[3]
    edit = url("product_edit", synced, product_id=product.pk)
    assert client.post(edit, page_form(client, edit, "product-form", description=HOSTILE)).status_code == 302
    (op,) = pushed(synced)
    assert op.fields == ["description"]
    sent = sandbox.get_product(product.woo_id)["description"]
    assert "<strong>linen</strong>" in sent and "<em>washed</em>" in sent and "<li>Machine wash</li>" in sent
    assert "<script" not in sent and "onclick" not in sent and "onerror" not in sent and "javascript:" not in sent
    assert 'href="https://example.com/care"' in sent

    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert "<strong>linen</strong>" in page and "<li>Machine wash</li>" in page  # formatting shows


def test_a_description_from_the_shop_shows_its_formatting_and_never_its_scripts(client, synced, editor, sandbox, pull):
    product = simple_products(synced).order_by("woo_id")[4]
    sandbox.update_product(product.woo_id, description=HOSTILE, short_description="Line one\n\nLine two")
    pull(synced)
    page = client.get(url("product_detail", synced, product_id=product.pk)).content.decode()
    assert "<strong>linen</strong>" in page and "<p>Line one</p>" in page and "<p>Line two</p>" in page
    assert 'alert("x")' not in page and "steal()" not in page


def test_every_field_of_a_variation_is_edited_and_only_the_changed_ones_reach_woocommerce(
    client, synced, editor, sandbox, pull
):
    remote, product = _variable(sandbox, pull, synced, Size=["S", "M", "L"])
    client.post(url("variations_generate", synced, product_id=product.pk))
    pushed(synced)
    second = ProductVariation.objects.filter(product=product).order_by("woo_id")[1]
    before = {v["id"]: v for v in _remote_variations(sandbox, remote["id"])}
    edit = url("variation_edit", synced, product_id=product.pk, variation_id=second.pk)
    changes = {
        "sku": "SHIRT-M",
        "status": "private",
        "regular_price": "40.00",
        "sale_price": "30.00",
        "date_on_sale_from": "2027-01-10",
        "date_on_sale_to": "2027-01-20",
        "stock_quantity": "12",
        "backorders": "notify",
        "weight": "0.40",
        "length": "30",
        "width": "20",
        "height": "2",
        "description": "<p>Size <strong>M</strong></p><script>x()</script>",
    }
    response = client.post(edit, page_form(client, edit, "variation-form", **changes))
    assert response.status_code == 302, response.content.decode()[-3000:]
    (op,) = pushed(synced)
    after = {v["id"]: v for v in _remote_variations(sandbox, remote["id"])}
    got = after[second.woo_id]
    assert (got["sku"], got["status"], got["regular_price"], got["sale_price"]) == (
        "SHIRT-M",
        "private",
        "40.00",
        "30.00",
    )
    assert got["date_on_sale_from"].startswith("2027-01-10") and got["date_on_sale_to"].startswith("2027-01-20")
    assert (got["manage_stock"], got["stock_quantity"], got["backorders"]) == (True, 12, "notify")
    assert (got["weight"], got["dimensions"]) == ("0.40", {"length": "30.00", "width": "20.00", "height": "2.00"})
    assert got["description"] == "<p>Size <strong>M</strong></p>"
    # The other variations are untouched.
    assert all(after[vid] == before[vid] for vid in before if vid != second.woo_id)
    # Its echo is not a change, and the page shows the values back.
    saved = ProductVariation.objects.get(pk=second.pk).updated_at
    pull(synced)
    assert ProductVariation.objects.get(pk=second.pk).updated_at == saved
    form = page_form(client, edit, "variation-form")
    assert form["date_on_sale_to"] == "2027-01-20" and form["backorders"] == "notify" and form["sku"] == "SHIRT-M"

    # Saving the form untouched sends nothing.
    client.post(edit, form)
    assert not PushOperation.objects.filter(store=synced, status=PushStatus.PENDING).exists()


# --- attributes on a product --------------------------------------------------------------------


def _remote_attributes(sandbox, woo_id):
    return {a["name"]: a for a in sandbox.get_product(woo_id)["attributes"]}


def test_attributes_are_added_changed_and_removed_on_a_product_in_woocommerce(client, synced, editor, sandbox):
    product = simple_products(synced).order_by("woo_id")[5]
    with sandbox.data.lock:
        attribute_woo_id = sorted(sandbox.data.attributes)[0]
        terms = sorted(
            t["name"] for tid, t in sandbox.data.terms.items() if sandbox.data.term_attribute[tid] == attribute_woo_id
        )
    attribute = StoreAttribute.objects.get(store=synced, woo_id=attribute_woo_id)
    page_url = url("product_attributes", synced, product_id=product.pk)
    before = set(_remote_attributes(sandbox, product.woo_id))

    # A global attribute with two of its terms, used for variations.
    data = page_form(
        client,
        page_url,
        "add-attribute-form",
        **{"add-global_attribute": str(attribute.pk), "add-options": f"{terms[0]} | {terms[1]}", "add-variation": "on"},
    )
    assert client.post(page_url, data).status_code == 302
    pushed(synced)
    got = _remote_attributes(sandbox, product.woo_id)[attribute.name]
    assert (got["id"], got["options"], got["variation"], got["visible"]) == (attribute_woo_id, terms[:2], True, True)

    # A custom one, not visible on the product page.
    data = page_form(
        client,
        page_url,
        "add-attribute-form",
        **{"add-name": "Fabric", "add-options": "Linen|Cotton", "add-visible": ""},
    )
    data.pop("add-visible", None)
    assert client.post(page_url, data).status_code == 302
    pushed(synced)
    fabric = _remote_attributes(sandbox, product.woo_id)["Fabric"]
    assert (fabric["id"], fabric["options"], fabric["visible"], fabric["variation"]) == (
        0,
        ["Linen", "Cotton"],
        False,
        False,
    )

    # A term that is not the attribute's is refused, nothing sent.
    data = page_form(
        client,
        page_url,
        "add-attribute-form",
        **{"add-global_attribute": str(attribute.pk), "add-options": "No such term"},
    )
    assert "Not terms of" in client.post(page_url, data, follow=True).content.decode()
    assert not PushOperation.objects.filter(store=synced, status=PushStatus.PENDING).exists()

    # Change the first row's values; then remove "Fabric".
    data = page_form(client, page_url, "attribute-form-1", **{"row-options": terms[0]})
    assert client.post(page_url, data).status_code == 302
    pushed(synced)
    assert _remote_attributes(sandbox, product.woo_id)[attribute.name]["options"] == [terms[0]]
    page = client.get(page_url).content.decode()
    form_id = "attribute-form-2" if 'value="Fabric"' in page else None
    fabric_row = ProductAttribute.objects.get(product=product, name="Fabric")
    data = page_form(client, page_url, form_id, remove=str(fabric_row.pk))
    assert client.post(page_url, data).status_code == 302
    pushed(synced)
    assert set(_remote_attributes(sandbox, product.woo_id)) == before | {attribute.name}


def test_an_attribute_change_over_someone_elses_is_refused(client, synced, editor, sandbox):
    product = simple_products(synced).order_by("woo_id")[6]
    page_url = url("product_attributes", synced, product_id=product.pk)
    stale = page_form(client, page_url, "add-attribute-form", **{"add-name": "Fit", "add-options": "Slim"})
    fresh = page_form(client, page_url, "add-attribute-form", **{"add-name": "Cut", "add-options": "Long"})
    assert client.post(page_url, fresh).status_code == 302
    response = client.post(page_url, stale, follow=True)
    assert "changed since you opened this page" in response.content.decode()
    pushed(synced)
    assert "Fit" not in _remote_attributes(sandbox, product.woo_id) and "Cut" in _remote_attributes(
        sandbox, product.woo_id
    )


def _first_global_attribute(sandbox):
    """The shop's first global attribute: its id, its name and its first term's name."""
    with sandbox.data.lock:
        attribute_woo_id = sorted(sandbox.data.attributes)[0]
        terms = [
            t["name"] for tid, t in sandbox.data.terms.items() if sandbox.data.term_attribute[tid] == attribute_woo_id
        ]
        return attribute_woo_id, sandbox.data.attributes[attribute_woo_id]["name"], sorted(terms)[0]


def test_a_global_and_a_custom_attribute_of_one_name_are_both_kept_edited_and_removed(
    client, synced, editor, sandbox, pull
):
    """WooCommerce lets a product have a global attribute and a custom one with the same name
    (``pa_colour`` and "Colour"); the pull kept neither and lost the whole product."""
    attribute_woo_id, name, term = _first_global_attribute(sandbox)
    remote = sandbox.create_product(
        name="Twice named",
        status="publish",
        regular_price="9.00",
        attributes=[
            {"id": attribute_woo_id, "options": [term], "visible": True, "position": 0},
            {"name": name, "options": ["Custom one"], "visible": True, "position": 1},
        ],
    )
    pull(synced)
    product = Product.objects.get(store=synced, woo_id=remote["id"])
    rows = list(product.product_attributes.order_by("position"))
    assert [(row.woo_id, row.name, row.options) for row in rows] == [
        (attribute_woo_id, name, [term]),
        (0, name, ["Custom one"]),
    ]
    assert rows[0].global_attribute_id is not None and rows[1].global_attribute_id is None

    # The custom one's values change; the global one is sent back as it was.
    page_url = url("product_attributes", synced, product_id=product.pk)
    data = page_form(client, page_url, "attribute-form-2", **{"row-options": "Custom two"})
    assert client.post(page_url, data).status_code == 302
    pushed(synced)
    got = [(a["id"], a["name"], a["options"]) for a in sandbox.get_product(remote["id"])["attributes"]]
    assert got == [(attribute_woo_id, name, [term]), (0, name, ["Custom two"])]

    # Removing the custom one leaves the global one, here and in WooCommerce.
    data = page_form(client, page_url, "attribute-form-2", remove=str(rows[1].pk))
    assert client.post(page_url, data).status_code == 302
    pushed(synced)
    got = [(a["id"], a["name"]) for a in sandbox.get_product(remote["id"])["attributes"]]
    assert got == [(attribute_woo_id, name)]
    assert [(row.woo_id, row.name) for row in product.product_attributes.all()] == [(attribute_woo_id, name)]


def test_a_variation_of_a_global_and_a_custom_attribute_of_one_name_gets_both_options(
    client, synced, editor, sandbox, pull
):
    attribute_woo_id, name, term = _first_global_attribute(sandbox)
    remote = sandbox.create_product(
        name="Twice named, variable",
        type="variable",
        status="publish",
        attributes=[
            {"id": attribute_woo_id, "options": [term], "variation": True, "position": 0},
            {"name": name, "options": ["Custom one", "Custom two"], "variation": True, "position": 1},
        ],
    )
    pull(synced)
    product = Product.objects.get(store=synced, woo_id=remote["id"])
    response = client.post(
        url("variation_create", synced, product_id=product.pk),
        {"newvar-option_0": term, "newvar-option_1": "Custom two", "newvar-regular_price": "20"},
    )
    assert response.status_code == 302, response.content.decode()
    pushed(synced)
    (made,) = _remote_variations(sandbox, remote["id"])
    assert sorted((a["id"], a["option"]) for a in made["attributes"]) == [(0, "Custom two"), (attribute_woo_id, term)]

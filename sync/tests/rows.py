"""Builders for the rows the mappers produce and the upsert writes, for tests that need one."""


def product_fields_row(woo_id, **fields):
    """A product as ``sync.mappers.products.product_fields`` maps a bare simple one: published,
    in stock, with no SKU, price, stock count, dimensions or terms; ``fields`` set the rest."""
    return {
        "woo_id": woo_id,
        "name": f"P{woo_id}",
        "description": "",
        "short_description": "",
        "price": None,
        "sale_price": None,
        "stock_quantity": None,
        "stock_status": "instock",
        "status": "publish",
        "type": "simple",
        "sku": None,
        "weight": None,
        "length": None,
        "width": None,
        "height": None,
        "categories": [],
        "tags": [],
        "brands": [],
        "featured": False,
        "catalog_visibility": "visible",
        "permalink": None,
        "woo_created_at": None,
        "woo_modified_at": None,
        **fields,
    }

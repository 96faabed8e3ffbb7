"""The sync page's per-entity counts say what was stored: variations (not their parents), image
files, "nothing new" rather than "✓ 0"; and the "last successful sync" line follows a run that
ends while the page is open."""

import re

import pytest
from django.urls import reverse

from catalog.models import ProductImage
from catalog.models import ProductVariation

pytestmark = pytest.mark.django_db(transaction=True)


def _entity_counts(html):
    rows = re.findall(r'data-entity="(\w+)">.*?<span class="entity-count[^"]*">(.*?)</span>', html, re.S)
    return {entity: text.strip() for entity, text in rows}


def test_sync_page_counts_variations_and_images(client, shop, pull, settings, owner):
    settings.SYNC_FETCH_IMAGES = True
    pull(shop, full=True)
    stored_variations = ProductVariation.objects.filter(store=shop).count()
    stored_images = ProductImage.objects.filter(store=shop, storage_url__isnull=False).count()
    products_with_variations = ProductVariation.objects.filter(store=shop).values("product").distinct().count()
    assert stored_variations > products_with_variations > 0 and stored_images > 0
    client.force_login(owner)
    url = reverse("sync:sync_status", kwargs={"store_id": shop.pk})
    counts = _entity_counts(client.get(url).content.decode())
    assert counts["variations"] == f"✓ {stored_variations:,}"
    assert counts["images"] == f"✓ {stored_images:,}"

    # Nothing changed since: the next run says so instead of "✓ 0".
    pull(shop)
    counts = _entity_counts(client.get(url).content.decode())
    assert counts["images"] == "✓ nothing new"
    assert counts["variations"] == "✓ nothing new"


def test_last_successful_sync_line_is_refreshed_when_a_run_ends(client, shop, pull, owner):
    from sync.models import SyncRunKind
    from sync.services import sync_run_queue

    client.force_login(owner)
    url = reverse("sync:sync_status", kwargs={"store_id": shop.pk})
    assert "has not been synced successfully yet" in client.get(url).content.decode()
    run = sync_run_queue(shop.pk, kind=SyncRunKind.INCREMENTAL, enqueue=False)
    from sync.runs import run_pull

    run_pull(run.pk)
    # The progress panel's last poll (the run has just ended) also swaps the subtitle.
    poll = client.get(reverse("sync:sync_progress", kwargs={"store_id": shop.pk, "run_id": run.pk}) + "?live=1")
    html = poll.content.decode()
    assert 'id="sync-health"' in html and 'hx-swap-oob="true"' in html
    assert "Last successful sync" in html

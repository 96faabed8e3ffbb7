"""The images step of a pull: copy new product image files into the storage backend."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sync import upsert
from sync.images import NotAnImage
from sync.images import image_kind
from sync.models import EntityType
from sync.records import ItemError
from sync.woo import WooError
from sync.woo import WooUnreachableError
from sync.writer import EntityStats


class ImageSteps:
    """Mixed into the puller: ``new_images`` is filled while products are written, and
    ``_progress``/``_errors``/``client``/``store_id`` come from the run."""

    def pull_images(self, stats: EntityStats) -> None:
        """Copy new image files into the storage backend; keep the original URL when the
        store's image URLs cannot be reached. An image that cannot be copied (a refused
        address, a file that is not an image...) keeps its original URL and is a sync error."""
        pending = list(dict.fromkeys(self.new_images))
        self.new_images = []
        if not settings.SYNC_FETCH_IMAGES:
            stats.skipped = "SYNC_FETCH_IMAGES is off"
            return
        if not pending:
            return
        self._progress("images", total=len(pending), done=0)
        # One probe first: an unreachable host keeps every original URL without N timeouts.
        probe = self._copy_image(pending[0])
        if isinstance(probe[2], WooUnreachableError):
            stats.skipped = f"image URLs are not reachable ({probe[2]}); original URLs kept"
            return
        stored: list[tuple[Any, str]] = []
        failures: list[tuple[Any, str, Exception]] = []

        def collect(image_id: Any, url: str, result: str | Exception) -> None:
            if isinstance(result, Exception):
                failures.append((image_id, url, result))
            else:
                stats.fetched += 1
                stored.append((image_id, result))

        collect(*probe)
        workers = settings.SYNC_IMAGE_CONCURRENCY or self.client.concurrency
        stats.extra["concurrency"] = workers
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="woo-image") as pool:
            for image_id, url, result in pool.map(self._copy_image, pending[1:]):
                self._progress("images", add=1)
                collect(image_id, url, result)
                if len(stored) >= 2000:  # one UPDATE per 2,000 files
                    stats.updated += self._save_storage_urls(stored)
                    stored = []
        stats.updated += self._save_storage_urls(stored)
        if failures:
            stats.failed += len(failures)
            stats.errors.extend(f"{url}: {error}" for _, url, error in failures[:20])
            stats.errors.append(f"{len(failures)} image(s) kept their original URL")
            self._errors(
                [
                    ItemError.from_exception(
                        EntityType.PRODUCT,  # the inventory has no "image" entity: images log as products
                        error,
                        metadata={"listing": f"image {image_id}", "image_id": str(image_id), "url": url},
                    )
                    for image_id, url, error in failures
                ]
            )

    def _copy_image(self, item: tuple[Any, str]) -> tuple[Any, str, str | WooError | NotAnImage]:
        """Download one image and store it (in the pool's threads; only the database stays on the
        run's thread): ``(image id, url, storage URL or the error)``."""
        image_id, url = item
        try:
            content, content_type = self.client.download(url)
            kind = image_kind(content, url=url, content_type=content_type)
        except (WooError, NotAnImage) as exc:
            return image_id, url, exc
        # The name is ours: the row's id and the extension of the format the bytes are in.
        name = default_storage.save(f"product-images/{self.store_id}/{image_id}{kind.extension}", ContentFile(content))
        return image_id, url, default_storage.url(name)

    def _save_storage_urls(self, stored: list[tuple[Any, str]]) -> int:
        if not stored:
            return 0
        return upsert.execute(
            "UPDATE product_images i SET storage_url = k.url, storage_source = 'storage', updated_at = now() "
            "FROM unnest(%s::uuid[], %s::text[]) AS k(id, url) "
            "WHERE i.id = k.id AND i.storage_url IS DISTINCT FROM k.url",
            [[image_id for image_id, _ in stored], [url for _, url in stored]],
        )

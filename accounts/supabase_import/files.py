"""The ``product-images`` bucket: exported objects copied into our storage backend.

``--storage-dir`` is the bucket exported as a directory (``supabase storage cp -r
ss:///product-images DIR``): an object ``<store>/<file>.jpg`` is ``DIR/<store>/<file>.jpg``. Each
is saved through Django's default storage (local files or S3, as configured) under
``product-images/<object path>``; an object already there with the same size is left alone, so a
re-run copies only what is new. Image rows whose ``storage_url`` points into the old bucket
(``…/product-images/<object path>``) are rewritten to our URL for that object.
"""

import os
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

BUCKET = "product-images"


def bucket_objects(storage_dir):
    """``[(object path, file path)]`` under the exported bucket directory."""
    root = Path(storage_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"--storage-dir {storage_dir} is not a directory.")
    objects = []
    for directory, _subdirs, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            objects.append((path.relative_to(root).as_posix(), path))
    return sorted(objects)


def copy_objects(objects, *, dry_run, progress=None):
    """Copy objects into storage; returns ``({object path: our URL}, copied, already there)``."""
    urls, copied, present = {}, 0, 0
    for done, (object_path, path) in enumerate(objects, 1):
        name = f"{BUCKET}/{object_path}"
        if default_storage.exists(name) and default_storage.size(name) == path.stat().st_size:
            present += 1
        else:
            if not dry_run:
                if default_storage.exists(name):
                    default_storage.delete(name)
                with path.open("rb") as handle:
                    saved = default_storage.save(name, File(handle))
                if saved != name:  # storage renamed it (a race with another writer): use its name
                    name = saved
            copied += 1
        urls[object_path] = default_storage.url(name)
        if progress is not None:
            progress(done)
    return urls, copied, present


def point_rows_at_copies(cursor, stage, urls):
    """Rewrite staged image rows that reference a copied object; returns how many point at the
    old bucket without an object in the export (they keep their URL)."""
    cursor.execute(f"CREATE TEMP TABLE {stage}_objects (object_path text PRIMARY KEY, url text NOT NULL)")
    with cursor.copy(f"COPY {stage}_objects (object_path, url) FROM STDIN") as copy:
        for object_path, url in urls.items():
            copy.write_row((object_path, url))
    pattern = f"/{BUCKET}/(.+)$"
    cursor.execute(
        f"UPDATE {stage} AS s SET storage_url = o.url, storage_source = 'storage'"
        f" FROM {stage}_objects AS o WHERE substring(s.storage_url FROM %s) = o.object_path",
        [pattern],
    )
    cursor.execute(
        f"SELECT count(*) FROM {stage} AS s WHERE s.storage_url ~ %s"
        f" AND NOT EXISTS (SELECT 1 FROM {stage}_objects AS o WHERE o.object_path = substring(s.storage_url FROM %s))",
        [pattern, pattern],
    )
    missing = cursor.fetchone()[0]
    cursor.execute(f"DROP TABLE {stage}_objects")
    return missing

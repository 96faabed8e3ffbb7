"""Product image files: tiny generated PNGs for the seeded images, and images given by URL
(``{"src": ...}``), which the sandbox downloads as WordPress does (sideloading), so a client's
whole upload path is exercised: the file must be reachable and really be an image."""

from __future__ import annotations

import hashlib
import struct
import urllib.error
import urllib.request
import zlib
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from .errors import ApiError
from .model import image
from .params import parse_int

# What wp_handle_sideload() accepts for product images (wc_rest_allowed_image_mime_types()).
IMAGE_EXTENSIONS = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".png": "image/png",
                    ".gif": "image/gif", ".webp": "image/webp"}  # fmt: skip
SIDELOAD_MAX_BYTES = 64 * 1024 * 1024
SIDELOAD_TIMEOUT = 10


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(media_id: int) -> bytes:
    """An 8x8 single-colour RGB PNG whose colour depends on the id (so images differ)."""
    size = 8
    rgb = bytes(((media_id * 67) % 256, (media_id * 131) % 256, (media_id * 199) % 256))
    raw = (b"\x00" + rgb * size) * size  # filter byte 0 per scanline
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def sniff(data: bytes) -> tuple[str, str] | None:
    """``(extension, content type)`` of a JPEG, PNG, GIF or WebP file by its first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg", "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png", "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif", "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp", "image/webp"
    return None


def _upload_error(message: str) -> ApiError:
    return ApiError(400, "woocommerce_product_image_upload_error", message)


def sideload(src: str) -> dict[str, Any]:
    """Download ``src`` (wc_rest_upload_image_from_url + wp_handle_sideload): the file name in
    the URL must have an image extension and the bytes must be such an image. The sandbox is the
    test shop, so loopback addresses are allowed (a real WordPress refuses private addresses).
    Returns ``{"data", "content_type", "extension", "name", "sha256", "src"}``."""
    parsed = urlparse(src)
    if parsed.scheme not in ("http", "https"):
        raise _upload_error(f"Error getting remote image {src}. Error: A valid URL was not provided.")
    name = PurePosixPath(parsed.path).name
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(src, timeout=SIDELOAD_TIMEOUT) as response:
            data = response.read(SIDELOAD_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise _upload_error(f"Error getting remote image {src}. Error: {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _upload_error(f"Error getting remote image {src}. Error: {exc}") from exc
    extension = PurePosixPath(name).suffix.lower()
    kind = sniff(data)
    if extension not in IMAGE_EXTENSIONS or kind is None or IMAGE_EXTENSIONS[extension] != kind[1]:
        raise _upload_error("Invalid image: Sorry, you are not allowed to upload this file type.")
    return {
        "data": data,
        "extension": kind[0],
        "content_type": kind[1],
        "name": PurePosixPath(name).stem,
        "sha256": hashlib.sha256(data).hexdigest(),
        "src": src,
    }


def attachment_from(store: Any, value: dict[str, Any], stamp: tuple[str, str], *, downloads: bool) -> dict[str, Any]:
    """A product, variation or term image given as ``{"id"}`` (an attachment of the media
    library) or ``{"src"}``, which WooCommerce sideloads: the stored src is on the shop, not the
    client's URL. Without ``downloads`` (the test helpers: a change "in the shop's admin"), and
    for the shop's own URLs, a ``src`` names a file of the media library: nothing is fetched."""
    media_id = parse_int(value.get("id")) or 0
    if media_id:
        if media_id not in store.media:
            raise ApiError(400, "woocommerce_product_invalid_image_id", f"#{media_id} is an invalid image ID.")
        img = dict(store.media[media_id])
    elif value.get("src"):
        src, media_id = str(value["src"]), store.next_id("post")
        if not downloads or src.startswith(store.base_url + "/"):
            img = image(media_id, stamp, f"{store.base_url}/media/{media_id}.png", PurePosixPath(src).stem)
        else:
            fetched = sideload(src)
            img = image(media_id, stamp, f"{store.base_url}/media/{media_id}{fetched['extension']}", fetched["name"])
            store.media_files[media_id] = (fetched.pop("data"), fetched["content_type"])
            store.sideloads.append({**fetched, "media_id": media_id})
    else:
        raise ApiError(400, "woocommerce_product_invalid_image_id", "#0 is an invalid image ID.")
    for key in ("name", "alt"):
        if value.get(key):  # set_product_images() ignores an empty alt or name
            img[key] = str(value[key])
    store.media[media_id] = img
    return img

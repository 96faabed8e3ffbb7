"""What a downloaded product image really is, from its bytes (never from its URL or headers).

Image files are served from our storage, so a file that is not a raster image (an HTML page or
an SVG sent as ``image/png``, a text file with a ``.png`` name) must never be stored: a browser
could run it on our origin. Pillow parses the file; only JPEG, PNG, GIF, WebP and AVIF pass,
and the stored extension is the one of the detected format.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image
from PIL import UnidentifiedImageError

# Pillow format name -> the extension files of that format are stored with.
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp", "AVIF": ".avif"}


class NotAnImage(Exception):
    """The bytes are not a JPEG, PNG, GIF, WebP or AVIF image."""

    code = "not_an_image"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{message} [{url}]")
        self.url = url


@dataclass(frozen=True)
class ImageKind:
    format: str
    extension: str


def image_kind(content: bytes, *, url: str, content_type: str | None = None) -> ImageKind:
    """The format of an image file, or :class:`NotAnImage`. The header is checked without
    decoding the pixels (``verify``), so a huge picture costs no memory here."""
    declared = f" (served as {content_type})" if content_type else ""
    detected = None
    try:
        with Image.open(io.BytesIO(content), formats=list(EXTENSIONS)) as image:
            detected = image.format
            width, height = image.size
            image.verify()
    except UnidentifiedImageError as exc:
        raise NotAnImage(f"not a JPEG, PNG, GIF, WebP or AVIF image{declared}", url=url) from exc
    except Image.DecompressionBombError as exc:
        raise NotAnImage(f"an image too large to accept{declared}: {exc}", url=url) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise NotAnImage(f"a damaged {detected or 'image'} file{declared}: {exc}", url=url) from exc
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that (warning filters are process-wide,
    # so this thread pool cannot turn them into errors): checked here instead.
    if width * height > Image.MAX_IMAGE_PIXELS:
        raise NotAnImage(f"an image too large to accept ({width}x{height} pixels){declared}", url=url)
    return ImageKind(detected, EXTENSIONS[detected])

"""Image files are recognised by their bytes: the five raster formats pass, with our extension;
anything else (or a picture too large to decode safely) is refused whatever it was served as."""

import io

import pytest
from PIL import Image

from sync.images import NotAnImage
from sync.images import image_kind


def _encoded(kind, size=(5, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, kind)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "extension"), [("PNG", ".png"), ("JPEG", ".jpg"), ("GIF", ".gif"), ("WEBP", ".webp"), ("AVIF", ".avif")]
)
def test_raster_images_are_recognised_with_our_extension(kind, extension):
    assert image_kind(_encoded(kind), url="https://shop.example/x.bin").extension == extension


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<!doctype html><script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",  # a PNG signature, then HTML
        _encoded("PNG")[:40],  # a truncated picture
        _encoded("BMP"),  # an image, but not one we keep
    ],
)
def test_anything_else_is_refused(content):
    with pytest.raises(NotAnImage, match=r"served as image/png"):
        image_kind(content, url="https://shop.example/x.png", content_type="image/png")


def test_a_picture_too_large_to_decode_safely_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (12_000, 9_000)).save(buffer, "PNG")  # 108 megapixels in a few kilobytes
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(NotAnImage, match="too large"):
        image_kind(buffer.getvalue(), url="https://shop.example/bomb.png")

"""Tiny valid PNG images served as product image ``src`` URLs."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(media_id: int) -> bytes:
    """An 8x8 single-colour RGB PNG whose colour depends on the id (so images differ)."""
    size = 8
    rgb = bytes(((media_id * 67) % 256, (media_id * 131) % 256, (media_id * 199) % 256))
    raw = (b"\x00" + rgb * size) * size  # filter byte 0 per scanline
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")

"""A whole-file check of PNG images (signature images are drawn into every signed letter's PDF)."""

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_valid_png(content: bytes, *, max_pixels: int = 16_000_000) -> bool:
    """True when every chunk's CRC matches, IHDR comes first with sane dimensions, IEND ends the
    file, and the image data inflates: a truncated or corrupted file is refused before it is stored."""
    if not content.startswith(SIGNATURE):
        return False
    pos, first, idat, ended = len(SIGNATURE), True, [], False
    while pos + 12 <= len(content):
        (length,) = struct.unpack(">I", content[pos:pos + 4])
        kind = content[pos + 4:pos + 8]
        data = content[pos + 8:pos + 8 + length]
        if len(data) != length or pos + 12 + length > len(content):
            return False
        (crc,) = struct.unpack(">I", content[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            return False
        if first:
            if kind != b"IHDR" or length != 13:
                return False
            width, height = struct.unpack(">II", data[:8])
            if not (0 < width and 0 < height and width * height <= max_pixels):
                return False
            first = False
        if kind == b"IDAT":
            idat.append(data)
        pos += 12 + length
        if kind == b"IEND":
            ended = True
            break
    if not ended or not idat:
        return False
    try:
        zlib.decompressobj().decompress(b"".join(idat), 64 * 1024 * 1024)
    except zlib.error:
        return False
    return True

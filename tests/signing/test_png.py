"""Signature images are checked as whole PNG files before they are stored."""


import pytest

from dabir.core.errors import DomainError
from dabir.signing import png, services

from ..factories import make_png


def test_whole_png_passes_and_damaged_ones_fail():
    good = make_png()
    assert png.is_valid_png(good)
    assert not png.is_valid_png(good[:-12])  # no IEND: truncated
    flipped = bytearray(good)
    flipped[40] ^= 0x01  # inside IDAT: its CRC no longer matches
    assert not png.is_valid_png(bytes(flipped))
    assert not png.is_valid_png(png.SIGNATURE + b"garbage" * 10)
    assert not png.is_valid_png(make_png(width=50_000, height=50_000)[:33] + make_png()[33:])


@pytest.mark.django_db
def test_a_damaged_png_is_refused_with_a_persian_message(world):
    damaged = make_png()[:-12]
    with pytest.raises(DomainError) as refused:
        services.upload_signature_image(user=world.manager, seat=world.seat(world.manager_pos), content=damaged)
    assert refused.value.field == "image" and "خراب" in refused.value.message
    image = services.upload_signature_image(user=world.manager, seat=world.seat(world.manager_pos), content=make_png())
    assert image.pk

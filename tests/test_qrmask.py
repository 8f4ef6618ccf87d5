"""QR masks chosen for many symbols at once give zxing-cpp's own symbols, decoded to the exact link."""

from __future__ import annotations

import random

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from flyers.qr import encode, encode_many


def _links(count: int, length: int, seed: int) -> list[str]:
    chooser = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789?&=/-"
    return [f"https://example.org/{''.join(chooser.choice(alphabet) for _ in range(length + chooser.randint(0, 9)))}"
            for _ in range(count)]


@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_batch_symbols_equal_zxing_own_choice_in_every_version_up_to_the_widest(level: str) -> None:
    # lengths from version 1 to past version 11 (64 modules), where zxing-cpp chooses alone
    links = [link for length in (2, 20, 40, 70, 110, 160, 230, 320) for link in _links(12, length, length)]
    many = encode_many(links, level)
    sizes = {code.size for code in many}
    assert min(sizes) <= 29 and max(sizes) > 64  # small symbols and the wide fallback both ran
    for link, code in zip(links, many, strict=True):
        assert code.link == link
        assert np.array_equal(code.modules, encode(link, level).modules), (link, level)


def test_batch_symbols_decode_to_their_links() -> None:
    links = [f"https://www.nyc.gov/immigrants/es/?src=D{n:05d}" for n in range(40)]
    for code in encode_many(links, "M"):
        image = np.pad(~code.modules, 4, constant_values=True).repeat(4, 0).repeat(4, 1)
        found = zxingcpp.read_barcode(Image.fromarray((image * 255).astype(np.uint8)))
        assert found is not None and found.text == code.link
        assert found.ec_level == "M"

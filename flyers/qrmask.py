"""QR data masks chosen for many symbols at once: the symbols zxing-cpp makes, 7x cheaper.

zxing-cpp's encoder spends 0.14 of its 0.17 ms per symbol scoring the eight data
masks (ISO/IEC 18004 7.8.2-7.8.3), one symbol at a time; a national batch makes
100,000 symbols.  Here each symbol comes from zxing-cpp with mask 0, the seven
other masks are made from it by XOR on the data modules (and their own format
information), and the eight are scored for a whole batch together in numpy,
each row and column of modules one 64-bit word.  The scoring follows the rules
zxing-cpp applies -- runs of five or more, 2x2 blocks, finder-like 1:1:3:1:1
patterns with four light modules beside them (outside the symbol counts as
light), the dark share -- and the lowest score wins, ties to the lower mask, so
the symbols are the very ones :func:`zxingcpp.create_barcode` would choose
(tests compare them for every version up to 11 and every level).  Wider symbols
(version 12 and up, over 64 modules) are not scored here: the caller encodes
them with zxing-cpp's own choice.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

WIDEST = 64  # modules in a row word
BATCH = 16  # symbols scored together: 16 x 2 x 8 x 64 words stay under malloc's 128 kB mmap threshold
_EC_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # ISO/IEC 18004 Table 12
_FORMAT_MASK = 0x5412  # the format information's XOR pattern
_FORMAT_GENERATOR = 0x537  # BCH (15, 5)


class Masks(NamedTuple):
    """What turns a mask-0 symbol of one size and level into each of the eight masks."""

    flips: np.ndarray  # bool, 8 x n x n: the modules each mask flips relative to mask 0
    rows: np.ndarray  # the format information's module rows ...
    cols: np.ndarray  # ... and columns (both copies)
    values: np.ndarray  # bool, 8 x 30: its modules for each mask
    flip_words: np.ndarray  # uint64, 2 x 8 x n: flips as row words and as column words
    format_words: np.ndarray  # uint64, 2 x n: where the format information is
    value_words: np.ndarray  # uint64, 2 x 8 x n: its modules for each mask


def choose(symbols: np.ndarray, error_correction: str) -> np.ndarray:
    """The best-masked symbol of each mask-0 symbol in ``symbols`` (bool, count x n x n)."""
    if symbols.shape[0] > BATCH:  # small arrays: large ones cost a page fault per 4 kB each time
        return np.concatenate([choose(symbols[i:i + BATCH], error_correction)
                               for i in range(0, symbols.shape[0], BATCH)])
    n = symbols.shape[1]
    masks = _masks(n, error_correction)
    plain = _both(symbols).swapaxes(0, 1)  # count x 2 x n
    # rows and columns of all eight masks: count x 2 x 8 x n words
    words = (plain[:, :, None, :] ^ masks.flip_words) & ~masks.format_words[:, None, :] | masks.value_words
    rows = words[:, 0]
    scores = _line_scores(words, n).sum(axis=1) + _block_scores(rows, n) + _balance_scores(rows, n)
    best = scores.argmin(axis=1)  # argmin takes the first of equal scores: the lower mask
    chosen: np.ndarray = symbols ^ masks.flips[best]
    chosen[:, masks.rows, masks.cols] = masks.values[best]
    return chosen


def _words(modules: np.ndarray) -> np.ndarray:
    """Each row of ``modules`` (bool, count x n x n) as a uint64, column 0 the lowest bit."""
    packed = np.packbits(modules, axis=-1, bitorder="little")
    padded = np.zeros((*packed.shape[:-1], 8), dtype=np.uint8)
    padded[..., :packed.shape[-1]] = packed
    words: np.ndarray = padded.view("<u8")[..., 0]
    return words


def _ones(bits: int) -> np.uint64:
    return np.uint64((1 << bits) - 1)


def _count(words: np.ndarray) -> np.ndarray:
    """Set bits summed over the last axis."""
    counts: np.ndarray = np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
    return counts


def _line_scores(words: np.ndarray, n: int) -> np.ndarray:
    """Rules 1 and 3 along each word: runs of 5+ (3 + excess) and finder-like patterns (40)."""
    same = ~(words ^ (words >> 1)) & _ones(n - 1)  # bit x: module x equals module x + 1
    run5 = same & (same >> 1)
    run5 &= same >> 2
    run5 &= same >> 3  # bit x: modules x..x+4 equal
    # a run of L >= 5 holds L - 4 windows of five, one where the run starts: 3 + (L - 5)
    score = _count(run5) + 2 * _count(run5 & ~(same << 1))
    finder = words & _ones(n - 6)  # bit x: modules x..x+6 dark light dark dark dark light dark
    for shift, dark in enumerate((False, True, True, True, False, True), start=1):
        finder &= (words >> shift) if dark else ~(words >> shift)
    light = (words >> 7) | (words >> 8)
    light |= (words >> 9) | (words >> 10)
    before = (words << 1) | (words << 2)
    before |= (words << 3) | (words << 4)
    light &= before  # ~light: four light modules after x + 6 or before x
    scores: np.ndarray = score + 40 * _count(finder & ~light)
    return scores


def _block_scores(rows: np.ndarray, n: int) -> np.ndarray:
    """Rule 2: each 2x2 block of one colour (overlapping ones too) scores 3."""
    same = ~(rows ^ (rows >> 1)) & _ones(n - 1)
    below = ~(rows[..., :-1] ^ rows[..., 1:])
    return 3 * _count(same[..., :-1] & same[..., 1:] & below)


def _balance_scores(rows: np.ndarray, n: int) -> np.ndarray:
    """Rule 4: 10 for each full 5 % the dark share stands from half."""
    dark = _count(rows)
    scores: np.ndarray = (np.abs(dark * 2 - n * n) * 10 // (n * n)) * 10
    return scores


@functools.lru_cache(maxsize=64)
def _masks(n: int, error_correction: str) -> Masks:
    """The flips and format information of the eight masks, for one symbol size and level."""
    i, j = np.indices((n, n))
    patterns = np.stack([(i + j) % 2 == 0, i % 2 == 0, j % 3 == 0, (i + j) % 3 == 0,
                         (i // 2 + j // 3) % 2 == 0, (i * j) % 2 + (i * j) % 3 == 0,
                         ((i * j) % 2 + (i * j) % 3) % 2 == 0, ((i + j) % 2 + (i * j) % 3) % 2 == 0])
    flips = (patterns ^ patterns[0]) & ~_function_modules(n)
    rows, cols = (np.array(axis) for axis in zip(*_format_modules(n), strict=True))
    values = np.array([[bool(_format_bits(error_correction, k) >> b & 1) for b in range(15)] * 2
                       for k in range(8)])
    where = np.zeros((n, n), dtype=bool)
    where[rows, cols] = True
    set_values = np.zeros((8, n, n), dtype=bool)
    set_values[:, rows, cols] = values
    return Masks(flips, rows, cols, values, _both(flips), _both(where[None])[:, 0], _both(set_values))


def _both(modules: np.ndarray) -> np.ndarray:
    """Row words and column words of ``modules`` (count x n x n), stacked: 2 x count x n."""
    return np.stack([_words(modules), _words(modules.swapaxes(-1, -2))])


def _function_modules(n: int) -> np.ndarray:
    """Finder, separator, timing, alignment, format and version modules: no mask touches them."""
    version = (n - 17) // 4
    function = np.zeros((n, n), dtype=bool)
    function[6, :] = function[:, 6] = True
    function[:9, :9] = function[:9, n - 8:] = function[n - 8:, :9] = True
    centres = _alignment_centres(version)
    corners = {(6, 6), (6, centres[-1] if centres else 6), (centres[-1] if centres else 6, 6)}
    for row in centres:
        for col in centres:
            if (row, col) not in corners:
                function[row - 2:row + 3, col - 2:col + 3] = True
    if version >= 7:
        function[:6, n - 11:n - 8] = function[n - 11:n - 8, :6] = True
    return function


def _alignment_centres(version: int) -> list[int]:
    """Row (and column) centres of the alignment patterns (ISO/IEC 18004 Annex E)."""
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    n = 17 + 4 * version
    return [6, *sorted(n - 7 - k * step for k in range(count - 1))]


def _format_modules(n: int) -> list[tuple[int, int]]:
    """(row, column) of format bits 0..14 by the top-left finder, then of their copy."""
    first = [(b, 8) for b in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, 14 - b) for b in range(9, 15)]
    second = [(8, n - 1 - b) for b in range(8)] + [(n - 15 + b, 8) for b in range(8, 15)]
    return first + second


def _format_bits(error_correction: str, mask: int) -> int:
    """The 15 format bits of a level and mask: 5 data bits, 10 BCH bits, XOR pattern."""
    data = _EC_BITS[error_correction] << 3 | mask
    remainder = data
    for _ in range(10):
        remainder = (remainder << 1) ^ ((remainder >> 9) * _FORMAT_GENERATOR)
    return (data << 10 | remainder) ^ _FORMAT_MASK

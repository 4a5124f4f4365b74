"""Random streams keyed by (seed, key, block), never by chunk.

Profile ``i`` belongs to block ``i // BLOCK_SIZE``. Every random column is drawn
one whole block at a time from a generator seeded by the run's seed, the
column's key and the block number, then sliced to the chunk asked for. Any
chunking therefore gives every profile the same values.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import cast

import numpy as np

from ._columns import Column

__all__ = [
    "BLOCK_SIZE",
    "BlockCache",
    "block_rng",
    "block_seed",
    "blocks_covering",
    "draw_by_block",
    "stable_hash",
]

#: Profiles per random block. Changing it changes every generated value.
BLOCK_SIZE = 16384


def stable_hash(text: str) -> int:
    """Hash ``text`` to a 64-bit integer that is the same in every process."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _seed_sequence(seed: int, key: str, block: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, stable_hash(key), block])


def block_rng(seed: int, key: str, block: int) -> np.random.Generator:
    """The numpy generator of one block of one random stream."""
    return np.random.default_rng(_seed_sequence(seed, key, block))


def block_seed(seed: int, key: str, block: int) -> int:
    """An integer seed for one block of one stream, for non-numpy generators."""
    words = _seed_sequence(seed, key, block).generate_state(2, dtype=np.uint64)
    return int(words[0]) << 64 | int(words[1])


def blocks_covering(start: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """Yield ``(block, first, last)``: the blocks overlapping ``[start, stop)``.

    ``first`` and ``last`` are the offsets inside the block that the range
    covers, ``last`` exclusive.
    """
    if stop <= start:
        return
    for block in range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1):
        origin = block * BLOCK_SIZE
        yield block, max(start - origin, 0), min(stop - origin, BLOCK_SIZE)


class BlockCache:
    """A small thread-safe LRU of generated blocks.

    The engine walks chunks in order; chunks smaller than a block then reuse
    the block drawn for the previous chunk instead of drawing it again.
    """

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CACHE = BlockCache()


def draw_by_block(
    draw: Callable[[np.random.Generator, int], Column],
    *,
    seed: int,
    key: str,
    start: int,
    stop: int,
    identity: Hashable,
) -> list[tuple[Column, int, int]]:
    """Draw whole blocks with ``draw(rng, BLOCK_SIZE)`` and say what to keep.

    Returns ``(block_values, first, last)`` for each block covering the range;
    ``identity`` names what ``draw`` produces, so cached blocks are reused only
    for the same field definition.
    """
    pieces = []
    for block, first, last in blocks_covering(start, stop):
        cache_key = (identity, seed, key, block, BLOCK_SIZE)
        values = cast("Column | None", _CACHE.get(cache_key))
        if values is None:
            values = draw(block_rng(seed, key, block), BLOCK_SIZE)
            _CACHE.put(cache_key, values)
        pieces.append((values, first, last))
    return pieces

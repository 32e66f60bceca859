"""Exponential backoff with full jitter, bounded in attempts (used for safe retries and reconnects)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator


@dataclass(frozen=True)
class Backoff:
    """`attempts` tries in all; the wait before try n+1 is uniform in [0, min(cap, base * factor**n)]."""

    attempts: int = 3
    base: float = 0.2
    factor: float = 2.0
    cap: float = 5.0

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """Yield the waits between tries: `attempts - 1` values."""
        draw = (rng or random).uniform
        for n in range(max(self.attempts - 1, 0)):
            yield draw(0.0, min(self.cap, self.base * self.factor ** n))

    def max_total(self) -> float:
        """The longest the waits can add up to."""
        return sum(min(self.cap, self.base * self.factor ** n) for n in range(max(self.attempts - 1, 0)))


SAFE_GET_RETRY = Backoff(attempts=3, base=0.2, factor=2.0, cap=2.0)
RECONNECT = Backoff(attempts=8, base=0.25, factor=2.0, cap=4.0)

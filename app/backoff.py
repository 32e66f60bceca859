"""Exponential backoff with jitter, bounded in attempts: the one retry policy of the studio.

Used by the ComfyUI transport (safe GET retries, WebSocket reconnects), the LLM client, webhook delivery
and the job queue's retries. Imports nothing else from `app`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

FULL_JITTER = (0.0, 1.0)


@dataclass(frozen=True)
class Backoff:
    """`attempts` tries in all. The wait before try n+1 is min(cap, base * factor**n) times a uniform draw
    in `jitter` (full jitter by default), never more than `cap`."""

    attempts: int = 3
    base: float = 0.2
    factor: float = 2.0
    cap: float = 5.0
    jitter: tuple[float, float] = FULL_JITTER

    def step(self, n: int) -> float:
        """The un-jittered wait after failed try n+1 (n from 0)."""
        return min(self.cap, self.base * self.factor**n)

    def delay(self, n: int, rng: random.Random | None = None) -> float:
        """One jittered wait after failed try n+1 (n from 0)."""
        low, high = self.jitter
        return min(self.cap, self.step(n) * (rng or random).uniform(low, high))

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """Yield the waits between tries: `attempts - 1` values."""
        for n in range(max(self.attempts - 1, 0)):
            yield self.delay(n, rng)

    def max_total(self) -> float:
        """The longest the waits can add up to."""
        high = self.jitter[1]
        return sum(min(self.cap, self.step(n) * high) for n in range(max(self.attempts - 1, 0)))

from __future__ import annotations

import random

from app.backoff import Backoff


def test_delays_are_bounded_jittered_and_counted():
    policy = Backoff(attempts=5, base=0.5, factor=2, cap=1.5)
    delays = list(policy.delays(random.Random(1)))
    assert len(delays) == 4
    assert all(0 <= d <= cap for d, cap in zip(delays, [0.5, 1.0, 1.5, 1.5], strict=True))
    assert policy.max_total() == 4.5
    assert len(set(list(policy.delays(random.Random(2))) + delays)) == 8  # jitter: no two runs alike
    assert list(Backoff(attempts=1).delays()) == []


def test_a_proportional_jitter_stays_in_its_band_and_under_the_cap():
    """The webhook/queue policy: 0.8..1.2 of the step; the LLM policy: 1.0..1.5 of it; never above `cap`."""
    rng = random.Random(3)
    webhook = Backoff(attempts=4, base=1.0, cap=10.0, jitter=(0.8, 1.2))
    assert all(0.8 * 2**n <= webhook.delay(n, rng) <= 1.2 * 2**n for n in range(3))
    assert Backoff(base=8.0, cap=9.0, jitter=(0.8, 1.2)).delay(3, rng) <= 9.0
    llm = Backoff(attempts=3, base=0.5, cap=float("inf"), jitter=(1.0, 1.5))
    assert all(0.5 * 2**n <= llm.delay(n, rng) <= 0.75 * 2**n for n in range(2))

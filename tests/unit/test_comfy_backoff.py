from __future__ import annotations

import random

from app.comfy.backoff import Backoff


def test_delays_are_bounded_jittered_and_counted():
    policy = Backoff(attempts=5, base=0.5, factor=2, cap=1.5)
    delays = list(policy.delays(random.Random(1)))
    assert len(delays) == 4
    assert all(0 <= d <= cap for d, cap in zip(delays, [0.5, 1.0, 1.5, 1.5], strict=True))
    assert policy.max_total() == 4.5
    assert len(set(list(policy.delays(random.Random(2))) + delays)) == 8  # jitter: no two runs alike
    assert list(Backoff(attempts=1).delays()) == []

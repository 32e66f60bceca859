"""The webhook outbox beside both job stores: put, due, claim (one taker), later, done."""

from __future__ import annotations

import time

from app.jobs.webhook_outbox import outbox_for
from tests.queue_fixtures import *  # noqa: F401,F403  (redis_url, job_store)


def test_outbox_round_trip(job_store):
    outbox = outbox_for(job_store)
    assert outbox is not None and outbox.count() == 0
    outbox.put("d1", '{"event": "job.finished", "delivery_id": "d1"}')
    outbox.put("d1", "ignored: the first copy stays")
    outbox.put("d2", '{"event": "job.finished", "delivery_id": "d2"}')
    due = outbox.due()
    assert [e.delivery_id for e in due] == ["d1", "d2"] and due[0].body.endswith('"d1"}') and outbox.untried() == 2
    assert outbox.claim(due[0], time.time() + 60)
    assert not outbox.claim(due[0], time.time() + 60)  # a second taker loses
    assert [e.delivery_id for e in outbox.due()] == ["d2"]
    outbox.later("d2", 1, time.time() + 60)
    assert outbox.due() == [] and outbox.untried() == 1
    outbox.done("d1")
    outbox.done("d2")
    assert outbox.count() == 0

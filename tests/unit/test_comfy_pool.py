"""ClientPool: one client per backend kept between runs, lent to one caller at a time, closed when a run failed,
when more than `max_idle` are idle, after `idle_close_s` without use, and by close_all()."""

from __future__ import annotations

import time

import pytest

from app.comfy.pool import ClientPool
from app.config import Timeouts


class FakeClient:
    made: list[FakeClient] = []

    def __init__(self, url: str, timeouts: Timeouts) -> None:
        self.url, self.timeouts, self.closed = url, timeouts, False
        FakeClient.made.append(self)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def pool():
    FakeClient.made = []
    pool = ClientPool(factory=FakeClient, idle_close_s=60.0, max_idle=2)
    yield pool
    pool.close_all()


def test_a_second_run_reuses_the_first_runs_client(pool: ClientPool) -> None:
    with pool.borrow("http://h:1/") as first:
        pass
    with pool.borrow("http://h:1") as second:
        assert pool.idle_count() == 0  # lent out: nobody else gets it meanwhile
    assert second is first and not first.closed and len(FakeClient.made) == 1
    assert pool.idle_count("http://h:1") == 1


def test_other_backends_timeouts_and_concurrent_callers_get_their_own(pool: ClientPool) -> None:
    with pool.borrow("http://h:1") as a, pool.borrow("http://h:1") as b:
        assert a is not b
    with pool.borrow("http://h:2") as c, pool.borrow("http://h:1", Timeouts(read=1)) as d:
        assert c not in (a, b) and d not in (a, b) and d.timeouts.read == 1
    assert len(FakeClient.made) == 4


def test_a_failed_run_closes_its_client(pool: ClientPool) -> None:
    with pytest.raises(RuntimeError), pool.borrow("http://h:1") as client:
        raise RuntimeError("the prompt timed out; it may still send events")
    assert client.closed and pool.idle_count() == 0


def test_surplus_idle_clients_are_closed(pool: ClientPool) -> None:
    with pool.borrow("http://h:1") as a, pool.borrow("http://h:1") as b, pool.borrow("http://h:1") as c:
        pass
    assert pool.idle_count() == 2 and [x.closed for x in (a, b, c)].count(True) == 1


def test_an_idle_client_is_closed_after_the_idle_time() -> None:
    pool = ClientPool(factory=FakeClient, idle_close_s=0.05)
    with pool.borrow("http://h:1") as client:
        pass
    deadline = time.monotonic() + 5
    while not client.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.closed and pool.idle_count() == 0
    with pool.borrow("http://h:1") as again:
        assert again is not client


def test_a_client_borrowed_again_before_the_idle_time_stays_open() -> None:
    pool = ClientPool(factory=FakeClient, idle_close_s=0.1)
    made = len(FakeClient.made)
    for _ in range(4):
        with pool.borrow("http://h:1") as client:
            time.sleep(0.06)  # lent for 0.24 s in all, idle a moment each time: the idle timer never fires
    assert not client.closed and len(FakeClient.made) == made + 1
    pool.close_all()
    assert client.closed and pool.idle_count() == 0

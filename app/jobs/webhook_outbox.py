"""The webhook outbox: events waiting for delivery, kept in the job store so a kill loses none.

An event is written here before any POST; a delivery removes it; a failed one is tried again later
with growing waits. A worker that starts (or any notifier that sends) picks up what is left, so every
event is delivered at least once; receivers drop repeats by `delivery_id`.

Kept beside the job store, not in it: a table `webhook_outbox` in the SQLite file, a hash + sorted
set under the Redis prefix. `outbox_for(store)` gives the one that fits, or None (webhooks are then
sent directly, at most once).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Protocol

from .job_store_base import JobStore
from .models import now

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_outbox (delivery_id TEXT PRIMARY KEY, body TEXT NOT NULL, attempts INTEGER NOT NULL,
                                           not_before REAL NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(not_before);
"""


@dataclass(frozen=True)
class OutboxEntry:
    delivery_id: str
    body: str
    attempts: int
    not_before: float


class Outbox(Protocol):
    def put(self, delivery_id: str, body: str) -> None: ...
    def due(self, limit: int = 50) -> list[OutboxEntry]: ...
    def claim(self, entry: OutboxEntry, lease_until: float) -> bool: ...
    def done(self, delivery_id: str) -> None: ...
    def later(self, delivery_id: str, attempts: int, not_before: float) -> None: ...
    def count(self) -> int: ...
    def untried(self) -> int: ...


class SqliteOutbox:
    def __init__(self, store: JobStore) -> None:
        self.store = store
        self._ready = False
        self._lock = threading.Lock()

    def _conn(self):
        conn = self.store._conn()  # noqa: SLF001 (the store's per-thread connection)
        if not self._ready:
            with self._lock:
                conn.executescript(SQLITE_SCHEMA)
                self._ready = True
        return conn

    def put(self, delivery_id: str, body: str) -> None:
        stamp = now()
        self._conn().execute(
            "INSERT OR IGNORE INTO webhook_outbox VALUES (?, ?, 0, ?, ?)", (delivery_id, body, stamp, stamp)
        )

    def due(self, limit: int = 50) -> list[OutboxEntry]:
        rows = (
            self._conn()
            .execute(
                "SELECT delivery_id, body, attempts, not_before FROM webhook_outbox WHERE not_before <= ? "
                "ORDER BY not_before LIMIT ?",
                (now(), limit),
            )
            .fetchall()
        )
        return [OutboxEntry(*row) for row in rows]

    def claim(self, entry: OutboxEntry, lease_until: float) -> bool:
        cursor = self._conn().execute(
            "UPDATE webhook_outbox SET not_before = ? WHERE delivery_id = ? AND not_before = ?",
            (lease_until, entry.delivery_id, entry.not_before),
        )
        return cursor.rowcount == 1

    def done(self, delivery_id: str) -> None:
        self._conn().execute("DELETE FROM webhook_outbox WHERE delivery_id = ?", (delivery_id,))

    def later(self, delivery_id: str, attempts: int, not_before: float) -> None:
        self._conn().execute(
            "UPDATE webhook_outbox SET attempts = ?, not_before = ? WHERE delivery_id = ?",
            (attempts, not_before, delivery_id),
        )

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM webhook_outbox").fetchone()[0])

    def untried(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM webhook_outbox WHERE attempts = 0").fetchone()[0])


class RedisOutbox:
    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.redis = store._redis  # noqa: SLF001
        self.items = store._k("outbox")  # noqa: SLF001
        self.schedule = store._k("outbox", "due")  # noqa: SLF001

    def put(self, delivery_id: str, body: str) -> None:
        if self.redis.hsetnx(self.items, delivery_id, json.dumps({"body": body, "attempts": 0})):
            self.redis.zadd(self.schedule, {delivery_id: now()})

    def due(self, limit: int = 50) -> list[OutboxEntry]:
        entries = []
        for raw_id, score in self.redis.zrangebyscore(
            self.schedule, "-inf", now(), start=0, num=limit, withscores=True
        ):
            delivery_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
            raw = self.redis.hget(self.items, delivery_id)
            if raw is None:
                self.redis.zrem(self.schedule, delivery_id)
                continue
            data = json.loads(raw)
            entries.append(OutboxEntry(delivery_id, data["body"], int(data["attempts"]), float(score)))
        return entries

    def claim(self, entry: OutboxEntry, lease_until: float) -> bool:
        import redis

        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(self.schedule)
                if pipe.zscore(self.schedule, entry.delivery_id) != entry.not_before:
                    return False
                pipe.multi()
                pipe.zadd(self.schedule, {entry.delivery_id: lease_until})
                pipe.execute()
                return True
            except redis.WatchError:
                return False

    def done(self, delivery_id: str) -> None:
        self.redis.zrem(self.schedule, delivery_id)
        self.redis.hdel(self.items, delivery_id)

    def later(self, delivery_id: str, attempts: int, not_before: float) -> None:
        raw = self.redis.hget(self.items, delivery_id)
        if raw is None:
            return
        data = json.loads(raw) | {"attempts": attempts}
        self.redis.hset(self.items, delivery_id, json.dumps(data))
        self.redis.zadd(self.schedule, {delivery_id: not_before})

    def count(self) -> int:
        return int(self.redis.hlen(self.items))

    def untried(self) -> int:
        return sum(1 for raw in self.redis.hvals(self.items) if json.loads(raw)["attempts"] == 0)


def outbox_for(store: JobStore) -> Outbox | None:
    """The outbox kept beside `store`, or None for a store that has no place for one."""
    from .job_store_sqlite import SqliteJobStore

    if isinstance(store, SqliteJobStore):
        return SqliteOutbox(store)
    try:
        from .job_store_redis import RedisJobStore
    except ImportError:
        return None
    return RedisOutbox(store) if isinstance(store, RedisJobStore) else None

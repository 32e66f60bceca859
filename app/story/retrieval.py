"""The bible's vector index: faiss (exact inner product over unit vectors = cosine similarity).

`BibleIndex.sync(entries)` embeds only new or changed entries and drops removed ones (ids are kept
per entry key, so editing one character re-embeds one vector). `search(query, k, kinds)` returns the
nearest entries; `save`/`load` persist the vectors beside the entry texts so a book's index is not
rebuilt on every run. `retrieve_context` is what each drafting step calls: the entries nearest to the
text being drafted plus every character and location named in it (continuity).

Exact search is the right choice at bible scale (thousands of entries: well under a millisecond);
faiss can swap in HNSW/IVF through `faiss.index_factory` if a bible ever grows to 10^5+.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bible import Bible, BibleEntry, EntryKind
from .embed import Embedder

INDEX_FILE = "bible.faiss"
ENTRIES_FILE = "bible.entries.json"


@dataclass(frozen=True)
class Hit:
    entry: BibleEntry
    score: float


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    removed: int
    total: int


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class BibleIndex:
    """Entries by stable integer id inside a faiss IndexIDMap2(IndexFlatIP)."""

    def __init__(self, embedder: Embedder) -> None:
        import faiss

        self.embedder = embedder
        self._faiss = faiss
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dim))
        self._entries: dict[int, BibleEntry] = {}
        self._digests: dict[int, str] = {}
        self._ids: dict[str, int] = {}
        self._next_id = 0

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def sync(self, entries: Iterable[BibleEntry]) -> SyncReport:
        """Make the index hold exactly `entries`, embedding only what changed."""
        wanted = {e.key: e for e in entries}
        stale = [self._ids[key] for key in self._ids if key not in wanted]
        changed: list[BibleEntry] = []
        updated = 0
        for key, entry in wanted.items():
            old = self._ids.get(key)
            if old is not None and self._digests[old] == _digest(entry.text):
                self._entries[old] = entry
                continue
            if old is not None:
                stale.append(old)
                updated += 1
            changed.append(entry)
        self._remove(stale)
        self.add(changed)
        return SyncReport(added=len(changed) - updated, updated=updated, removed=len(stale) - updated, total=len(self))

    def add(self, entries: Sequence[BibleEntry]) -> None:
        if not entries:
            return
        vectors = self.embedder.encode([e.text for e in entries])
        self._add_vectors(entries, vectors)

    def _add_vectors(self, entries: Sequence[BibleEntry], vectors: np.ndarray) -> None:
        ids = np.arange(self._next_id, self._next_id + len(entries), dtype=np.int64)
        self._next_id += len(entries)
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        for entry_id, entry in zip(ids.tolist(), entries):
            if entry.key in self._ids:
                self._remove([self._ids[entry.key]])
            self._entries[entry_id] = entry
            self._digests[entry_id] = _digest(entry.text)
            self._ids[entry.key] = entry_id

    def _remove(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]  # faiss takes arrays
        for entry_id in ids:
            entry = self._entries.pop(entry_id, None)
            self._digests.pop(entry_id, None)
            if entry is not None and self._ids.get(entry.key) == entry_id:
                del self._ids[entry.key]

    def search(self, query: str, k: int = 5, kinds: Iterable[EntryKind] | None = None) -> list[Hit]:
        """The `k` entries nearest to `query` (optionally only of some kinds), best first."""
        if not len(self) or k <= 0:
            return []
        return self.search_vector(self.embedder.encode([query])[0], k, kinds)

    def search_vector(self, vector: np.ndarray, k: int = 5, kinds: Iterable[EntryKind] | None = None) -> list[Hit]:
        allowed = set(kinds) if kinds is not None else None
        fetch = len(self) if allowed else min(k, len(self))
        previous = self._faiss.omp_get_max_threads()
        self._faiss.omp_set_num_threads(1)  # one query: threads only add wake-up cost (and spin on a busy machine)
        try:
            scores, ids = self._index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), fetch)
        finally:
            self._faiss.omp_set_num_threads(previous)
        hits: list[Hit] = []
        for score, entry_id in zip(scores[0].tolist(), ids[0].tolist()):
            entry = self._entries.get(entry_id)
            if entry is None or (allowed and entry.kind not in allowed):
                continue
            hits.append(Hit(entry, float(score)))
            if len(hits) == k:
                break
        return hits

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._faiss.write_index(self._index, str(folder / INDEX_FILE))
        records = [{"id": i, "digest": self._digests[i], **e.__dict__} for i, e in self._entries.items()]
        (folder / ENTRIES_FILE).write_text(
            json.dumps({"dim": self.embedder.dim, "next_id": self._next_id, "entries": records}), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path, embedder: Embedder) -> BibleIndex:
        """Load a saved index; an absent or mismatched one gives an empty index (sync refills it)."""
        index = cls(embedder)
        index_path, entries_path = folder / INDEX_FILE, folder / ENTRIES_FILE
        if not (index_path.is_file() and entries_path.is_file()):
            return index
        try:
            meta = json.loads(entries_path.read_text(encoding="utf-8"))
            stored = index._faiss.read_index(str(index_path))
        except (OSError, ValueError, RuntimeError):
            return index
        if meta.get("dim") != embedder.dim or stored.ntotal != len(meta.get("entries", [])):
            return index
        index._index = stored
        index._next_id = int(meta["next_id"])
        for record in meta["entries"]:
            entry_id = int(record.pop("id"))
            index._digests[entry_id] = record.pop("digest")
            entry = BibleEntry(**record)
            index._entries[entry_id] = entry
            index._ids[entry.key] = entry_id
        return index


@dataclass(frozen=True)
class ContextPack:
    """What one drafting step knows from the bible."""

    hits: list[Hit]
    named_characters: list[str]
    named_locations: list[str]

    def as_prompt(self) -> str:
        if not self.hits:
            return "(the bible is empty)"
        return "\n".join(f"- {hit.entry.text}" for hit in self.hits)


def _mentions(text: str, names: Iterable[str]) -> bool:
    return any(re.search(rf"\b{re.escape(n)}\b", text, re.IGNORECASE) for n in names if n)


def retrieve_context(index: BibleIndex, bible: Bible, text: str, k: int = 6) -> ContextPack:
    """Nearest bible entries to `text`, with every character/location it names forced in first."""
    named_chars = [c.name for c in bible.characters if _mentions(text, c.names())]
    named_locs = [x.name for x in bible.locations if _mentions(text, [x.name])]
    forced_keys = [f"character:{n}" for n in named_chars] + [f"location:{n}" for n in named_locs]
    by_key = {e.key: e for e in bible.entries()}
    hits = [Hit(by_key[key], 1.0) for key in forced_keys if key in by_key]
    seen = {h.entry.key for h in hits}
    for hit in index.search(text, k=k + len(hits)):
        if hit.entry.key not in seen and len(hits) < max(k, len(forced_keys)):
            hits.append(hit)
            seen.add(hit.entry.key)
    return ContextPack(hits=hits, named_characters=named_chars, named_locations=named_locs)

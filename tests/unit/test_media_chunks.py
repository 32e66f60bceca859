import numpy as np
import pytest

from app.media import Chunk, MediaError, crossfade, plan_chunks, stitch_chunks


def test_plan_covers_every_frame_with_overlaps():
    plan = plan_chunks(25, chunk_frames=10, overlap=3)
    assert plan[0] == Chunk(0, 0, 10, 0)
    assert plan[1] == Chunk(1, 7, 17, 3)
    assert plan[-1].end == 25
    assert plan_chunks(5, 10, 3) == [Chunk(0, 0, 5, 0)]


def test_bad_plans_are_sentences():
    with pytest.raises(MediaError, match="overlap 5 must be between 0"):
        plan_chunks(20, 5, 5)


def test_crossfade_moves_linearly_from_tail_to_head():
    tail = [np.zeros((2, 2, 3), np.uint8)] * 3
    head = [np.full((2, 2, 3), 200, np.uint8)] * 3
    assert [int(f[0, 0, 0]) for f in crossfade(tail, head)] == [50, 100, 150]


def test_stitch_yields_each_frame_once_and_blends_overlaps():
    plan = plan_chunks(23, chunk_frames=8, overlap=2)
    # each chunk renders frame index i as value i, plus 100 * chunk index so overlaps differ
    render = lambda c: (np.full((1, 1, 3), i + 10 * c.index, np.uint8) for i in range(c.start, c.end))
    values = [int(f[0, 0, 0]) for f in stitch_chunks(plan, render)]
    assert len(values) == 23
    # outside overlaps: the chunk's own value; inside: between the two chunks' values
    assert values[:6] == [0, 1, 2, 3, 4, 5]
    assert 6 < values[6] < 16 and values[8] == 18


def test_stitch_rejects_a_chunk_with_too_few_frames():
    plan = plan_chunks(10, 5, 1)
    with pytest.raises(MediaError, match="expected 5"):
        list(stitch_chunks(plan, lambda c: (np.zeros((1, 1, 3), np.uint8) for _ in range(3))))

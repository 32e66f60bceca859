"""Planning a draft: split the story into one excerpt per page, shrink excerpts that do not fit the
model's context (summaries of context-sized chunks), and fill an empty bible from the story.

Token counts are estimated (`CHARS_PER_TOKEN`) because the OpenAI API has no tokenizer endpoint;
the estimate is deliberately low so prompts stay inside the window.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from itertools import pairwise

from ..llm import ChatClient, ChatMessage
from .bible import Bible, Character, Location
from .prompts import CAST_SYSTEM, SUMMARY_SYSTEM, CastPlan, summary_model

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3.5
MAX_SUMMARY_ROUNDS = 3


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def split_units(text: str) -> list[str]:
    """Paragraphs, with over-long paragraphs split into sentences."""
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph) > 600:
            units.extend(s for s in re.split(r"(?<=[.!?…])\s+", paragraph) if s)
        else:
            units.append(paragraph)
    return units


def split_story(text: str, pages: int) -> list[str]:
    """`pages` contiguous excerpts of about equal length (never empty while text remains)."""
    units = split_units(text)
    if not units:
        return []
    if len(units) < pages:  # fewer paragraphs than pages: split sentences, then words
        units = [s for u in units for s in re.split(r"(?<=[.!?…])\s+", u) if s]
    if len(units) < pages:
        words = " ".join(units).split()
        size = max(1, -(-len(words) // pages))
        units = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    cumulative = [0]
    for unit in units:
        cumulative.append(cumulative[-1] + len(unit))
    total = cumulative[-1]
    cuts = [0]
    for k in range(1, pages):
        low, high = cuts[-1] + 1, len(units) - (pages - k)  # leave one unit for each later page
        best = min(range(low, high + 1), key=lambda i: abs(cumulative[i] - total * k / pages))
        cuts.append(best)
    cuts.append(len(units))
    return [" ".join(units[a:b]) for a, b in pairwise(cuts)]


def chunk_text(text: str, max_chars: int) -> list[str]:
    """Pieces of at most `max_chars`, cut at paragraph/sentence/word boundaries."""
    pieces: list[str] = []
    current = ""
    for unit in split_units(text):
        while len(unit) > max_chars:  # one enormous sentence: cut at a space
            cut = unit.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            if current:
                pieces.append(current)
                current = ""
            pieces.append(unit[:cut].strip())
            unit = unit[cut:].strip()
        if current and len(current) + 1 + len(unit) > max_chars:
            pieces.append(current)
            current = unit
        else:
            current = f"{current} {unit}".strip()
    if current:
        pieces.append(current)
    return pieces


@dataclass
class PlanStats:
    llm_calls: int = 0
    summarised_chunks: int = 0
    notes: list[str] = field(default_factory=list)


def fit_excerpt(
    client: ChatClient, text: str, max_chars: int, *, context_tokens: int, stats: PlanStats, seed: int | None = None
) -> str:
    """`text` if it fits `max_chars`, else a summary of its chunks (map-reduce, bounded rounds)."""
    rounds = 0
    while len(text) > max_chars and rounds < MAX_SUMMARY_ROUNDS:
        rounds += 1
        chunk_chars = max(400, int((context_tokens * 0.6) * CHARS_PER_TOKEN))
        pieces = chunk_text(text, chunk_chars)
        per_piece = max(80, (max_chars - len(pieces) + 1) // len(pieces))  # the joins add a space each
        model = summary_model(per_piece)
        summaries = []
        for piece in pieces:
            reply = client.structured(
                [ChatMessage("system", SUMMARY_SYSTEM.format(chars=per_piece)), ChatMessage("user", piece)],
                model,
                max_tokens=int(per_piece / CHARS_PER_TOKEN) + 40,
                seed=seed,
            )
            stats.llm_calls += len(reply.replies)
            stats.summarised_chunks += 1
            summaries.append(reply.value.summary)  # type: ignore[attr-defined]
        text = " ".join(summaries)
    if len(text) > max_chars:
        stats.notes.append(
            f"an excerpt was still {len(text)} characters after {rounds} summary rounds; cut to {max_chars}."
        )
        text = text[:max_chars].rsplit(" ", 1)[0]
    elif rounds:
        stats.notes.append(f"a long excerpt was summarised in {rounds} round(s) to fit the model's context.")
    return text


def _mentioned(story: str, name: str) -> bool:
    return bool(re.search(rf"\b{re.escape(name)}\b", story, re.IGNORECASE))


def extract_cast(
    client: ChatClient,
    story: str,
    bible: Bible,
    *,
    max_chars: int,
    context_tokens: int,
    stats: PlanStats,
    seed: int | None = None,
) -> Bible:
    """Fill an empty bible's characters/locations/title from the story; names the story never
    mentions are dropped (small models invent them)."""
    excerpt = fit_excerpt(client, story, max_chars, context_tokens=context_tokens, stats=stats, seed=seed)
    reply = client.structured(
        [ChatMessage("system", CAST_SYSTEM), ChatMessage("user", excerpt)], CastPlan, max_tokens=700, seed=seed
    )
    stats.llm_calls += len(reply.replies)
    plan: CastPlan = reply.value  # type: ignore[assignment]
    updated = bible.model_copy(deep=True)
    if not updated.title:
        updated.title = plan.title.strip()
    for c in plan.characters:
        if not _mentioned(story, c.name):
            stats.notes.append(f"the model proposed character {c.name!r}, who is not in the story; dropped.")
        elif updated.character(c.name) is None:
            updated.characters = [
                *updated.characters,
                Character(name=c.name.strip(), description=c.description, outfit=c.outfit),
            ]
    for x in plan.locations:
        if updated.character(x.name) is not None:
            stats.notes.append(f"the model proposed {x.name!r} as a location, but it is a character; dropped.")
        elif not _mentioned(story, x.name):
            stats.notes.append(f"the model proposed location {x.name!r}, which is not in the story; dropped.")
        elif updated.location(x.name) is None:
            updated.locations = [*updated.locations, Location(name=x.name.strip(), description=x.description)]
    return updated

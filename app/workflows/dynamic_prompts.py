"""The frontend's dynamic-prompt pass over STRING widgets declared with `dynamicPrompts: true`.

Before a prompt is queued, ComfyUI's frontend strips C-style comments (`// ...`, `/* ... */`) from such
text and replaces each `{a|b|c}` block with one option chosen at random (nested blocks allowed, `\\{`
escapes a brace). The same rules are applied here; pass `rng` for reproducible choices.
"""

from __future__ import annotations

import random
import re

_COMMENTS = re.compile(r"/\*[\s\S]*?\*/|//[^\n\r\u2028\u2029]*")
_ESCAPED = re.compile(r"\\([{}|])")


def process_dynamic_prompt(text: str, rng: random.Random | None = None) -> str:
    if "/" in text:
        text = _COMMENTS.sub("", text)
    if "{" not in text and "\\" not in text:
        return text  # nothing to choose or unescape
    chooser = rng or random.Random()
    return _ESCAPED.sub(r"\1", _expand(text, chooser))


def _expand(text: str, rng: random.Random) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        i += 1
        if char == "\\":
            out.append("\\" + text[i : i + 1])
            i += 1
        elif char == "{":
            chosen, i = _choose(text, i, rng)
            out.append(_expand(chosen, rng))
        else:
            out.append(char)
    return "".join(out)


def _choose(text: str, i: int, rng: random.Random) -> tuple[str, int]:
    options: list[str] = []
    choice: list[str] = []
    depth = 0
    while i < len(text):
        char = text[i]
        i += 1
        if char == "\\":
            choice.append("\\" + text[i : i + 1])
            i += 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if not depth:
                break
            depth -= 1
        elif char == "|" and not depth:
            options.append("".join(choice))
            choice = []
            continue
        choice.append(char)
    options.append("".join(choice))
    return options[int(rng.random() * len(options))], i

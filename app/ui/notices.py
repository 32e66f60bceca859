"""Plain sentences the tabs show: notices and errors (HTML, escaped)."""

from __future__ import annotations

import html


def notice_html(text_html: str, ok: bool = False) -> str:
    """An HTML fragment (callers escape their dynamic parts) in a coloured box."""
    css_class = "inkframe-ok" if ok else "inkframe-notice"
    return f'<div class="{css_class}"><p>{text_html}</p></div>'


def error_html(sentence: str) -> str:
    return f'<div class="inkframe-notice inkframe-errors"><p>{html.escape(sentence)}</p></div>'

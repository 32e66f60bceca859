"""Plain sentences the tabs show when a capability or the backend is missing (HTML, escaped)."""

from __future__ import annotations

import html
import importlib
import importlib.util


def module_available(name: str, attribute: str | None = None) -> bool:
    """True when module `name` can be imported (and has `attribute`, when given): a capability has landed."""
    try:
        if importlib.util.find_spec(name) is None:
            return False
        if attribute is None:
            return True
        return hasattr(importlib.import_module(name), attribute)
    except ImportError:
        return False


def missing_capability(what: str, module: str) -> str:
    return (
        f"<b>Not available yet:</b> {html.escape(what)} needs <code>{html.escape(module)}</code>, "
        "which is not part of this installation yet."
    )


def notice_html(text_html: str, ok: bool = False) -> str:
    """An HTML fragment (callers escape their dynamic parts) in a coloured box."""
    css_class = "inkframe-ok" if ok else "inkframe-notice"
    return f'<div class="{css_class}"><p>{text_html}</p></div>'


def error_html(sentence: str) -> str:
    return f'<div class="inkframe-notice inkframe-errors"><p>{html.escape(sentence)}</p></div>'

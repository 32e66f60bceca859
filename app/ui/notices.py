"""Plain sentences the tabs show when a capability or the backend is missing."""

from __future__ import annotations

import importlib.util


def module_available(name: str) -> bool:
    """True when the module `name` can be imported (a capability has landed in the code base)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def missing_capability(what: str, module: str) -> str:
    return f"**Not available yet:** {what} needs `{module}`, which is not part of this installation yet."


def notice_html(markdown_text: str, ok: bool = False) -> str:
    """Markdown wrapped in a coloured box (`inkframe-ok` or `inkframe-notice`)."""
    css_class = "inkframe-ok" if ok else "inkframe-notice"
    return f'<div class="{css_class}">\n\n{markdown_text}\n\n</div>'

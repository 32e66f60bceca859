"""Which files the studio treats as images, by suffix: the one list, with the two documented extensions.

`IMAGE_SUFFIXES` are the still images the studio keeps and composes (library references, panel art, pages
inside an exported archive); C2PA Content Credentials can be embedded in each. Face swap also reads BMP
(`READABLE_IMAGE_SUFFIXES`); the history gallery also shows GIF animations as images
(`PREVIEW_IMAGE_SUFFIXES`). Imports nothing else from `app`.
"""

from __future__ import annotations

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp")
READABLE_IMAGE_SUFFIXES: tuple[str, ...] = (*IMAGE_SUFFIXES, ".bmp")
PREVIEW_IMAGE_SUFFIXES: tuple[str, ...] = (*IMAGE_SUFFIXES, ".gif")

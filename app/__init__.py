"""Inkframe Studio application package. Importing it does nothing (see docs/architecture.md).

Pure libraries (app/comic, app/media, app/quality, app/faceswap) use relative imports only, so the
ComfyUI node pack can load them under its own alias inside ComfyUI's process, where the name `app`
belongs to ComfyUI itself.
"""

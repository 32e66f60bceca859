"""The writers' room: story -> comic script with a local LLM, grounded in the book's bible.

- `bible`: characters, locations, style, pages so far (JSON/YAML).
- `embed` + `retrieval`: all-MiniLM-L6-v2 embeddings in a faiss index; continuity context per step.
- `draft`: prose/outline -> `app.comic.model.Book`, saved as the plain-text script.
- `checks`: pure narrative-coherence checks with suggested fixes.
- `loop`: plan -> write -> generate -> evaluate -> revise within a step budget (`run_writers_room`).

Nothing is imported here eagerly: heavy modules (torch, faiss) load only when used.
"""

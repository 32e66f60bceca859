"""UI components: each module has `render(context)` (build widgets) and `listen(context)` (wire events)."""

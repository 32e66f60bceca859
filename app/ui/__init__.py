"""The studio UI: the only package that imports gradio.

`app.ui.server.build_server(config)` returns the FastAPI app that serves the Gradio Blocks (built by
`app.ui.layouts.studio.render`) and, when present, the REST API of `app.api`. Each tab is a small
component module under `app/ui/components/` with `render(context)` and `listen(context)`; components
register the widgets other components listen to in `app.ui.core` by a `Literal` name.
"""

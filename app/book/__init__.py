"""The book builder: a comic script in, generated panels, lettered pages, PDF/CBZ and a report out.

Import the module you need (nothing is imported here):

- `library`      Character / Location entries on disk (character.yaml, location.yaml, references/).
- `styles`       StylePreset (prompt fragments, LoRA, colour grade); resolve_style(book.style).
- `prompts`      assemble_prompt(panel, style=, cast=, characters=, location=) -> PanelPrompt.
- `plan`         PanelRef, panel_size (layout size, --max-side cap), seeds, location assignment.
- `gates`        check_identity (pluggable FaceEmbedder), check_quality, attempt_rank.
- `backend`      GenerationRequest / GenerationResult / PanelBackend protocol.
- `workflow_planner` WorkflowPlanner: a GenerationRequest as a built-in workflow, its parameters and nodes.
- `workflow_prompt` build_workflow_prompt: a built-in workflow as an API prompt for one backend.
- `comfy_backend` ComfyBackend: the built-in workflows on a ComfyUI server.
- `panel_runner` PanelJob + PanelRunner: one panel through generate -> identity -> repair -> quality -> grade.
- `builder`      BookBuilder.build(BuildOptions): plates, panels, pages, export, report; resume/regenerate.
- `build_types`  BuildOptions, BuildEvent / BuildEventKind, BuildResult, BookContext.
- `panel_step`   the builder's panel step: plan_jobs (PanelJobs), panels run in order or in parallel.
- `plate_step`   the builder's background step: a location plate per location the panels use.
- `page_step`    the builder's page step: pages composed as their panels finish; the build's figures.
- `pages`        compose_and_export (one page only after a regenerate).
- `report`       write_report -> OUT/report.md with thumbnails.
- `sheets`       character sheets (turnaround + expressions) and reference crops.
- `state`        PanelRecord / BookState JSON in the build folder.

The use case (wiring to config, insightface, face swap, ComfyUI) is app/services/book_service.py.
"""

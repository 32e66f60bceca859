"""The comic engine: script, page layout, lettering, composition and export (pure PIL/numpy).

Import the module you need (nothing is imported here, so `comic.layout` alone stays light for the
ComfyUI nodes):

- `model`       Book / CastMember / Page / Panel / Balloon / Point / Box — the shared script model.
- `choices`     option vocabularies (reading directions, balloon kinds, shots, emphasis, formats).
- `script`      load_book(path), parse_script(text), parse_book_data(text, kind), format_script(book),
                save_book(book, path), check_script(book) -> warnings; ScriptError(.issues).
- `pages`       page_geometry(name, dpi) -> PageGeometry (trim, bleed, safe box); page_size_names().
- `templates`   load_templates(), get_template(name), Rect.
- `layout`      layout_page(page, page_size=, dpi=, reading_direction=), layout_book(book),
                choose_template(panels), generation_size(w, h); PageLayout / PanelSlot.
- `lettering`   plan_panel / draw_plan / letter_panel, LetteringStyle, LetteringIssue.
- `panel_images` find_panel_images(book, folder), open_panel_image(path), cover_crop(img, size, focus).
- `detect`      detect_art(image) -> ArtRegions (faces, heads, torsos); with_detected_faces(panel, regions).
- `compose`     compose_page(book, page, art), compose_book(book, images), ComposeOptions.
- `webtoon`     reflow_book(book, art) -> WebtoonStrip (one column, panel spans), slice_bounds(strip, h).
- `export`      export_book(composed, out_dir, formats), write_pdf / write_cbz / write_webtoon /
                contact_sheet, parse_formats.
- `fonts`, `effects`, `grading` (another owner): font fallback, panel effects, colour grading.
"""

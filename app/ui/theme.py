"""The look of the studio: a Gradio theme that loads no web fonts (the app runs offline) and CSS."""

from __future__ import annotations

from typing import Any

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

CSS = """
.inkframe-notice { border-left: 4px solid #d97706; padding: 6px 12px; background: rgba(217,119,6,0.08); }
.inkframe-notice p { margin: 0; }
.inkframe-ok { border-left: 4px solid #16a34a; padding: 6px 12px; background: rgba(22,163,74,0.08); }
.inkframe-ok p { margin: 0; }
.inkframe-errors { color: #b91c1c; }
.queue-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
.queue-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; }
.queue-card-head { display: flex; gap: 8px; align-items: baseline; }
.queue-status { margin-left: auto; font-weight: 600; }
.queue-card progress { width: 100%; height: 10px; }
.queue-card-detail { font-size: 0.85em; opacity: 0.8; }
.queue-preview {
  display: block; max-width: 256px; width: 100%; margin-top: 6px; border-radius: 4px; image-rendering: auto;
}
.queue-error { color: #b91c1c; font-size: 0.85em; }
#queue-gallery .grid-container {
  grid-template-columns: repeat(auto-fill, minmax(140px, 180px)) !important; grid-template-rows: none !important;
}
.gallery-settings { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.gallery-settings th, .gallery-settings td {
  padding: 4px 8px; border-bottom: 1px solid var(--border-color-primary); text-align: left; vertical-align: top;
}
.gallery-settings th { width: 30%; min-width: 6em; font-weight: 600; }
.gallery-settings td { overflow-wrap: break-word; }
.live-progress progress { width: 100%; height: 12px; accent-color: #4f46e5; }
.live-detail { font-size: 0.9em; opacity: 0.85; overflow-wrap: anywhere; }
.live-preview { display: block; max-width: 320px; width: 100%; margin-top: 6px; border-radius: 4px; }
.queue-error, .inkframe-errors, .inkframe-notice p, .inkframe-ok p { white-space: normal; overflow-wrap: anywhere; }
.inkframe-wide-table td, .inkframe-wide-table td span, .inkframe-wide-table th span {
  white-space: normal !important; overflow-wrap: break-word; word-break: normal;
}
.queue-table-wrap { overflow-x: auto; max-width: 100%; }
.queue-jobs { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.queue-jobs th, .queue-jobs td {
  padding: 4px 6px; border: none !important; border-bottom: 1px solid var(--border-color-primary) !important;
  text-align: left; vertical-align: top;
}
.queue-jobs td { white-space: nowrap; }
.queue-jobs td.queue-name, .queue-jobs td.queue-error-cell {
  white-space: normal; min-width: 12em; max-width: 28em; overflow-wrap: break-word;
}
.queue-kind { font-size: 0.8em; opacity: 0.7; }
.queue-jobs td.queue-thumb-cell { width: 60px; min-width: 60px; padding: 2px; }
.queue-jobs img.queue-thumb {
  width: 56px !important; height: 56px !important; max-width: none !important; object-fit: cover; border-radius: 4px;
  display: block; margin: 0;
}
.queue-error summary { cursor: pointer; }
.queue-error-detail {
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.9em; max-height: 16em; overflow-y: auto;
}
.comic-panel-strip .caption-label {
  white-space: normal !important; overflow-wrap: anywhere; max-width: 96% !important; line-height: 1.25;
}  /* the strip's captions (status, scores) wrap instead of being cut */
.inkframe-toolbar { align-items: flex-end; }
.inkframe-toolbar button { align-self: flex-end; margin-bottom: 6px; }
footer { display: none !important; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  .inkframe-toolbar { flex-wrap: wrap !important; }
  .inkframe-toolbar > * { min-width: 100% !important; }
  .inkframe-wide-table table { min-width: 640px; }
  .inkframe-wide-table .table-wrap, .inkframe-wide-table .table-container { overflow-x: auto !important; }
}
"""

COMIC_WORKSPACE_CSS = """
@media (max-width: 640px) {
  #compose-preview, #compose-preview .image-container, #compose-preview .image-frame { height: auto !important; }
  #compose-preview img { height: auto !important; max-height: 85vh; }
}
"""
CSS += COMIC_WORKSPACE_CSS  # the Comic workspace: on a phone the page preview is as tall as the page, no empty band


def build_theme() -> Any:
    import gradio as gr

    return gr.themes.Soft(primary_hue="indigo", font=list(SYSTEM_FONTS), font_mono=list(MONO_FONTS))

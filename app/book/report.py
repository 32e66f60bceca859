"""The build report: OUT/report.md with thumbnails (OUT/report/), one row per panel.

Each panel row: thumbnail, seed, workflow and size, identity scores per character, quality, retries,
repairs; under the table every attempt (its seed, kind and scores, with a small thumbnail) and the notes
the gates left. The head of the report gives the book's figures (style consistency, pass rates,
orchestration overhead) and which features were off on this backend and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from ..comic.model import Book
from .state import BookState, PanelRecord, write_atomic

THUMB = 192
ATTEMPT_THUMB = 96
FEATURE_NAMES = {
    "identity": "identity gate (face embeddings)",
    "faceswap": "face repair (face swap)",
    "restore": "quality repair (upscale + face restore)",
    "ipadapter": "IPAdapter reference conditioning",
    "lora": "LoRA loading",
}


def _thumb(source: Path, target: Path, size: int) -> str:
    with Image.open(source) as image:
        copy = image.convert("RGB")
        copy.thumbnail((size, size))
        target.parent.mkdir(parents=True, exist_ok=True)
        copy.save(target)
    return target.as_posix()


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _identity(record_identity: Sequence, passed: bool | None) -> str:
    if not record_identity:
        return "not measured"
    parts = [f"{s.character} {_fmt(s.similarity)}{'' if s.passed is not False else ' ✗'}" for s in record_identity]
    verdict = {True: "pass", False: "FAIL", None: "unverified"}[passed]
    return f"{'; '.join(parts)} ({verdict})"


def write_report(
    out_dir: Path, book: Book, records: Sequence[PanelRecord], state: BookState, warnings: Sequence[str]
) -> Path:
    out_dir = Path(out_dir)
    thumbs = out_dir / "report"
    figures = state.figures
    lines = [
        f"# Build report: {book.title}",
        "",
        f"Script `{state.script}`, style **{state.style.get('name', '')}** "
        f"(grade: {state.style.get('grade') or 'none'}).",
        "",
        "## Figures",
        "",
        "| figure | value |",
        "| --- | --- |",
    ]
    labels = {
        "panels": "panels",
        "generated": "generated this run",
        "style_consistency": "style consistency (1 = identical colour distributions)",
        "style_outlier": "panel whose colours stand out most (its own consistency)",
        "identity_pass_rate": "identity gate pass rate",
        "quality_pass_rate": "quality gate pass rate",
        "retries": "identity retries",
        "repairs": "face repairs",
        "orchestration_ms_per_panel": (
            "orchestration overhead per generated panel (ms, app time minus ComfyUI execution)"
        ),
        "transport_ms_per_run": "transport overhead per ComfyUI run (ms)",
        "app_cpu_ms_per_panel": "app CPU time per generated panel (ms)",
        "comfy_execution_s": "ComfyUI execution (s)",
        "wall_s": "build wall time (s)",
    }
    for key, label in labels.items():
        if key in figures:
            value = figures[key]
            lines.append(f"| {label} | {'-' if value is None else value} |")
    lines += ["", "## Features", ""]
    for key, name in FEATURE_NAMES.items():
        reason = state.capabilities.get(key)
        lines.append(f"- {name}: {'on' if reason == '' else 'off — ' + reason if reason else 'not checked'}")
    if state.plates:
        lines += ["", "## Location plates", ""]
        for key, plate in state.plates.items():
            seed = ", seed " + str(plate["seed"]) if "seed" in plate else ""
            lines.append(f"- {key}: `{plate.get('file')}` ({plate.get('source')}{seed})")
    lines += [
        "",
        "## Panels",
        "",
        "| panel | art | seed | workflow | size | identity | quality | retries | repairs |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for record in records:
        art = "**failed** (placeholder)" if record.status == "failed" else ""
        if record.image and (out_dir / record.image).is_file():
            rel = Path(
                _thumb(out_dir / record.image, thumbs / f"p{record.page:02d}_panel{record.panel:02d}.png", THUMB)
            ).relative_to(out_dir)
            art = f"![page {record.page} panel {record.panel}]({rel.as_posix()})"
        quality = _fmt(record.quality) + ("" if record.quality_passed is not False else " ✗")
        lines.append(
            f"| {record.page}:{record.panel} | {art} | {record.seed} | {record.workflow} | "
            f"{record.width}x{record.height} | "
            f"{_identity(record.identity, record.identity_passed)} | {quality} | {record.retries} | {record.repairs} |"
        )
    lines += ["", "## Attempts and notes", ""]
    for record in records:
        lines.append(f"### Page {record.page}, panel {record.panel}")
        lines.append("")
        lines.append(f"Prompt: {record.positive}  ")
        lines.append(f"Negative: {record.negative}  ")
        if record.overrides:
            lines.append(f"Overrides: {', '.join(f'{k}={v!r}' for k, v in record.overrides.items())}  ")
        for index, attempt in enumerate(record.attempts):
            mark = " (kept)" if index == record.chosen_attempt else ""
            thumb = ""
            if attempt.file and (out_dir / attempt.file).is_file():
                rel = Path(
                    _thumb(
                        out_dir / attempt.file,
                        thumbs / "attempts" / f"p{record.page:02d}_panel{record.panel:02d}_a{index:02d}.png",
                        ATTEMPT_THUMB,
                    )
                ).relative_to(out_dir)
                thumb = f" ![attempt {index}]({rel.as_posix()})"
            lines.append(
                f"- attempt {index}{mark}: {attempt.kind}, seed {attempt.seed}, identity "
                f"{_identity(attempt.identity, attempt.identity_passed)}, quality {_fmt(attempt.quality)} "
                f"(BRISQUE {_fmt(attempt.brisque, 1)}, sharpness {_fmt(attempt.sharpness)}){thumb}"
                + (f" — {attempt.note}" if attempt.note else "")
            )
        for note in record.notes:
            lines.append(f"- note: {note}")
        lines.append("")
    if warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in warnings] + [""]
    pages = sorted((out_dir / "book").glob("page_*.png"))
    if pages:
        lines += ["## Pages", ""]
        for page in pages:
            rel = Path(_thumb(page, thumbs / "pages" / page.name, 2 * THUMB)).relative_to(out_dir)
            lines.append(f"![{page.stem}]({rel.as_posix()})")
        lines.append("")
    if state.outputs:
        lines += (
            ["## Files", ""]
            + [f"- {fmt}: " + ", ".join(f"`{p}`" for p in paths) for fmt, paths in state.outputs.items()]
            + [""]
        )
    path = out_dir / "report.md"
    write_atomic(path, "\n".join(lines).encode("utf-8"))
    return path

#!/usr/bin/env python3
"""Download the models in models/manifest.yaml into the folders the backend reads (resumable, sha256-verified).

    python scripts/download_models.py --list
    python scripts/download_models.py [--only NAME ...] [--dest DIR | --comfyui DIR | --target comfyui]
    python scripts/download_models.py --extra-model-paths /path/to/ComfyUI

Files go, in ComfyUI's models/ layout, to this project's models folder (faceswap.models_dir): the managed
ComfyUI (comfyui.launch, the embedded install included) reads it through its generated extra paths, and a
ComfyUI of your own does once --extra-model-paths has written its extra_model_paths.yaml. `--target comfyui`
writes into the managed ComfyUI's own models/ folder instead, `--comfyui DIR` into DIR/models, `--dest DIR`
anywhere. A cut download resumes from its .part file. Gated models read a Hugging Face token from HF_TOKEN.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # a script run from anywhere; not an import-time library edit
    from app.config import ConfigError, load_config
    from app.errors import InkframeError
    from app.services.models_service import download_root
    from app.workflows.errors import WorkflowError
    from app.workflows.manifest import load_manifest
    from app.workflows.model_download import download_model, target_path, write_extra_model_paths

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", default=str(REPO_ROOT / "models" / "manifest.yaml"))
    parser.add_argument(
        "--dest", help="models folder (ComfyUI layout); default: faceswap.models_dir of the config (models/)"
    )
    parser.add_argument("--comfyui", metavar="COMFYUI_DIR", help="write into that ComfyUI's own models/ folder")
    parser.add_argument(
        "--target",
        choices=("project", "comfyui"),
        default="project",
        help="project: the project's models folder (default); "
        "comfyui: the managed ComfyUI's models/ (comfyui.launch.path)",
    )
    parser.add_argument("--config", help="config file (default: config.yaml or $INKFRAME_CONFIG)")
    parser.add_argument("--list", action="store_true", help="list the manifest and what is present")
    parser.add_argument("--only", action="append", metavar="NAME", help="download only this model (repeatable)")
    parser.add_argument(
        "--extra-model-paths",
        nargs="?",
        const="",
        metavar="COMFYUI_DIR",
        help="write extra_model_paths.yaml for an existing ComfyUI (prints it when no folder is given)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="connect/read timeout in seconds")
    args = parser.parse_args(argv)
    try:
        entries = load_manifest(args.manifest)
        dest = Path(args.dest) if args.dest else download_root(load_config(args.config), args.target, args.comfyui)
        if args.list:
            for e in entries:
                present = (
                    "present"
                    if target_path(e, dest).is_file()
                    else (
                        "partial"
                        if target_path(e, dest).with_suffix(target_path(e, dest).suffix + ".part").is_file()
                        else "missing"
                    )
                )
                size = f"{e.size / 1e9:.2f} GB" if e.size else "size ?"
                check = "sha256" if e.sha256 else "unverified"
                print(f"{e.name:<48} {e.folder:<20} {size:>10}  {check:<10} {present:<8} {e.licence}")
            return 0
        if args.extra_model_paths is not None:
            if args.extra_model_paths:
                path = write_extra_model_paths(Path(args.extra_model_paths), entries, dest)
                print(f"wrote {path}")
            else:
                import yaml

                from app.workflows.model_download import extra_model_paths

                print(yaml.safe_dump(extra_model_paths(entries, dest), sort_keys=False), end="")
            return 0
        chosen = entries
        if args.only:
            known = {e.name for e in entries}
            unknown = [n for n in args.only if n not in known]
            if unknown:
                raise WorkflowError(
                    f"Model {unknown[0]!r} is not in the manifest; it lists: {', '.join(sorted(known))}."
                )
            chosen = [e for e in entries if e.name in args.only]
        from tqdm import tqdm

        def bar(total: int, initial: int) -> tqdm:
            return tqdm(
                total=total or None,
                initial=initial,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="  ",
                leave=False,
            )

        for entry in chosen:
            print(f"{entry.name} -> {target_path(entry, dest)}")
            result = download_model(entry, dest, token=os.environ.get("HF_TOKEN"), timeout=args.timeout, progress=bar)
            note = (
                "sha256 verified"
                if result.verified
                else f"NOT verified ({entry.sha256_note or 'no sha256 in the manifest'})"
            )
            print(f"  {result.status}, {note}")
        return 0
    except (InkframeError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"error: cannot write the download: {exc.strerror or exc} ({getattr(exc, 'filename', '') or dest}).",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("interrupted; run the command again to resume the download.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

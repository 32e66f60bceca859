"""`python main.py faceswap`: swap faces in an image or a video (consent required, provenance always written)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.config import Config
from app.services.choices import ENHANCERS, GENDERS, ONE_MODES, SELECTORS
from app.services.choices import VIDEO_CODECS as CODECS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "faceswap",
        help="swap a face into an image or a video",
        description="Swap the face of --source into --target. Only with the consent of everyone shown.",
    )
    parser.add_argument(
        "--source",
        action="append",
        type=Path,
        required=True,
        metavar="IMAGE",
        help="picture of the face to use; repeat for several pictures of the same person (averaged)",
    )
    parser.add_argument("--target", type=Path, required=True, help="image or video whose face(s) are replaced")
    parser.add_argument(
        "--out", type=Path, required=True, help="result file (.png/.jpg/.webp for images, .mp4/.webm/.gif for video)"
    )
    parser.add_argument(
        "--selector",
        choices=SELECTORS,
        default=None,
        help="reference: faces like --reference-face (the default when it is given); one: a single face "
        "(see --one; the default otherwise); many: every face",
    )
    parser.add_argument(
        "--one", dest="one_mode", choices=ONE_MODES, default=None, help="which face 'one' picks (default largest)"
    )
    parser.add_argument(
        "--face-index",
        type=int,
        default=None,
        metavar="N",
        help="with --selector one: the N-th face from the left (0 first)",
    )
    parser.add_argument(
        "--reference-face",
        type=Path,
        metavar="IMAGE",
        help="with --selector reference: a picture of the face to replace",
    )
    parser.add_argument(
        "--reference-distance",
        type=float,
        default=0.9,
        metavar="D",
        help="largest embedding distance (1 - cosine) still counted as the reference face (default 0.9)",
    )
    parser.add_argument("--gender", choices=GENDERS, default="any", help="only swap faces of this gender")
    parser.add_argument("--min-age", type=int, help="only swap faces estimated at least this old")
    parser.add_argument("--max-age", type=int, help="only swap faces estimated at most this old")
    parser.add_argument("--enhancer", choices=ENHANCERS, default="gfpgan", help="face restoration after the swap")
    parser.add_argument(
        "--blend", type=float, default=0.8, help="share of the restored face mixed in, 0..1 (default 0.8)"
    )
    parser.add_argument(
        "--smoothing", type=float, default=0.6, help="temporal smoothing of face positions in video, 0..0.95"
    )
    parser.add_argument("--trim", metavar="START:END", help="only this part of the video, in seconds (e.g. 2.5:10, 5:)")
    parser.add_argument("--codec", choices=CODECS, help="video codec (default from the --out extension)")
    parser.add_argument("--crf", type=int, help="video quality (lower is better; default per codec)")
    parser.add_argument(
        "--i-have-consent",
        dest="consent",
        action="store_true",
        help="confirm that everyone whose face is used has agreed to it",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from app.errors import InkframeError
    from app.services.faceswap_service import FaceSwapRequest, FaceSwapService, require_consent

    require_consent(args.consent)  # before any model is loaded
    if not 0.0 <= args.blend <= 1.0:
        raise InkframeError(f"--blend {args.blend} must be between 0 and 1.", exit_code=2)
    if not 0.0 <= args.smoothing < 1.0:
        raise InkframeError(f"--smoothing {args.smoothing} must be at least 0 and below 1.", exit_code=2)
    selector = args.selector or ("reference" if args.reference_face else "one")
    if args.reference_face and selector != "reference":
        raise InkframeError(
            f"--reference-face is used only with --selector reference (not {selector}); drop one of them.", exit_code=2
        )
    if args.face_index is not None and selector != "one":
        raise InkframeError(
            f"--face-index is used only with --selector one (not {selector}); drop one of them.", exit_code=2
        )
    one_mode = args.one_mode or ("index" if args.face_index is not None else "largest")
    request = FaceSwapRequest(
        sources=list(args.source),
        target=args.target,
        out=args.out,
        consent=args.consent,
        overwrite=args.overwrite,
        selector=selector,
        one_mode=one_mode,
        face_index=args.face_index or 0,
        reference_face=args.reference_face,
        reference_distance=args.reference_distance,
        gender=args.gender,
        min_age=args.min_age,
        max_age=args.max_age,
        enhancer=args.enhancer,
        blend=args.blend,
        smoothing=args.smoothing,
        trim=args.trim,
        codec=args.codec,
        crf=args.crf,
    )
    bar = _ProgressBar()
    try:
        result = FaceSwapService(config).swap(request, progress=bar)
    finally:
        bar.close()
    for note in result.notes:
        print(f"note: {note}")
    if result.kind == "image":
        print(f"saved {result.out} ({result.faces_swapped} face(s) swapped)")
    else:
        print(f"saved {result.out} ({result.frames_swapped} of {result.frames} frames swapped, {result.seconds:.1f} s)")
    return 0


class _ProgressBar:
    """A tqdm bar fed by per-frame progress events (created on the first event)."""

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, event) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(
                total=event.total, initial=event.resumed_frames, unit="frame", desc="face swap", dynamic_ncols=True
            )
        if self._bar.total != event.total:
            self._bar.total = event.total
        self._bar.update(event.done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

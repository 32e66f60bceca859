"""Faces and figures in panel art, so lettering keeps off them and tails find the speaker's mouth.

    regions = detect_art(tile)                       # ArtRegions(faces, heads, torsos), panel fractions
    lettered = with_detected_faces(panel, regions)   # the panel with named faces for the letterer

Faces come from BlazeFace (short and full range), which ships inside the mediapipe 0.10.21 wheel; a
figure's head and torso come from mediapipe's pose model (one figure), which finds people that face
away or are too small for BlazeFace. Without mediapipe, OpenCV's Haar cascade finds frontal faces.
Detection runs on a copy of the art at most `DETECT_SIDE` pixels on its longer side.

Matching faces to speakers (`with_detected_faces`): faces the script already gives (`Face:`) win;
then faces an `Identify` callback recognises (the book builder's: face embeddings against the
character library's references); characters with a stated position (`Characters: MAYA (left)`)
take the nearest face; the others take the remaining faces left to right in the order they are
listed (a lone character takes the largest face). Unmatched faces are still avoided.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from PIL import Image

from .model import Box, Panel

DETECT_SIDE = 512
FACE_SCORE = 0.5
POSE_VISIBILITY = 0.5
UNNAMED = "#face"  # key prefix of a detected face no character could be matched to

Frac = tuple[float, float, float, float]


@dataclass(frozen=True)
class ArtRegions:
    """What was found in one panel's art, as (left, top, right, bottom) fractions of the panel."""

    faces: tuple[Frac, ...] = ()
    heads: tuple[Frac, ...] = ()  # heads of figures whose face was not found (profile, back, small)
    torsos: tuple[Frac, ...] = ()
    detector: str = ""


class ArtDetector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray) -> ArtRegions: ...


@dataclass
class MediapipeArtDetector:
    """BlazeFace for faces plus the pose model for one figure's head and torso."""

    figures: bool = True
    name: str = "mediapipe"
    _faces: list[Any] = field(default_factory=list)
    _pose: Any = None
    _posed: bool = False  # the pose landmark stage has run once (its start-up line is out of the way)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        logging.getLogger("absl").setLevel(logging.ERROR)
        from mediapipe.python.solutions import face_detection

        with _quiet_native_stderr():
            self._faces = [
                face_detection.FaceDetection(model_selection=s, min_detection_confidence=FACE_SCORE) for s in (0, 1)
            ]
            if self.figures:
                from mediapipe.python.solutions import pose

                self._pose = pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
            self._run(
                np.full((64, 64, 3), 128, np.uint8)
            )  # the graphs log their start-up lines here, not on a user's page

    def detect(self, rgb: np.ndarray) -> ArtRegions:
        return self._run(rgb)

    def _run(self, rgb: np.ndarray) -> ArtRegions:
        image = np.ascontiguousarray(rgb[..., :3])
        faces: list[Frac] = []
        with self._lock:
            for detector in self._faces:
                result = detector.process(image)
                for detection in result.detections or ():
                    box = detection.location_data.relative_bounding_box
                    found = _clip((box.xmin, box.ymin, box.xmin + box.width, box.ymin + box.height))
                    if found and all(_iou(found, other) < 0.3 for other in faces):
                        faces.append(found)
            landmarks = None
            if self._pose is not None:
                # the landmark stage logs one absl line the first time it runs: keep it off the user's console
                with _quiet_native_stderr() if not self._posed else contextlib.nullcontext():
                    landmarks = self._pose.process(image).pose_landmarks
                self._posed = self._posed or landmarks is not None
        heads: list[Frac] = []
        torsos: list[Frac] = []
        if landmarks is not None:
            points = [(p.x, p.y) for p in landmarks.landmark]
            seen = [p.visibility >= POSE_VISIBILITY for p in landmarks.landmark]
            head = _pose_head(points, seen)
            if head and all(_overlap(head, face) == 0 for face in faces):
                heads.append(head)
            torso = _bounds([points[i] for i in (11, 12, 23, 24) if seen[i]])
            if torso:
                torsos.append(torso)
        return ArtRegions(tuple(faces), tuple(heads), tuple(torsos), self.name)


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence what mediapipe's C++ side prints to the process's stderr while its graphs start (absl
    warnings about TensorFlow Lite delegates that mean nothing to a user); Python errors still raise."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


@dataclass
class HaarArtDetector:
    """OpenCV's frontal-face Haar cascade: the fallback when mediapipe is not installed."""

    name: str = "opencv-haar"
    _cascade: Any = None

    def __post_init__(self) -> None:
        import cv2

        self._cascade = cv2.CascadeClassifier(
            os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
        )

    def detect(self, rgb: np.ndarray) -> ArtRegions:
        import cv2

        gray = cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)
        h, w = gray.shape
        found = self._cascade.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=6, minSize=(max(16, w // 20), max(16, h // 20))
        )
        faces = [f for f in (_clip((x / w, y / h, (x + bw) / w, (y + bh) / h)) for x, y, bw, bh in found) if f]
        return ArtRegions(tuple(faces), (), (), self.name)


@lru_cache(maxsize=1)
def default_detector() -> ArtDetector | None:
    """mediapipe's detectors when installed, else OpenCV's cascade, else None (nothing is detected)."""
    try:
        return MediapipeArtDetector()
    except ImportError:
        pass
    try:
        return HaarArtDetector()
    except ImportError:
        return None


_CACHE: OrderedDict[tuple[str, str], ArtRegions] = OrderedDict()
_CACHE_SIZE = 256
_CACHE_LOCK = threading.Lock()


def clear_detection_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def detect_art(image: Image.Image, detector: ArtDetector | None = None) -> ArtRegions:
    """Faces and figures in `image` (the art as it fills its panel) as fractions of its size.

    Results are kept per picture (a hash of the downscaled pixels), so re-lettering a page after an
    edit in the UI does not run the detectors again."""
    detector = detector or default_detector()
    if detector is None:
        return ArtRegions()
    small = image.convert("RGB")
    if max(small.size) > DETECT_SIDE:
        small.thumbnail((DETECT_SIDE, DETECT_SIDE), Image.Resampling.BILINEAR)
    pixels = np.asarray(small)
    key = (
        detector.name,
        hashlib.blake2b(pixels.tobytes(), digest_size=16, person=str(pixels.shape).encode()[:16]).hexdigest(),
    )
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    found = detector.detect(pixels)
    with _CACHE_LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def panel_people(panel: Panel) -> list[str]:
    """The characters in a panel, in the order the script lists them (then speakers not listed)."""
    names = list(panel.characters)
    for balloon in panel.dialogue:
        if (
            balloon.speaker
            and not balloon.off_panel
            and balloon.kind not in ("caption", "sfx")
            and balloon.speaker not in names
        ):
            names.append(balloon.speaker)
    return names


Identify = Callable[[Image.Image, Sequence[Frac], Sequence[str]], Mapping[int, str]]
"""(panel art, face boxes, names in the panel) -> {face index: name} for the faces it recognises
(the book builder passes one that compares face embeddings with the character library's references)."""


def with_detected_faces(panel: Panel, regions: ArtRegions, identities: Mapping[int, str] | None = None) -> Panel:
    """`panel` with the detected faces added to its `faces`, named by speaker where they can be matched:
    `Face:` lines first, then `identities` (indices into `regions.faces`, from the character library),
    then stated positions, then the order of the character list."""
    if not regions.faces and not regions.heads:
        return panel
    given = [(b.left, b.top, b.right, b.bottom) for b in panel.faces.values()]
    candidates = [*regions.faces, *regions.heads]
    keep = [i for i, f in enumerate(candidates) if all(_iou(f, g) < 0.3 for g in given)]
    free = [candidates[i] for i in keep]
    folded = {name.casefold() for name in panel.faces}
    wanted = [name for name in panel_people(panel) if name.casefold() not in folded]
    named: dict[str, Frac] = {}
    used: set[int] = set()
    for index, name in (identities or {}).items():
        match = next((n for n in wanted if n.casefold() == name.casefold()), None)
        if match is not None and index in keep and match not in named:
            named[match] = candidates[index]
            used.add(keep.index(index))
    positioned = [
        (n, panel.character_positions[n].x) for n in wanted if n in panel.character_positions and n not in named
    ]
    pairs = sorted((abs(x - (f[0] + f[2]) / 2), n, i) for n, x in positioned for i, f in enumerate(free))
    for _distance, name, index in pairs:
        if name not in named and index not in used:
            named[name], _ = free[index], used.add(index)
    rest = [n for n in wanted if n not in named and n not in dict(positioned)]
    left = sorted((i for i in range(len(free)) if i not in used), key=lambda i: (free[i][0] + free[i][2]) / 2)
    if len(rest) == 1 and left:
        biggest = max(left, key=lambda i: (free[i][2] - free[i][0]) * (free[i][3] - free[i][1]))
        named[rest[0]], _ = free[biggest], used.add(biggest)
    elif rest and len(rest) <= len(left):
        for name, index in zip(rest, left):
            named[name], _ = free[index], used.add(index)
    faces = dict(panel.faces)
    for name, box in named.items():
        faces[name] = _box(box)
    for number, index in enumerate((i for i in range(len(free)) if i not in used), start=1):
        faces[f"{UNNAMED}{number}"] = _box(free[index])
    return panel.model_copy(update={"faces": faces})


def _box(frac: Frac) -> Box:
    return Box(left=frac[0], top=frac[1], right=frac[2], bottom=frac[3])


def _pose_head(points: list[tuple[float, float]], seen: list[bool]) -> Frac | None:
    """A head box from the pose's face landmarks (nose, eyes, ears, mouth: 0..10)."""
    visible = [points[i] for i in range(11) if seen[i]]
    if len(visible) < 3:
        return None
    xs, ys = [p[0] for p in visible], [p[1] for p in visible]
    width = max(max(xs) - min(xs), 0.02)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    size = width * 1.5
    return _clip((cx - size / 2, cy - size * 0.65, cx + size / 2, cy + size * 0.6))


def _bounds(points: list[tuple[float, float]]) -> Frac | None:
    if len(points) < 3:
        return None
    return _clip(
        (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points))
    )


def _clip(box: Frac) -> Frac | None:
    left, top, right, bottom = (min(1.0, max(0.0, float(v))) for v in box)
    if right - left < 0.01 or bottom - top < 0.01:
        return None
    return (left, top, right, bottom)


def _overlap(a: Frac, b: Frac) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _iou(a: Frac, b: Frac) -> float:
    inter = _overlap(a, b)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0

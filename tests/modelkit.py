"""Test assets built at test time: synthetic clips (ffmpeg lavfi) and models with the real file signatures.

Never commit weights: models are random-initialised with a fixed seed and cached under
~/.cache/inkframe-test-models (or $INKFRAME_TEST_MODELS), keyed by the seed and a format version.
The book-builder tests reuse these helpers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

SEED = 1234
KIT_VERSION = "v1"


def cache_dir() -> Path:
    root = Path(os.environ.get("INKFRAME_TEST_MODELS", Path.home() / ".cache" / "inkframe-test-models"))
    path = root / f"{KIT_VERSION}-seed{SEED}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def make_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 10,
    size: tuple[int, int] = (64, 48),
    audio: bool = True,
    codec: str = "libx264",
    color_range: str | None = None,
    source: str = "testsrc",
) -> Path:
    """A synthetic clip from ffmpeg's lavfi test source (+ a sine tone when audio)."""
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"{source}=size={size[0]}x{size[1]}:rate={fps}:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    args += ["-c:v", codec, "-pix_fmt", "yuv420p"]
    if color_range:
        args += ["-color_range", color_range]
    subprocess.run([*args, str(path)], check=True, timeout=120)
    return path


def make_face_clip(
    path: Path,
    face_rgb: np.ndarray,
    *,
    frames: int = 12,
    fps: int = 10,
    size: tuple[int, int] = (256, 256),
    audio: bool = True,
    drift_px: int = 2,
) -> Path:
    """A clip of a real face image slowly panning (so detections move a little), encoded with ffmpeg."""
    import cv2

    h, w = size[1], size[0]
    base = cv2.resize(face_rgb, (w + frames * drift_px, h + frames * drift_px // 2), interpolation=cv2.INTER_AREA)
    tmp_raw = path.with_suffix(".rgb")
    with open(tmp_raw, "wb") as raw:
        for i in range(frames):
            x, y = i * drift_px, i * drift_px // 2
            raw.write(np.ascontiguousarray(base[y : y + h, x : x + w]).tobytes())
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{w}x{h}",
        "-r",
        str(fps),
        "-i",
        str(tmp_raw),
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=330:duration={frames / fps}", "-c:a", "aac", "-shortest"]
    subprocess.run([*args, "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", str(path)], check=True, timeout=120)
    tmp_raw.unlink()
    return path


def astronaut() -> np.ndarray:
    """A real photo with one face, shipped inside scikit-image (RGB uint8, 512 x 512)."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


# ---------------------------------------------------------------------------------------------------------------
# Models with the real file signatures (random-initialised, fixed seed). Each builder writes once and is cached.


def _onnx_save(graph, path: Path) -> Path:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="inkframe-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)
    return path


def _init(name: str, array: np.ndarray):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def build_inswapper(path: Path | None = None, depth: int = 0) -> Path:
    """inswapper_128.onnx's signature: inputs `target` 1x3x128x128 and `source` 1x512, one 1x3x128x128 output and a
    512x512 `emap` as the last initializer (insightface routes it to INSwapper). The random net is a near-identity
    1x1 convolution plus a colour shift driven by the source latent, clipped to 0..1. `depth` > 0 adds that many
    64-channel 3x3 convolutions (a residual branch) so that the stand-in costs about what the real model does
    (benchmarks)."""
    from onnx import TensorProto, helper

    path = path or cache_dir() / ("insightface" if depth == 0 else f"insightface-depth{depth}") / "inswapper_128.onnx"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    conv_w = (np.eye(3, dtype=np.float32) * 0.8 + rng.normal(0, 0.05, (3, 3)).astype(np.float32)).reshape(3, 3, 1, 1)
    proj = rng.normal(0, 0.02, (512, 3)).astype(np.float32)
    emap = rng.normal(0, 1 / np.sqrt(512), (512, 512)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["target", "conv_w", "conv_b"], ["conv0"])]
    extra = []
    if depth:
        channels, previous = 64, "target"
        for i in range(depth + 1):
            c_in = 3 if i == 0 else channels
            c_out = 3 if i == depth else channels
            w = rng.normal(0, 0.01 / np.sqrt(c_in * 9), (c_out, c_in, 3, 3)).astype(np.float32)
            extra.append(_init(f"deep_w{i}", w))
            nodes.append(helper.make_node("Conv", [previous, f"deep_w{i}"], [f"deep{i}"], pads=[1, 1, 1, 1]))
            if i < depth:
                nodes.append(helper.make_node("Relu", [f"deep{i}"], [f"deep{i}r"]))
                previous = f"deep{i}r"
        nodes.append(helper.make_node("Add", ["conv0", f"deep{depth}"], ["conv"]))
    else:
        nodes.append(helper.make_node("Identity", ["conv0"], ["conv"]))
    nodes += [
        helper.make_node("MatMul", ["source", "proj"], ["shift"]),
        helper.make_node("Reshape", ["shift", "shift_shape"], ["shift4"]),
        helper.make_node("Add", ["conv", "shift4"], ["raw"]),
        helper.make_node("Clip", ["raw", "lo", "hi"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "inswapper_stand_in",
        [
            helper.make_tensor_value_info("target", TensorProto.FLOAT, [1, 3, 128, 128]),
            helper.make_tensor_value_info("source", TensorProto.FLOAT, [1, 512]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 128, 128])],
        initializer=[
            _init("conv_w", conv_w),
            _init("conv_b", np.full(3, 0.1, np.float32)),
            _init("proj", proj),
            _init("shift_shape", np.array([1, 3, 1, 1], np.int64)),
            _init("lo", np.array(0, np.float32)),
            _init("hi", np.array(1, np.float32)),
            *extra,
            _init("emap", emap),
        ],
    )
    return _onnx_save(graph, path)


def _pooled_head(name: str, size: int, pool: int, out_dim: int, seed_offset: int, sigmoid: bool, path: Path) -> Path:
    from onnx import TensorProto, helper

    rng = np.random.default_rng(SEED + seed_offset)
    cells = size // pool
    features = 3 * cells * cells
    weight = rng.normal(0, 1 / np.sqrt(features), (features, out_dim)).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["input.1"], ["pooled"], kernel_shape=[pool, pool], strides=[pool, pool]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "fc"], ["logits" if sigmoid else "embedding"]),
    ]
    if sigmoid:
        nodes.append(helper.make_node("Sigmoid", ["logits"], ["embedding"]))
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", out_dim])],
        initializer=[_init("fc", weight)],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return _onnx_save(graph, path)


def build_arcface(path: Path | None = None) -> Path:
    """w600k_r50.onnx's signature: N x 3 x 112 x 112 -> N x 512 (insightface routes it to ArcFaceONNX)."""
    path = path or cache_dir() / "insightface" / "w600k_r50.onnx"
    return path if path.is_file() else _pooled_head("arcface_stand_in", 112, 14, 512, 1, False, path)


def build_genderage(path: Path | None = None) -> Path:
    """genderage.onnx's signature: N x 3 x 96 x 96 -> N x 3 (insightface routes it to Attribute/genderage)."""
    path = path or cache_dir() / "insightface" / "genderage.onnx"
    return path if path.is_file() else _pooled_head("genderage_stand_in", 96, 12, 3, 2, True, path)


def build_gfpgan(path: Path | None = None) -> Path:
    """GFPGANv1.4.pth's signature: a GFPGANv1Clean state dict saved as {"params_ema": state_dict} (random weights)."""
    path = path or cache_dir() / "gfpgan" / "GFPGANv1.4.pth"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    from app.torch_compat import ensure_gfpgan_importable

    ensure_gfpgan_importable()
    import torch
    from gfpgan.archs.gfpganv1_clean_arch import GFPGANv1Clean

    torch.manual_seed(SEED)
    net = GFPGANv1Clean(
        out_size=512,
        num_style_feat=512,
        channel_multiplier=2,
        decoder_load_path=None,
        fix_decoder=False,
        num_mlp=8,
        input_is_latent=True,
        different_w=True,
        narrow=1,
        sft_half=True,
    )
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save({"params_ema": net.state_dict()}, tmp)
    tmp.replace(path)
    return path


def build_catalog(enhancer: bool = False, genderage: bool = True, swapper_depth: int = 0):
    """A ModelCatalog over the built models with their real sha256, plus the role -> name map."""
    from app.faceswap import ROLE_DEFAULTS, ModelCatalog, ModelSpec, sha256_of

    built = {"w600k_r50.onnx": build_arcface(), "inswapper_128.onnx": build_inswapper(depth=swapper_depth)}
    if genderage:
        built["genderage.onnx"] = build_genderage()
    if enhancer:
        built["GFPGANv1.4.pth"] = build_gfpgan()
    specs = [
        ModelSpec(
            name=name,
            folder=path.parent.name,
            url=f"https://example.invalid/{name}",
            sha256=sha256_of(path),
            size=path.stat().st_size,
            licence="test stand-in",
        )
        for name, path in built.items()
    ]
    specs.append(ModelSpec(name="det_10g.onnx", folder="insightface", url="https://example.invalid/det_10g.onnx"))
    return ModelCatalog(cache_dir(), specs), dict(ROLE_DEFAULTS)


def write_test_manifest(path: Path, catalog) -> Path:
    """A models manifest (the project's format) listing the built stand-ins with their real sha256."""
    import yaml

    entries = [
        {"name": s.name, "folder": s.folder, "url": s.url, "sha256": s.sha256, "size": s.size, "licence": s.licence}
        for s in catalog.specs.values()
    ]
    path.write_text(yaml.safe_dump({"models": entries}, sort_keys=False), encoding="utf-8")
    return path


_ENGINES: dict = {}


def stand_in_engine(enhancer: bool = False, genderage: bool = True, swapper_depth: int = 0, threads: int = 1):
    """A FaceSwapEngine over the stand-in models and mediapipe's shipped detector (cached per process)."""
    key = (enhancer, genderage, swapper_depth, threads)
    if key not in _ENGINES:
        from app.faceswap import FaceSwapEngine, RuntimeSettings, load_parts

        catalog, names = build_catalog(enhancer=enhancer, genderage=genderage, swapper_depth=swapper_depth)
        _ENGINES[key] = FaceSwapEngine(
            load_parts(
                catalog, names, RuntimeSettings(threads=threads), "mediapipe", enhancer=enhancer, genderage=genderage
            )
        )
    return _ENGINES[key]


def mediapipe_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("mediapipe") is not None


def build_scrfd(path: Path | None = None, score_bias: float = 4.0) -> Path:
    """det_10g.onnx's signature: input 1 x 3 x H x W (dynamic), nine outputs = scores, boxes and 5-point landmarks
    for strides 8, 16 and 32 with two anchors per cell (insightface routes it to SCRFD with keypoints)."""
    from onnx import TensorProto, helper

    path = path or cache_dir() / "insightface-scrfd" / "det_10g.onnx"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED + 3)
    nodes, inits, outputs = [], [], {"score": [], "bbox": [], "kps": []}
    for stride in (8, 16, 32):
        pooled = f"pool{stride}"
        nodes.append(
            helper.make_node(
                "AveragePool", ["input.1"], [pooled], kernel_shape=[stride, stride], strides=[stride, stride]
            )
        )
        for head, width in (("score", 1), ("bbox", 4), ("kps", 10)):
            channels = 2 * width
            w = rng.normal(0, 0.05, (channels, 3, 1, 1)).astype(np.float32)
            b = np.full(channels, score_bias if head == "score" else 1.0, np.float32)
            inits += [_init(f"{head}{stride}_w", w), _init(f"{head}{stride}_b", b)]
            conv, flat = f"{head}{stride}_conv", f"{head}_{stride}"
            nodes.append(helper.make_node("Conv", [pooled, f"{head}{stride}_w", f"{head}{stride}_b"], [conv]))
            nodes.append(helper.make_node("Transpose", [conv], [conv + "_t"], perm=[0, 2, 3, 1]))
            shape_name = f"shape_{width}"
            if not any(i.name == shape_name for i in inits):
                inits.append(_init(shape_name, np.array([-1, width], np.int64)))
            reshaped = flat + "_raw" if head == "score" else flat
            nodes.append(helper.make_node("Reshape", [conv + "_t", shape_name], [reshaped]))
            if head == "score":
                nodes.append(helper.make_node("Sigmoid", [reshaped], [flat]))
            outputs[head].append(helper.make_tensor_value_info(flat, TensorProto.FLOAT, ["n", width]))
    graph = helper.make_graph(
        nodes,
        "scrfd_stand_in",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, "h", "w"])],
        outputs["score"] + outputs["bbox"] + outputs["kps"],
        initializer=inits,
    )
    return _onnx_save(graph, path)

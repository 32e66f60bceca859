"""Tiny liveportrait files (see ../pack_fixtures.py MODELS): what ComfyUI-LivePortraitKJ loads from
models/liveportrait instead of downloading Kijai/LivePortrait_safetensors.

The five networks are the pack's own classes built from its own liveportrait/config/models.yaml (the loader builds
them from that file and loads the weights strictly, so they keep their full size: ~130M parameters, ~260 MB fp16),
random-initialised. landmark.onnx (the 203-point landmark model the croppers run through onnxruntime) has no
published architecture: this one keeps its interface (input `input` 1x3x224x224, three outputs, the third the
203 x 2 points in 0..1 of the 224 crop) on a small random CNN.
"""

import os
import sys

import torch
import yaml

PACK = "ComfyUI-LivePortraitKJ"


def _networks(kit):
    sys.path.insert(0, kit.pack_path(PACK))
    from liveportrait.modules.appearance_feature_extractor import AppearanceFeatureExtractor
    from liveportrait.modules.motion_extractor import MotionExtractor
    from liveportrait.modules.spade_generator import SPADEDecoder
    from liveportrait.modules.stitching_retargeting_network import StitchingRetargetingNetwork
    from liveportrait.modules.warping_network import WarpingNetwork

    config_path = os.path.join(kit.pack_path(PACK), "liveportrait", "config", "models.yaml")
    with open(config_path, encoding="utf-8") as handle:
        params = yaml.safe_load(handle)["model_params"]
    return {
        "appearance_feature_extractor": AppearanceFeatureExtractor(**params["appearance_feature_extractor_params"]),
        "motion_extractor": MotionExtractor(**params["motion_extractor_params"]),
        "warping_module": WarpingNetwork(**params["warping_module_params"]),
        "spade_generator": SPADEDecoder(**params["spade_generator_params"]),
        "stitching": {
            # the loader splits one file by these prefixes: retarget_<part>_module.<key>
            prefix: StitchingRetargetingNetwork(**params["stitching_retargeting_module_params"][part])
            for prefix, part in (("retarget_shoulder", "stitching"), ("retarget_mouth", "lip"), ("retarget_eye", "eye"))
        },
    }


class _Landmarks(torch.nn.Module):
    """Stand-in of landmark.onnx's interface: 224 x 224 RGB in 0..1 -> (two unused heads, 203 points in 0..1)."""

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, stride=4, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 3, stride=4, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
            torch.nn.Flatten(),
        )
        self.head_a = torch.nn.Linear(32, 214)
        self.head_b = torch.nn.Linear(32, 262)
        self.points = torch.nn.Linear(32, 203 * 2)

    def forward(self, x):
        y = self.features(x)
        return self.head_a(y), self.head_b(y), torch.sigmoid(self.points(y))


def build(kit):
    # the spectral-norm vectors of the SPADE blocks are buffers drawn at construction: seed them from the kit
    torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=kit.generator)))
    nets = _networks(kit)
    motion = kit.randomise(nets["motion_extractor"])
    with torch.no_grad():
        motion.detector.fc_scale.bias.fill_(1.0)  # a head scale near 1 like a trained one (the driving ratio divides)
    for role in ("appearance_feature_extractor", "warping_module", "spade_generator"):
        kit.save(kit.randomise(nets[role]).state_dict(), role)
    kit.save(motion.state_dict(), "motion_extractor")
    state = {}
    for prefix, net in nets["stitching"].items():
        state.update({f"{prefix}_module.{k}": v for k, v in kit.randomise(net).state_dict().items()})
    kit.save(state, "stitching_retargeting_module")
    landmarks = kit.randomise(_Landmarks().eval(), std=0.05)
    torch.onnx.export(
        landmarks,
        (torch.zeros(1, 3, 224, 224),),
        kit.path("landmark"),
        input_names=["input"],
        output_names=["head_a", "head_b", "points"],
        opset_version=17,
        dynamo=False,
    )

"""Tiny upscale_face_restore files (see ../pack_fixtures.py MODELS), built with ComfyUI-ReActor's own classes.

- RealESRGAN_x4plus.pth: BasicSR's RRDBNet (ReActor's bundled copy, the class the real file was trained with) in the
  real file's layout ({"params_ema": state}, conv_first/body/conv_up1/conv_up2/conv_hr/conv_last keys, 4x), with
  one RRDB block instead of 23; spandrel (ComfyUI's UpscaleModelLoader) reads it as RealESRGAN/ESRGAN 4x. Random
  weights plus an identity path on the colour channels of the convolutions outside the trunk (which has its own skip
  connection), so the 4x result is the picture (nearest-neighbour-like, with noise) rather than black: the face
  restore after it then gets a picture.
- detection_Resnet50_Final.pth: facexlib's RetinaFace-R50 (ReActor's r_facelib copy), saved as the real file is (a
  plain state dict). Random weights find no face, so its three output heads are set by hand (the rest stays random):
  every 512-px anchor of the stride-32 level says "face" with a box 7x the anchor (non-maximum suppression keeps one)
  and a frontal face's five landmarks around the anchor's centre; every other anchor says "background". ReActor then
  aligns that one face, restores it with GFPGAN, parses it and pastes it back: the whole restore path runs.
- parsing_parsenet.pth: facexlib's ParseNet (512, 19 classes), random weights, which ReActor's restore helper loads.
GFPGANv1.4.pth is tests/modelkit.py's GFPGANv1Clean (the same file the face swap tests use).
"""

import sys

import torch


def build(kit):
    sys.path.insert(0, kit.pack_path("ComfyUI-ReActor"))
    from r_basicsr.archs.rrdbnet_arch import RRDBNet
    from r_facelib.detection.retinaface.retinaface import RetinaFace
    from r_facelib.parsing.parsenet import ParseNet

    upscaler = kit.randomise(RRDBNet(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=1, num_grow_ch=32))
    with torch.no_grad():
        for conv in (upscaler.conv_first, upscaler.conv_up1, upscaler.conv_up2, upscaler.conv_hr, upscaler.conv_last):
            for channel in range(3):
                conv.weight[channel, channel, 1, 1] += 1.0
    torch.save({"params_ema": upscaler.state_dict()}, kit.path("upscaler"))
    detector = _one_face(kit.randomise(RetinaFace(network_name="resnet50", half=False)))
    torch.save(detector.state_dict(), kit.path("detector"))
    parser = kit.randomise(ParseNet(in_size=512, out_size=512, parsing_ch=19))
    torch.save(parser.state_dict(), kit.path("parser"))


# A frontal face's five points (eyes, nose, mouth corners) in pixels around the anchor centre, on the 640-px picture
# ReActor detects on; landmarks decode as centre + bias * 0.1 (variance) * 512 (the anchor's size).
FACE_POINTS = ((-60, -40), (60, -40), (0, 10), (-45, 60), (45, 60))


def _one_face(detector):
    with torch.no_grad():
        for level in range(3):
            for head in (detector.ClassHead[level], detector.BboxHead[level], detector.LandmarkHead[level]):
                head.conv1x1.weight.zero_()
                head.conv1x1.bias.zero_()
            detector.ClassHead[level].conv1x1.bias.copy_(torch.tensor([10.0, -10.0, 10.0, -10.0]))  # (bg, face) x 2
        detector.ClassHead[2].conv1x1.bias.copy_(torch.tensor([10.0, -10.0, -10.0, 10.0]))  # anchor 1 (512 px): face
        detector.BboxHead[2].conv1x1.bias[6:8] = 10.0  # its width and height: x exp(10 * 0.2 variance)
        detector.LandmarkHead[2].conv1x1.bias[10:20] = torch.tensor(FACE_POINTS, dtype=torch.float32).flatten() / 51.2
    return detector

"""Tiny dwpose files (see ../pack_fixtures.py MODELS): what comfyui_controlnet_aux's DWPreprocessor loads.

- `yolox_l.onnx` (bbox detector; cv2.dnn on a CPU-only machine, onnxruntime when it has an accelerator): the YOLOX
  architecture (Focus stem, CSPDarknet with SPP, PAFPN, decoupled head over strides 8/16/32) at 1/8 of YOLOX-L's
  width and depth 1, exported like YOLOX's tools/export_onnx.py (opset 11, input `images` 1x3x640x640 float32,
  output `output` 1x8400x85 = box regressions, sigmoid objectness, sigmoid 80 class scores). Neither the pack nor
  PyPI ships YOLOX without mmcv-style compiled extras, so the network is written out here; weights are PyTorch's
  default initialisation with YOLOX's own prior-probability bias (0.01) on the objectness and class outputs, so a
  fresh detector finds nobody, as a fresh YOLOX does.
- `dw-ll_ucoco_384_bs5.torchscript.pt` (pose estimator, torch.jit.load): the real I/O signature of RTMPose's
  TorchScript export at batch 5 (input 5x3x384x288 float32 -> (simcc_x 5x133x576, simcc_y 5x133x768)) from an
  RTMPose-shaped tiny network: a CSPNeXt-style strided backbone to 12x9, RTMCCHead's 7x7 final conv to 133
  keypoint maps, ScaleNorm + linear over the flattened map, a gated attention unit and the two SimCC classifiers.
"""

import math

import torch
from torch import nn

NUM_CLASSES, KEYPOINTS, POSE_SIZE = 80, 133, (384, 288)  # COCO classes; COCO-WholeBody points; (h, w)


class BaseConv(nn.Module):
    def __init__(self, cin, cout, k=1, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, cin, cout, shortcut=True):
        super().__init__()
        self.conv1 = BaseConv(cin, cout, 1)
        self.conv2 = BaseConv(cout, cout, 3)
        self.use_add = shortcut and cin == cout

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return y + x if self.use_add else y


class CSPLayer(nn.Module):
    def __init__(self, cin, cout, n=1, shortcut=True):
        super().__init__()
        hidden = cout // 2
        self.conv1 = BaseConv(cin, hidden, 1)
        self.conv2 = BaseConv(cin, hidden, 1)
        self.conv3 = BaseConv(2 * hidden, cout, 1)
        self.m = nn.Sequential(*[Bottleneck(hidden, hidden, shortcut) for _ in range(n)])

    def forward(self, x):
        return self.conv3(torch.cat((self.m(self.conv1(x)), self.conv2(x)), dim=1))


class SPPBottleneck(nn.Module):
    def __init__(self, cin, cout, kernels=(5, 9, 13)):
        super().__init__()
        hidden = cin // 2
        self.conv1 = BaseConv(cin, hidden, 1)
        self.m = nn.ModuleList([nn.MaxPool2d(k, 1, k // 2) for k in kernels])
        self.conv2 = BaseConv(hidden * (len(kernels) + 1), cout, 1)

    def forward(self, x):
        x = self.conv1(x)
        return self.conv2(torch.cat([x] + [pool(x) for pool in self.m], dim=1))


class Focus(nn.Module):
    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.conv = BaseConv(cin * 4, cout, k)

    def forward(self, x):
        tl, bl, tr, br = x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]
        return self.conv(torch.cat((tl, bl, tr, br), dim=1))


class CSPDarknet(nn.Module):
    def __init__(self, base=8, depth=1):
        super().__init__()
        self.stem = Focus(3, base)
        self.dark2 = nn.Sequential(BaseConv(base, base * 2, 3, 2), CSPLayer(base * 2, base * 2, depth))
        self.dark3 = nn.Sequential(BaseConv(base * 2, base * 4, 3, 2), CSPLayer(base * 4, base * 4, depth))
        self.dark4 = nn.Sequential(BaseConv(base * 4, base * 8, 3, 2), CSPLayer(base * 8, base * 8, depth))
        self.dark5 = nn.Sequential(
            BaseConv(base * 8, base * 16, 3, 2),
            SPPBottleneck(base * 16, base * 16),
            CSPLayer(base * 16, base * 16, depth, shortcut=False),
        )

    def forward(self, x):
        x2 = self.dark2(self.stem(x))
        x3 = self.dark3(x2)
        x4 = self.dark4(x3)
        return x3, x4, self.dark5(x4)


class YOLOX(nn.Module):
    """CSPDarknet + YOLOPAFPN + YOLOXHead; forward returns the export layout (decode_in_inference=False)."""

    def __init__(self, base=8, depth=1, prior_prob=0.01):
        super().__init__()
        c3, c4, c5 = base * 4, base * 8, base * 16
        self.backbone = CSPDarknet(base, depth)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.lateral_conv0 = BaseConv(c5, c4, 1)
        self.C3_p4 = CSPLayer(2 * c4, c4, depth, False)
        self.reduce_conv1 = BaseConv(c4, c3, 1)
        self.C3_p3 = CSPLayer(2 * c3, c3, depth, False)
        self.bu_conv2 = BaseConv(c3, c3, 3, 2)
        self.C3_n3 = CSPLayer(2 * c3, c4, depth, False)
        self.bu_conv1 = BaseConv(c4, c4, 3, 2)
        self.C3_n4 = CSPLayer(2 * c4, c5, depth, False)
        width = c3
        self.stems = nn.ModuleList([BaseConv(c, width, 1) for c in (c3, c4, c5)])
        self.cls_convs = nn.ModuleList([self.branch(width) for _ in range(3)])
        self.reg_convs = nn.ModuleList([self.branch(width) for _ in range(3)])
        self.cls_preds = nn.ModuleList([nn.Conv2d(width, NUM_CLASSES, 1) for _ in range(3)])
        self.reg_preds = nn.ModuleList([nn.Conv2d(width, 4, 1) for _ in range(3)])
        self.obj_preds = nn.ModuleList([nn.Conv2d(width, 1, 1) for _ in range(3)])
        prior = -math.log((1 - prior_prob) / prior_prob)  # YOLOXHead.initialize_biases
        with torch.no_grad():
            for conv in [*self.cls_preds, *self.obj_preds]:
                conv.bias.fill_(prior)

    @staticmethod
    def branch(width):
        return nn.Sequential(BaseConv(width, width, 3), BaseConv(width, width, 3))

    def forward(self, x):
        x2, x1, x0 = self.backbone(x)
        fpn_out0 = self.lateral_conv0(x0)
        f_out0 = self.C3_p4(torch.cat([self.upsample(fpn_out0), x1], 1))
        fpn_out1 = self.reduce_conv1(f_out0)
        pan_out2 = self.C3_p3(torch.cat([self.upsample(fpn_out1), x2], 1))
        pan_out1 = self.C3_n3(torch.cat([self.bu_conv2(pan_out2), fpn_out1], 1))
        pan_out0 = self.C3_n4(torch.cat([self.bu_conv1(pan_out1), fpn_out0], 1))
        outputs = []
        for k, feature in enumerate((pan_out2, pan_out1, pan_out0)):
            feature = self.stems[k](feature)
            cls_feat, reg_feat = self.cls_convs[k](feature), self.reg_convs[k](feature)
            reg, obj, cls = self.reg_preds[k](reg_feat), self.obj_preds[k](reg_feat), self.cls_preds[k](cls_feat)
            out = torch.cat([reg, obj.sigmoid(), cls.sigmoid()], 1)
            outputs.append(out.flatten(start_dim=2))
        return torch.cat(outputs, dim=2).permute(0, 2, 1)


class ScaleNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.scale = dim**-0.5
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1))

    def forward(self, x):
        norm = torch.linalg.norm(x, dim=-1, keepdim=True) * self.scale
        return x / norm.clamp(min=self.eps) * self.g


class GatedAttentionUnit(nn.Module):
    """RTMCCBlock's GAU (single head, squared-ReLU attention over the keypoint tokens)."""

    def __init__(self, tokens, dim, expansion=2, s=128):
        super().__init__()
        self.e, self.s = int(dim * expansion), s
        self.ln = ScaleNorm(dim)
        self.uv = nn.Linear(dim, 2 * self.e + s, bias=False)
        self.gamma = nn.Parameter(torch.rand((2, s)))
        self.beta = nn.Parameter(torch.rand((2, s)))
        self.o = nn.Linear(self.e, dim, bias=False)
        self.res_scale = nn.Parameter(torch.ones(dim))
        self.tokens = tokens

    def forward(self, x):
        u, v, base = torch.split(nn.functional.silu(self.uv(self.ln(x))), [self.e, self.e, self.s], dim=2)
        base = base.unsqueeze(2) * self.gamma[None, None, :] + self.beta
        q, k = base[:, :, 0], base[:, :, 1]
        kernel = torch.square(nn.functional.relu(torch.bmm(q, k.permute(0, 2, 1)) / math.sqrt(self.s)))
        return x * self.res_scale + self.o(u * torch.bmm(kernel, v))


class RTMPoseTiny(nn.Module):
    def __init__(self, base=16, hidden=64):
        super().__init__()
        layers, cin = [], 3
        for cout in (base, base * 2, base * 4, base * 8, base * 8):  # stride 32: 384 x 288 -> 12 x 9
            layers += [BaseConv(cin, cout, 3, 2), CSPLayer(cout, cout, 1)]
            cin = cout
        self.backbone = nn.Sequential(*layers)
        self.final_layer = nn.Conv2d(cin, KEYPOINTS, 7, 1, 3)
        flat = (POSE_SIZE[0] // 32) * (POSE_SIZE[1] // 32)
        self.mlp = nn.Sequential(ScaleNorm(flat), nn.Linear(flat, hidden, bias=False))
        self.gau = GatedAttentionUnit(KEYPOINTS, hidden)
        self.cls_x = nn.Linear(hidden, POSE_SIZE[1] * 2, bias=False)  # simcc_split_ratio 2.0
        self.cls_y = nn.Linear(hidden, POSE_SIZE[0] * 2, bias=False)

    def forward(self, x):
        feats = self.final_layer(self.backbone(x)).flatten(2)
        feats = self.gau(self.mlp(feats))
        return self.cls_x(feats), self.cls_y(feats)


def build(kit):
    torch.manual_seed(kit.generator.initial_seed())
    detector = YOLOX().eval()
    images = torch.rand(1, 3, 640, 640) * 255
    with torch.no_grad():
        assert tuple(detector(images).shape) == (1, 8400, NUM_CLASSES + 5)
        torch.onnx.export(
            detector,
            (images,),
            kit.path("bbox_detector"),
            input_names=["images"],
            output_names=["output"],
            opset_version=11,
            dynamo=False,
        )
    pose = RTMPoseTiny().eval()
    batch = torch.randn(5, 3, *POSE_SIZE)
    with torch.no_grad():
        traced = torch.jit.trace(pose, batch)
        simcc_x, simcc_y = traced(batch)
    assert tuple(simcc_x.shape) == (5, KEYPOINTS, POSE_SIZE[1] * 2), simcc_x.shape
    assert tuple(simcc_y.shape) == (5, KEYPOINTS, POSE_SIZE[0] * 2), simcc_y.shape
    torch.jit.save(traced, kit.path("pose_estimator"))

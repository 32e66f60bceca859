"""Face restoration with GFPGAN 1.4 (the GFPGANv1Clean network) on 512 x 512 FFHQ-aligned crops.

The network, its weight loading (`params_ema`, strict) and the pre/post-processing are GFPGANer's; the
crops come already aligned from our landmarks, which is GFPGANer's `has_aligned=True` path. GFPGANer's own
constructor is not used because it downloads two helper networks (RetinaFace-R50, ParseNet) that the
aligned path never runs.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..torch_compat import ensure_gfpgan_importable
from .errors import ModelFileError


class GfpganRestorer:
    """GFPGAN v1.4 restorer; `restore(crop_rgb_512, weight)` returns the restored RGB crop."""

    size = 512

    def __init__(self, model_path: Path, device: str = "cpu") -> None:
        ensure_gfpgan_importable()
        import torch
        from gfpgan.archs.gfpganv1_clean_arch import GFPGANv1Clean

        self.torch = torch
        self.device = torch.device(device)
        with torch.device("meta"):  # no random init of 87 M parameters: the checkpoint's tensors are assigned below
            self.net = GFPGANv1Clean(
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
        try:
            checkpoint = torch.load(str(model_path), map_location="cpu", weights_only=True, mmap=True)
            key = "params_ema" if "params_ema" in checkpoint else "params"
            self.net.load_state_dict(checkpoint[key], strict=True, assign=True)
        except Exception as exc:  # noqa: BLE001 - torch.load raises many types (unpickling, zip, size mismatch)
            raise ModelFileError(
                f"{model_path} is not a GFPGAN v1.4 (GFPGANv1Clean) checkpoint: "
                f"{str(exc).splitlines()[0][:160]}; download GFPGANv1.4.pth again."
            ) from None
        self.net.eval().to(self.device)
        self._lock = threading.Lock()

    def restore(self, crop_rgb: np.ndarray, weight: float = 0.5) -> np.ndarray:
        torch = self.torch
        tensor = torch.from_numpy(np.ascontiguousarray(crop_rgb)).permute(2, 0, 1).float().div_(255.0)
        tensor = tensor.sub_(0.5).div_(0.5).unsqueeze(0).to(self.device)
        with self._lock, torch.inference_mode():
            output = self.net(tensor, return_rgb=False, weight=weight)[0]
            output = output.squeeze(0).float().clamp(-1, 1).add(1).div(2).mul(255.0).round()
            return output.permute(1, 2, 0).to(torch.uint8).cpu().numpy()

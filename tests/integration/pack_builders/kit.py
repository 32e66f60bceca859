"""What every tiny-model builder shares; imported only in ComfyUI's venv (child process)."""

import os

import comfy.ops
import torch
from safetensors.torch import save_file

NOTE = {"inkframe": "random-weight test file of a model format's architecture; never a real model"}


class Kit:
    def __init__(self, comfy_path: str, out_dir: str, packs_root: str, files: dict[str, str], seed: int) -> None:
        self.comfy_path = comfy_path
        self.out_dir = out_dir
        self.packs_root = packs_root
        self.files = files
        self.generator = torch.Generator().manual_seed(seed)
        self.ops = comfy.ops.disable_weight_init

    def pack_path(self, name: str) -> str:
        """A pack's checkout (put it on sys.path to import its classes)."""
        return os.path.join(self.packs_root, name)

    def path(self, role: str) -> str:
        """Where the file of `role` goes (its folder is made)."""
        path = os.path.join(self.out_dir, self.files[role])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def randomise(self, module, std=0.02):
        """Seeded normal weights, zero biases, unit norm scales."""
        with torch.no_grad():
            for name, param in module.named_parameters():
                if name.endswith("bias"):
                    param.zero_()
                elif param.dim() == 1 and "norm" in name:
                    param.fill_(1.0)
                else:
                    param.copy_(torch.randn(param.shape, generator=self.generator) * std)
        return module

    def save(self, state, role):
        """`state` as fp16 safetensors at the file of `role`."""
        state = {
            k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous()
            for k, v in state.items()
        }
        save_file(state, self.path(role), metadata=NOTE)

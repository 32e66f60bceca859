"""Child-process entry, run with ComfyUI's Python: python run.py COMFY_PATH WHAT OUT_DIR SEED PACKS_ROOT FILES_JSON.

Builds the tiny files of one pack model kind (`build_<WHAT>.py`) into OUT_DIR; FILES_JSON maps role -> relative path.
"""

import importlib
import json
import os
import sys


def main() -> None:
    comfy_path, what, out_dir, seed, packs_root = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    files = json.loads(sys.argv[6])
    sys.argv = sys.argv[:1]
    sys.path.insert(0, comfy_path)
    sys.path.insert(1, os.path.dirname(os.path.abspath(__file__)))
    import torch

    torch.set_num_threads(2)
    import comfy.cli_args

    comfy.cli_args.args.cpu = True
    from kit import Kit

    kit = Kit(comfy_path=comfy_path, out_dir=out_dir, packs_root=packs_root, files=files, seed=seed)
    importlib.import_module(f"build_{what}").build(kit)


if __name__ == "__main__":
    main()

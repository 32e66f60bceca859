"""Builders of tiny random-weight model files for the node-pack live tests (see ../pack_fixtures.py).

Each `build_<what>.py` has a `build(kit)` that runs in a child process with ComfyUI's venv (`run.py` is the entry):
it may import ComfyUI's and the packs' classes. `kit.py` holds what every builder shares (seeded randomisation,
saving as fp16 safetensors with a note that the file is a test file).
"""

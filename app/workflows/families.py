"""Model families, and which of them a ComfyUI backend has, judged from its model files (pure: no IO).

A family is one way of making pictures or clips with its own graph shape: SD1.5, SDXL (eps or v-prediction),
Flux.1 (dev, schnell, Kontext), Qwen-Image (+ Edit-2509), Wan 2.2 (TI2V-5B, 14B image-to-video,
first/last-frame, Fun Control). A backend has a family when every part the family's graph loads is among its
model files: the choice lists of its loader nodes in /object_info (checkpoints, diffusion_models, text_encoders,
vae), matched by file name. The folder matters: a Flux file among `checkpoints` is an all-in-one checkpoint
(model + text encoders + VAE) while among `diffusion_models` it needs its encoders and VAE beside it.

File names are what ComfyUI users keep (the official repackaged names and the community's usual
spellings); a file that names no family is reported as unclassified, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FamilyKind = Literal["image", "edit", "video"]
Folder = Literal["checkpoints", "diffusion_models", "text_encoders", "vae", "controlnet", "ipadapter", "clip_vision"]

# Which loader input lists which folder (stock ComfyUI nodes; the first found wins, the rest add names).
FOLDER_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "checkpoints": (
        ("CheckpointLoaderSimple", "ckpt_name"),
        ("CheckpointLoader", "ckpt_name"),
        ("ImageOnlyCheckpointLoader", "ckpt_name"),
    ),
    "diffusion_models": (("UNETLoader", "unet_name"),),
    "text_encoders": (("CLIPLoader", "clip_name"), ("DualCLIPLoader", "clip_name1"), ("DualCLIPLoader", "clip_name2")),
    "vae": (("VAELoader", "vae_name"),),
    # optional parts: an SDXL sheet's OpenPose ControlNet, SDXL IPAdapter (ComfyUI_IPAdapter_plus) files
    "controlnet": (("ControlNetLoader", "control_net_name"),),
    "ipadapter": (("IPAdapterModelLoader", "ipadapter_file"),),
    "clip_vision": (("CLIPVisionLoader", "clip_name"),),
}
OPTIONAL_FOLDERS = ("controlnet", "ipadapter", "clip_vision")


@dataclass(frozen=True)
class Part:
    """One file a family's graph loads: its folder and the file-name pattern (lower-case, base name)."""

    role: str
    folder: Folder
    pattern: str
    exclude: str | None = None
    prefer: str | None = None  # among several matches, names matching this come first (default_files)

    def matches(self, name: str) -> bool:
        base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return re.search(self.pattern, base) is not None and not (self.exclude and re.search(self.exclude, base))


@dataclass(frozen=True)
class Family:
    id: str
    label: str
    kind: FamilyKind
    base: str  # the architecture the family's LoRAs and workflows belong to
    layouts: tuple[tuple[Part, ...], ...]  # any one complete layout is enough
    notes: str = ""


@dataclass
class FamilyMatch:
    family: Family
    files: dict[str, list[str]] = field(default_factory=dict)  # role -> matching file names of the layout found

    @property
    def default_files(self) -> dict[str, str]:
        """One file per role: the first match in the backend's (sorted) list, preferred names first."""
        parts = {part.role: part for layout in self.family.layouts for part in layout}
        chosen = {}
        for role, names in self.files.items():
            prefer = parts[role].prefer if role in parts else None
            ranked = sorted(names, key=lambda n: not (prefer and re.search(prefer, n.lower())))
            chosen[role] = ranked[0]
        return chosen


@dataclass
class BackendFamilies:
    present: dict[str, FamilyMatch]  # family id -> the files that make it
    partial: dict[str, list[str]]  # family id -> the roles still missing (a main model file is there)
    unclassified: dict[str, list[str]]  # folder -> model files that name no family
    optional: dict[str, list[str]] = field(default_factory=dict)  # OPTIONAL_FOLDERS -> their files

    @property
    def controlnets(self) -> list[str]:
        return self.optional.get("controlnet", [])

    def sentence(self, family_id: str) -> str:
        """One sentence saying whether the backend has a family, and what is missing if not."""
        family = FAMILIES[family_id]
        if family_id in self.present:
            return f"{family.label} is available."
        if family_id in self.partial:
            missing = ", ".join(self.partial[family_id])
            return f"{family.label} is incomplete on this backend: it lacks the {missing} file(s)."
        return f"{family.label} is not on this backend: no model file names it."


# -- file-name patterns -------------------------------------------------------------------------------------
_XL = r"(sdxl|sd_xl|(^|[^a-z])xl([^a-z]|$)|xl[_-]?v?\d|illustrious|noobai|noob|pony|animagine|juggernautxl|ponyxl)"
_VPRED = r"(v[-_]?pred|vpred|v_prediction|eps2vpred)"
_SD15 = r"(v1-5|sd15|sd_15|sd-1[._-]?5|sd1[._]5|sd_v1|v1_5|stable[-_]?diffusion[-_]?v?1[._-]?5)"
_FLUX = r"flux(\.|[-_])?1|flux"
_T5 = r"t5[-_]?(v1_1[-_]?)?xxl|t5xxl|(^|[^u])t5[-_]"
_CLIP_L = r"(^|[^a-z])clip[-_]?l([^a-z]|$)|clip_l"
_UMT5 = r"umt5"
_QWEN_TE = r"qwen[-_]?2[._]?5[-_]?vl|qwen25[-_]?vl|qwen2\.5"

SD15 = Family(
    "sd15", "Stable Diffusion 1.5", "image", "sd15", ((Part("checkpoint", "checkpoints", _SD15, exclude=_XL),),)
)
SDXL = Family(
    "sdxl",
    "SDXL (eps)",
    "image",
    "sdxl",
    ((Part("checkpoint", "checkpoints", _XL, exclude=_VPRED + r"|refiner"),),),
    notes="Illustrious, NoobAI (eps), Pony, Animagine and other SDXL fine-tunes",
)
SDXL_VPRED = Family(
    "sdxl_vpred",
    "SDXL v-prediction",
    "image",
    "sdxl",
    ((Part("checkpoint", "checkpoints", rf"(?=.*{_VPRED})(?=.*{_XL})"),),),
    notes="v-prediction SDXL checkpoints (NoobAI-XL v-pred, Illustrious v-pred); ComfyUI reads v_pred from the file",
)
FLUX_PARTS = (
    Part("clip_l", "text_encoders", _CLIP_L),
    Part("t5", "text_encoders", _T5),
    Part("vae", "vae", r"^ae\.|flux.*vae|(^|[^a-z])taef1|ae\.sft"),
)


def _flux(id_: str, label: str, kind: FamilyKind, include: str, exclude: str) -> Family:
    model = rf"(?=.*({_FLUX}))(?=.*{include})" if include else rf"({_FLUX})"
    return Family(
        id_,
        label,
        kind,
        "flux1",
        (
            (Part("unet", "diffusion_models", model, exclude=exclude), *FLUX_PARTS),  # what the built-ins load
            (Part("checkpoint", "checkpoints", model, exclude=exclude),),
        ),
    )


_FLUX_VARIANTS = r"schnell|kontext|fill|canny|depth|redux|krea"
FLUX_DEV = _flux("flux1_dev", "Flux.1 dev", "image", "", _FLUX_VARIANTS)
FLUX_SCHNELL = _flux("flux1_schnell", "Flux.1 schnell", "image", "schnell", r"kontext")
FLUX_KONTEXT = _flux("flux1_kontext", "Flux.1 Kontext dev (reference editing)", "edit", "kontext", r"schnell")
_QWEN_VAE = r"qwen[-_]?image.*vae|qwen.*vae|wan[-_]?2[._]?1[-_]?vae"  # Qwen-Image's VAE is the Wan 2.1 VAE
QWEN_PARTS = (Part("text_encoder", "text_encoders", _QWEN_TE), Part("vae", "vae", _QWEN_VAE))
QWEN_IMAGE = Family(
    "qwen_image",
    "Qwen-Image",
    "image",
    "qwen_image",
    ((Part("unet", "diffusion_models", r"qwen[-_]?image", exclude=r"edit|controlnet|lora"), *QWEN_PARTS),),
)
QWEN_EDIT = Family(
    "qwen_image_edit_2509",
    "Qwen-Image-Edit-2509 (reference editing, up to 3 images)",
    "edit",
    "qwen_image",
    (
        (
            Part("unet", "diffusion_models", r"qwen[-_]?image[-_]?edit[-_]?2509"),
            Part("text_encoder", "text_encoders", _QWEN_TE, prefer=r"[-_]vl[-_.]"),
            QWEN_PARTS[1],
        ),
    ),
)
WAN_TE = Part("text_encoder", "text_encoders", _UMT5)
WAN21_VAE = Part("vae", "vae", r"wan[-_]?2[._]?1[-_]?vae|wan_2\.1_vae")
_WAN22 = r"wan[-_]?2[._]?2"
WAN22_5B = Family(
    "wan22_ti2v_5b",
    "Wan 2.2 TI2V 5B (text/image to video)",
    "video",
    "wan22_5b",
    (
        (
            Part("unet", "diffusion_models", rf"(?=.*{_WAN22})(?=.*ti2v)(?=.*5b)"),
            WAN_TE,
            Part("vae", "vae", rf"{_WAN22}[-_]?vae"),
        ),
    ),
)


def _wan14(id_: str, label: str, what: str, notes: str = "") -> Family:
    return Family(
        id_,
        label,
        "video",
        "wan22_14b",
        (
            (
                Part(
                    "unet_high_noise", "diffusion_models", rf"(?=.*{_WAN22})(?=.*{what})(?=.*high[-_]?noise)(?=.*14b)"
                ),
                Part("unet_low_noise", "diffusion_models", rf"(?=.*{_WAN22})(?=.*{what})(?=.*low[-_]?noise)(?=.*14b)"),
                WAN_TE,
                WAN21_VAE,
            ),
        ),
        notes,
    )


WAN22_I2V = _wan14("wan22_i2v_14b", "Wan 2.2 14B image to video", r"(^|[^a-z])i2v")
WAN22_FLF2V = _wan14(
    "wan22_flf2v_14b",
    "Wan 2.2 14B first/last frame to video",
    r"(^|[^a-z])i2v",
    notes="the 14B image-to-video models with WanFirstLastFrameToVideo",
)
WAN22_FUN_CONTROL = _wan14("wan22_fun_control_14b", "Wan 2.2 14B Fun Control (pose-driven video)", r"fun[-_]?control")

FAMILIES: dict[str, Family] = {
    f.id: f
    for f in (
        SD15,
        SDXL,
        SDXL_VPRED,
        FLUX_DEV,
        FLUX_SCHNELL,
        FLUX_KONTEXT,
        QWEN_IMAGE,
        QWEN_EDIT,
        WAN22_5B,
        WAN22_I2V,
        WAN22_FLF2V,
        WAN22_FUN_CONTROL,
    )
}


def model_files(object_info: Mapping[str, Any]) -> dict[str, list[str]]:
    """Folder -> sorted file names, read from the loader nodes' choice lists in /object_info."""
    files: dict[str, list[str]] = {}
    for folder, sources in FOLDER_SOURCES.items():
        names: set[str] = set()
        for node, input_name in sources:
            spec = (((object_info.get(node) or {}).get("input") or {}).get("required") or {}).get(input_name)
            if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], (list, tuple)):
                names.update(str(name) for name in spec[0])
        files[folder] = sorted(names)
    return files


def detect_families(files_or_object_info: Mapping[str, Any]) -> BackendFamilies:
    """Which families a backend has: pass its /object_info, or {folder: [file names]}."""
    files = (
        dict(files_or_object_info)
        if set(files_or_object_info) <= set(FOLDER_SOURCES)
        else model_files(files_or_object_info)
    )
    present: dict[str, FamilyMatch] = {}
    partial: dict[str, list[str]] = {}
    claimed: dict[str, set[str]] = {folder: set() for folder in FOLDER_SOURCES}
    for family in FAMILIES.values():
        best_missing: list[str] | None = None
        for layout in family.layouts:
            found = {part.role: [n for n in files.get(part.folder, []) if part.matches(n)] for part in layout}
            missing = [part.role for part in layout if not found[part.role]]
            if not missing:
                present[family.id] = FamilyMatch(family, found)
                best_missing = None
                break
            if found[layout[0].role] and (best_missing is None or len(missing) < len(best_missing)):
                best_missing = missing  # the main model is there, parts are not
        if family.id not in present and best_missing:
            partial[family.id] = best_missing
        for layout in family.layouts:
            for part in layout:
                claimed[part.folder].update(n for n in files.get(part.folder, []) if part.matches(n))
    unclassified = {
        folder: [n for n in names if n not in claimed.get(folder, set())]
        for folder, names in files.items()
        if folder in ("checkpoints", "diffusion_models")
    }
    optional = {folder: list(files.get(folder, [])) for folder in OPTIONAL_FOLDERS}
    return BackendFamilies(present, partial, {k: v for k, v in unclassified.items() if v}, optional)


def pool_families(backends: list[BackendFamilies]) -> BackendFamilies:
    """The families a pool of backends has between them: a family present on any backend, with the files of the
    first backend that has it (placement then sends its workflow to backends holding those files); partial only
    where no backend has it whole."""
    present: dict[str, FamilyMatch] = {}
    partial: dict[str, list[str]] = {}
    unclassified: dict[str, list[str]] = {}
    optional: dict[str, set[str]] = {folder: set() for folder in OPTIONAL_FOLDERS}
    for backend in backends:
        for folder, names in backend.optional.items():
            optional.setdefault(folder, set()).update(names)
        for family_id, match in backend.present.items():
            present.setdefault(family_id, match)
        for family_id, missing in backend.partial.items():
            if family_id not in partial or len(missing) < len(partial[family_id]):
                partial[family_id] = missing
        for folder, names in backend.unclassified.items():
            unclassified[folder] = sorted({*unclassified.get(folder, []), *names})
    ordered = {family_id: present[family_id] for family_id in FAMILIES if family_id in present}
    incomplete = {k: v for k, v in partial.items() if k not in present}
    return BackendFamilies(ordered, incomplete, unclassified, {k: sorted(v) for k, v in optional.items()})


def default_family(backend: BackendFamilies, kind: FamilyKind = "image", preferred: tuple[str, ...] = ()) -> str | None:
    """The family to use when the user names none: the first preferred one present, else the first of this kind
    in FAMILIES order (older, lighter families first), else None."""
    for family_id in (*preferred, *FAMILIES):
        if family_id in backend.present and FAMILIES[family_id].kind == kind:
            return family_id
    return None

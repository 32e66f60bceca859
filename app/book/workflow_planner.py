"""`WorkflowPlanner`: how a GenerationRequest becomes a built-in workflow run (which workflow, parameters, images
and optional nodes: LoRA loader, IPAdapter pair, a model family's own per app/book/family_plan.py). `ComfyBackend` and
the queue's `QueuePanelBackend` both plan with it."""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..workflows.families import BackendFamilies
from .backend import GenerationRequest
from .errors import BookError
from .family_plan import plan_family

IPADAPTER_NODES = ("IPAdapterUnifiedLoader", "IPAdapter")

IPADAPTER_INSTALL = "comfy node install comfyui_ipadapter_plus"
EXTRA_LORAS = "_extra_loras"  # params key: LoRAs beyond the workflow's one slot, chained after it
BY_NODE_TYPE = "_by_node_type"  # params key: {class_type: {input: value}} set on every node of that type


class WorkflowPlanner:
    """How a GenerationRequest becomes a built-in workflow run: which workflow, parameters, images and optional
    nodes. Subclasses say what the backend offers (`capabilities()`, `loras()`)."""

    def capabilities(self) -> dict[str, str]:
        raise NotImplementedError

    def loras(self) -> list[str]:
        raise NotImplementedError

    def families(self) -> BackendFamilies | None:  # the backend's model families (None: unknown, SD1.5 built-ins)
        return None

    def declared(self, workflow: str) -> set[str]:  # a built-in workflow's parameter names
        return set()

    def _plan(
        self, request: GenerationRequest
    ) -> tuple[str, dict[str, Any], dict[str, Image.Image], set[str], tuple[int, int], list[str]]:
        """(workflow, parameters, images, node types / titles to enable, size, notes) for a request."""
        family = plan_family(request, self.families(), self.declared)
        if family is not None:  # a model family's workflow (app/book/family_plan.py)
            if request.loras and "lora" in self.declared(family.workflow):
                family.enable |= self._choose_lora(request, family.params, family.notes)
            return (
                family.workflow,
                family.params,
                family.images,
                family.enable,
                (request.width, request.height),
                family.notes,
            )
        notes: list[str] = []
        params: dict[str, Any] = {"prompt": request.positive, "negative_prompt": request.negative, "seed": request.seed}
        if request.steps is not None:
            params["steps"] = request.steps
        if request.cfg is not None:
            params["cfg"] = request.cfg
        if request.checkpoint:
            params["checkpoint"] = request.checkpoint
        enable: set[str] = set()
        images: dict[str, Image.Image] = {}
        if request.workflow == "img2img_restyle":
            if request.init_image is None:
                raise BookError("an img2img panel needs its source picture (the location plate crop).")
            images["image"] = request.init_image
            params["restyle_strength"] = request.strength if request.strength is not None else 0.6
        if request.workflow == "panel":
            enable |= self._choose_lora(request, params, notes)
            if request.references:
                reason = self.capabilities()["ipadapter"]
                if reason:
                    notes.append(f"IPAdapter not used: {reason}")
                else:
                    enable |= set(IPADAPTER_NODES)
                    images["reference_image"] = Image.open(request.references[0]).convert("RGB")
        elif request.loras:
            notes.append(
                f"the {request.workflow} workflow has no LoRA loader; "
                f"{', '.join(lora.name for lora in request.loras)} not applied."
            )
        if request.references and request.workflow != "panel":
            notes.append(
                f"the {request.workflow} workflow has no IPAdapter; references are used by the identity gate only."
            )
        return request.workflow, params, images, enable, (request.width, request.height), notes

    def _choose_lora(self, request: GenerationRequest, params: dict[str, Any], notes: list[str]) -> set[str]:
        if not request.loras:
            return set()
        installed = self.loras()
        usable = [lora for lora in request.loras if lora.name in installed]
        for lora in request.loras:
            if lora.name not in installed:
                notes.append(f"LoRA {lora.name} ({lora.source}) is not in this ComfyUI's models/loras; not applied.")
        if not usable:
            return set()
        params["lora"], params["lora_strength"] = usable[0].name, usable[0].weight
        params[EXTRA_LORAS] = [(lora.name, lora.weight) for lora in usable[1:]]
        return {"LoraLoader"}

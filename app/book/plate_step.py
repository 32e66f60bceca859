"""The background step of the book build: a plate for every location a panel uses (the library's, a reference
redrawn in the book's style, or generated), made once per build and kept in OUT/locations/."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from PIL import Image

from ..comic.panel_images import cover_crop
from ..provenance import restyled
from ..provenance.stamping import stamp_output
from .backend import GenerationRequest, PanelBackend
from .build_types import BookContext, BuildEvent, BuildEventKind, BuildOptions, _family
from .library import Location, entry_id
from .plan import PanelRef, base_seed, panel_size, plate_size
from .state import BookState, StateStore, fingerprint
from .styles import StylePreset


class PlateStep:
    """BookBuilder's plate step (a mixin: BookBuilder holds the backend and on_event)."""

    backend: PanelBackend
    on_event: Callable[[BuildEvent], None]

    def _plates(
        self, context: BookContext, options: BuildOptions, store: StateStore, state: BookState
    ) -> dict[str, Image.Image]:
        """The plate of every location a panel uses: the library's plate.png; else its first reference image
        redrawn in the book's style (img2img_restyle, so the place looks like the photo); else generated from its
        prompt (background workflow). Made once per build and kept in OUT/locations/."""
        sizes: dict[str, list[tuple[int, int]]] = {}
        by_id: dict[str, Location] = {}
        for page, layout in zip(context.book.pages, context.layouts):
            for panel, slot in zip(page.panels, layout.slots):
                location = context.location_of.get(PanelRef(page.number, panel.number))
                if location is not None:
                    by_id[entry_id(location.name)] = location
                    sizes.setdefault(entry_id(location.name), []).append(panel_size(slot, max_side=options.max_side))
        plates: dict[str, Image.Image] = {}
        for key, location in by_id.items():
            if location.plate_path is not None and location.plate_path.is_file():
                plates[key] = Image.open(location.plate_path).convert("RGB")
                state.plates[key] = {"file": str(location.plate_path), "source": "library"}
                continue
            width, height = plate_size(sizes[key])
            seed = (
                location.seed
                if location.seed is not None
                else base_seed(context.book.title, PanelRef(0, 0)) ^ hash_text(key)
            )
            prompt = assemble_prompt_for_plate(context.style, location)
            references = location.reference_paths()
            source = cover_crop(Image.open(references[0]).convert("RGB"), (width, height)) if references else None
            request = GenerationRequest(
                workflow="img2img_restyle" if source else "background",
                positive=prompt[0],
                negative=prompt[1],
                seed=seed,
                width=width,
                height=height,
                steps=options.steps,
                cfg=options.cfg,
                checkpoint=options.checkpoint,
                init_image=source,
                strength=location.strength if source else None,
                family=_family(options, context.style, "img2img_restyle" if source else "background"),
            )
            print_key = fingerprint(
                {
                    **{k: v for k, v in request.__dict__.items() if k != "init_image"},
                    "reference": hashlib.sha256(source.tobytes()).hexdigest() if source else None,
                }
            )
            path = store.out / "locations" / f"{key}.png"
            known = state.plates.get(key, {})
            if known.get("fingerprint") == print_key and path.is_file():
                plates[key] = Image.open(path).convert("RGB")
                continue
            result = self.backend.generate(request)
            path.parent.mkdir(parents=True, exist_ok=True)
            result.image.save(path)
            stamp_output(path, restyled(references[0] if source else None, "location plate", seed=seed))  # C2PA
            plates[key] = result.image
            state.plates[key] = {
                "file": store.relative(path),
                "source": f"redrawn from {references[0].name}" if source else "generated",
                "seed": seed,
                "fingerprint": print_key,
                "prompt": prompt[0],
                "width": width,
                "height": height,
                "prompt_id": result.prompt_id,
            }
            plate = f"location plate {location.name}: {width}x{height}, seed {seed}"
            self.on_event(BuildEvent(BuildEventKind.PLATE, plate))
        return plates


def assemble_prompt_for_plate(style: StylePreset, location: Location) -> tuple[str, str]:
    from .prompts import join_fragments

    return (
        join_fragments(
            style.prompt, location.prompt or location.name, "wide establishing shot, detailed background, no humans"
        ),
        join_fragments(style.negative, location.negative, "person, people, character, crowd"),
    )


def hash_text(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")

"""Backend choice without a network: config -> backends, least-loaded pick, capability from recorded object_info."""

from __future__ import annotations

import pytest

from app.config import Config
from app.errors import InkframeError
from app.jobs.backends import BackendChoice, BackendPool, BackendSpec, backend_specs, describe_missing, parse_node_specs

PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
}


def test_specs_from_config_main_url_first_and_once():
    config = Config.model_validate(
        {
            "comfyui": {
                "url": "http://127.0.0.1:8188/",
                "backends": [{"name": "gpu1", "url": "http://10.0.0.2:8188", "max_concurrent": 2}],
            }
        }
    )
    assert backend_specs(config) == [
        BackendSpec("default", "http://127.0.0.1:8188", 1),
        BackendSpec("gpu1", "http://10.0.0.2:8188", 2),
    ]
    same = Config.model_validate(
        {"comfyui": {"url": "http://10.0.0.2:8188", "backends": [{"name": "gpu1", "url": "http://10.0.0.2:8188"}]}}
    )
    assert [spec.name for spec in backend_specs(same)] == ["gpu1"]
    twice = Config.model_validate(
        {"comfyui": {"backends": [{"name": "a", "url": "http://h:1"}, {"name": "a", "url": "http://h:2"}]}}
    )
    with pytest.raises(InkframeError, match="uses the name 'a' twice"):
        backend_specs(twice)


def pool_with(object_info_core, *states) -> BackendPool:
    pool = BackendPool(
        [BackendSpec(name, f"http://127.0.0.1:{9000 + i}", slots) for i, (name, slots, _, _) in enumerate(states)],
        client_factory=lambda spec: None,
    )
    for name, _slots, healthy, info in states:
        state = pool.state(name)
        state.healthy, state.object_info = healthy, info
        state.node_specs = parse_node_specs(info) if info is not None else None
    return pool


def test_least_loaded_pick_respects_slots(object_info_core):
    pool = pool_with(object_info_core, ("a", 1, True, object_info_core), ("b", 4, True, object_info_core))
    assert pool.pick(["a", "b"], {}) == "a"
    assert pool.pick(["a", "b"], {"a": 1}) == "b"
    assert pool.pick(["a", "b"], {"a": 0, "b": 1}) == "a"
    assert pool.pick(["a", "b"], {"a": 1, "b": 4}) is None
    assert pool.pick(["a", "b"], {}, avoid=frozenset({"a"})) == "b"  # where the job failed goes last among equals
    assert pool.pick(["a", "b"], {"b": 3}, avoid=frozenset({"a"})) == "a"  # but load still decides first


def test_capability_from_preflight_names_what_is_missing_where(object_info_core):
    lacking = {k: v for k, v in object_info_core.items() if k != "EmptyImage"}
    pool = pool_with(
        object_info_core,
        ("full", 1, True, object_info_core),
        ("partial", 1, True, lacking),
        ("down_known", 1, False, object_info_core),
        ("never", 1, False, None),
    )
    choice = pool.capable(PROMPT)
    able, waiting, missing = choice.able, choice.waiting, choice.missing
    assert able == ["full"] and waiting == ["down_known"]
    assert "EmptyImage" in missing["partial"][0] and missing["never"][0].startswith("down and never reached")
    pool = pool_with(object_info_core, ("partial", 1, True, lacking), ("never", 1, False, None))
    choice = pool.capable(PROMPT)
    able, waiting, missing = choice.able, choice.waiting, choice.missing
    assert (able, waiting) == ([], [])
    sentence = describe_missing(missing)
    assert sentence.startswith("no backend can run this job (partial: ") and "never: down and never reached" in sentence
    pool = pool_with(object_info_core, ("never", 1, False, None))
    assert pool.capable(PROMPT) == BackendChoice([], ["never"], {})  # nothing known yet: wait rather than fail


def test_a_library_workflow_is_converted_per_backend_and_judged_by_preflight(object_info_core):
    """The `panel` workflow against a recorded core-only ComfyUI without checkpoints: only the model is missing
    (its parameters ride on core nodes, so no node pack is needed)."""
    import copy

    from app.jobs.kinds import build_prompt
    from app.jobs.models import Job, now

    info = copy.deepcopy(object_info_core)
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][
        :
    ] = []  # other tests add files to the shared copy
    job = Job(id="j1", kind="workflow", parameters={"workflow": "panel"}, created_at=now(), updated_at=now())
    prompt = build_prompt(job, info)
    pool = pool_with(info, ("core", 1, True, info))
    choice = pool.capable(per_backend={"core": prompt})
    able, waiting, missing = choice.able, choice.waiting, choice.missing
    assert (able, waiting) == ([], [])
    assert len(missing["core"]) == 1 and "needs model v1-5-pruned-emaonly.safetensors" in missing["core"][0]
    assert describe_missing(missing).startswith("no backend can run this job (core: ")
    assert choice.without({"core": ["broken"]}).missing == {"core": ["broken"]}

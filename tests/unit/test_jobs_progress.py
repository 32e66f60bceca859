from app.comfy.events import ExecutingEvent, ProgressEvent
from app.jobs.models import Job, LiveProgress
from app.jobs.progress import ProgressFollower, eta_text, node_types

PROMPT = {"3": {"class_type": "KSampler", "inputs": {}}, "8": {"class_type": "VAEDecode", "inputs": {}}}


def steps(follower, values, *, every=1.0, node="3", maximum=10, start=100.0):
    return [
        follower.offer(ProgressEvent("p", node, value, maximum), at=start + i * every) for i, value in enumerate(values)
    ]


def test_each_step_of_a_slow_sampler_is_written_with_its_rate_and_time_left():
    follower = ProgressFollower(node_types(PROMPT))
    first, second, third = steps(follower, [1, 2, 3], every=0.5)
    assert first["progress_text"] == "KSampler (node 3) step 1/10"  # no rate yet from one step
    assert first["live"] == LiveProgress(step=1, steps=10, node="3", node_type="KSampler")
    assert second["live"].rate == 2.0 and second["live"].eta_s == 4.0
    assert second["progress_text"] == "KSampler (node 3) step 2/10 · about 4 s left"
    assert 0 < first["progress"] < second["progress"] < third["progress"] < 1


def test_a_fast_sampler_is_throttled_but_its_last_step_is_always_written():
    follower = ProgressFollower(write_every_s=0.25)
    written = [update for update in steps(follower, range(1, 11), every=0.01) if update]
    assert [u["live"].step for u in written] == [1, 10]
    assert written[-1]["progress"] == 0.95


def test_progress_never_goes_back_when_a_second_sampler_starts():
    follower = ProgressFollower()
    steps(follower, [10], maximum=10)
    again = follower.offer(ProgressEvent("p", "9", 1, 10), at=200.0)
    assert again["progress"] == 0.95 and again["live"].step == 1 and again["live"].rate is None


def test_a_node_start_moves_the_bar_off_zero_and_names_the_node():
    follower = ProgressFollower(node_types(PROMPT))
    update = follower.offer(ExecutingEvent("p", "8"), at=1.0)
    assert update == {"progress": 0.02, "progress_text": "running VAEDecode (node 8)"}
    assert follower.offer(ExecutingEvent("p", None), at=5.0) is None  # the end is the runner's business


def test_eta_text():
    assert (eta_text(None), eta_text(0.2), eta_text(42.4), eta_text(400)) == (
        "",
        "about 1 s left",
        "about 42 s left",
        "about 7 min left",
    )


def test_job_records_without_live_progress_still_load():
    job = Job.model_validate({"id": "a1", "kind": "prompt", "created_at": 1.0, "updated_at": 1.0})
    assert job.live is None
    assert (
        Job.model_validate_json(
            job.model_copy(update={"live": LiveProgress(step=2, steps=4)}).model_dump_json()
        ).live.step
        == 2
    )


def test_the_rate_counts_from_the_node_start_so_a_burst_of_late_events_does_not_inflate_it():
    follower = ProgressFollower(node_types(PROMPT), write_every_s=0)
    follower.offer(ExecutingEvent("p", "3"), at=0.0)
    follower.offer(ProgressEvent("p", "3", 1, 10), at=1.0)
    late = follower.offer(ProgressEvent("p", "3", 5, 10), at=1.1)  # four steps arriving at once
    assert late["live"].rate == 5 / 1.1 and round(late["live"].eta_s, 2) == 1.1


def test_once_the_steps_span_a_second_the_model_load_before_step_one_no_longer_counts():
    follower = ProgressFollower(write_every_s=0)
    follower.offer(ExecutingEvent("p", "3"), at=0.0)
    first = follower.offer(ProgressEvent("p", "3", 1, 10), at=6.0)  # 5 s loading the model, 1 s for step 1
    assert first["live"].rate == 1 / 6
    later = follower.offer(ProgressEvent("p", "3", 3, 10), at=8.0)
    assert later["live"].rate == 1.0 and later["live"].eta_s == 7.0

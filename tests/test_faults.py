"""Faults of a live show (issue 13), each as the operator meets it: what the stream and the replies say.

The other faults of that issue have their tests beside the part they touch: long lines (test_long_lines),
bounded state (test_bounded_state), requests at the door (test_protocol, test_config), CurveZMQ clients
(test_curve_clients), renders onto a full disk (test_render_files), a stop mid-take (test_cli_and_security).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from bridge.performer import VirtualClock
from bridge.pipeline import Pipeline, one_avatar
from bridge.protocol import Event, PingRequest
from bridge.sinks import Hub, Recorder
from bridge.synthesis import Synthesis
from bridge.timeline import VOICE_BUSY_S
from tests.fake_voice import FakeVoice


class HeldVoice:
    """The voice worker, run by the test: a job waits until `run_all` (a voice busy for as long as the test says)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[object], Callable[[], object]]] = []

    def submit(self, fn: Callable[..., object], *args: object) -> Future[object]:
        future: Future[object] = Future()
        self.jobs.append((future, lambda: fn(*args)))
        return future

    def run_all(self) -> None:
        while self.jobs:
            future, job = self.jobs.pop(0)
            try:
                future.set_result(job())
            except Exception as exc:
                future.set_exception(exc)


def held_pipeline() -> tuple[Pipeline, VirtualClock, HeldVoice, Recorder]:
    clock, worker, recorder = VirtualClock(10.0), HeldVoice(), Recorder()
    pipeline = one_avatar(FakeVoice(), Hub([recorder]), clock,
                          synthesis=Synthesis(thread=worker))  # type: ignore[arg-type]
    return pipeline, clock, worker, recorder


def play(pipeline: Pipeline, clock: VirtualClock, seconds: float) -> None:
    for _ in range(round(seconds * 60)):
        clock.t += 1 / 60
        pipeline.performer.tick(clock.t)


def voice_events(recorder: Recorder) -> list[Event]:
    return [m for m in recorder.messages if isinstance(m, Event) and m.type.startswith("voice_")]


def test_a_take_kept_waiting_by_the_voice_is_announced_busy_then_ready() -> None:
    pipeline, clock, worker, recorder = held_pipeline()
    take = pipeline.directors["host"].say("Hello there.")
    play(pipeline, clock, VOICE_BUSY_S - 0.2)
    assert voice_events(recorder) == []  # a short wait is normal synthesis, not news
    play(pipeline, clock, 0.4)
    [busy] = voice_events(recorder)
    assert (busy.type, busy.take, busy.data["reason"], busy.data["pieces"]) == ("voice_busy", take.id,
                                                                                "first_audio", 1)
    assert VOICE_BUSY_S <= busy.data["waiting_s"] < VOICE_BUSY_S + 0.05
    status = pipeline.directors["host"].timeline.voice_status(clock.t)
    assert status.busy and status.pieces == 1 and status.waiting_s >= VOICE_BUSY_S
    worker.run_all()
    play(pipeline, clock, 0.1)
    busy, ready = voice_events(recorder)
    assert (ready.type, ready.take) == ("voice_ready", take.id)
    assert ready.data["waited_s"] >= VOICE_BUSY_S + 0.2
    assert pipeline.directors["host"].timeline.voice_status(clock.t).busy is False


def test_audio_running_out_mid_take_is_an_underrun() -> None:
    pipeline, clock, worker, recorder = held_pipeline()
    director = pipeline.directors["host"]
    take = director.open_take()
    director.extend(take, "One.")
    worker.run_all()  # 0.5 s of audio for the first piece
    director.extend(take, "Two three.")  # the voice holds the second
    play(pipeline, clock, 0.5 + VOICE_BUSY_S + 0.2)
    [busy] = voice_events(recorder)
    assert busy.data["reason"] == "underrun"
    # The wait counts from where its audio ran out, not from when the take started.
    assert busy.pts - (take.start_pts + 0.5) >= VOICE_BUSY_S


def test_an_answer_waiting_for_its_words_is_not_a_busy_voice() -> None:
    # An open take with no text yet (an LLM still thinking) waits for words, not for the voice.
    pipeline, clock, _, recorder = held_pipeline()
    pipeline.directors["host"].open_take()
    play(pipeline, clock, VOICE_BUSY_S * 3)
    assert voice_events(recorder) == []


def test_ping_tells_a_busy_voice() -> None:
    from bridge.config import SidecarConfig
    from bridge.dialogue import DialogueService
    from bridge.requests import RequestHandler

    pipeline, clock, _, _ = held_pipeline()
    handler = RequestHandler(SidecarConfig(), pipeline.avatars, DialogueService.__new__(DialogueService), clock,
                             "testrun0")
    assert handler.ping(PingRequest(t_client=1.0))["voices"] == {"host": {"busy": False, "waiting_s": 0.0,
                                                                          "pieces": 0, "errors": 0,
                                                                          "last_error": None}}
    pipeline.directors["host"].say("A line the voice sits on.")
    play(pipeline, clock, VOICE_BUSY_S + 0.5)
    voices = handler.ping(PingRequest(t_client=1.0))["voices"]
    assert voices["host"]["busy"] is True and voices["host"]["pieces"] == 1
    assert voices["host"]["waiting_s"] >= VOICE_BUSY_S + 0.4

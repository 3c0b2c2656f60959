"""The synthesis scheduler: soonest due first across avatars, each take's clips in order, cut takes dropped, a failed
piece ending its take only, and worker processes that really run the voice (in a sidecar too)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest

from bridge.cli import main
from bridge.client import BridgeClient
from bridge.config import AvatarConfig, load_config
from bridge.performer import VirtualClock
from bridge.pipeline import Pipeline, build_pipeline
from bridge.protocol import AudioChunk, Event
from bridge.sinks import Hub, Recorder
from bridge.synthesis import Piece, Synthesis, VoiceRecipe, speak_in_worker
from models.dialogue.spec import SpecError
from models.face.drivers import SpeechClip
from tests.conftest import start_sidecar, stop_sidecar
from tests.fake_voice import FakeVoice


class HeldWorkers:
    """The thread lane's executor, run by the test: jobs wait until it finishes them, in the order it is told."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Future[object], Callable[..., object], tuple[object, ...]]] = []
        self.ran: list[tuple[str, str]] = []  # (avatar's voice name, piece text) in the order run

    def submit(self, fn: Callable[..., object], *args: object) -> Future[object]:
        future: Future[object] = Future()
        self.jobs.append((future, fn, args))
        return future

    def run(self, index: int = 0) -> None:
        future, fn, args = self.jobs.pop(index)
        voice, _, piece = args
        self.ran.append((voice.name, piece.text))  # type: ignore[attr-defined]
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)

    def run_all(self) -> None:
        while self.jobs:
            self.run()


class Delivered:
    """The event loop's `post`, run at once, noting each clip delivered as (avatar, take, text)."""

    def __init__(self) -> None:
        self.clips: list[tuple[str, str, str]] = []

    def __call__(self, fn: Callable[..., object], *args: object) -> None:
        if len(args) == 2 and isinstance(args[1], SpeechClip):
            take, clip = args
            self.clips.append((take.avatar, take.id, clip.segment.text))  # type: ignore[attr-defined]
        fn(*args)


def held(avatars: int, width: int = 1, fail_on: str | None = None) -> tuple[Pipeline, HeldWorkers, Delivered]:
    workers, post = HeldWorkers(), Delivered()
    synthesis = Synthesis(thread=workers, threads=width)  # type: ignore[arg-type]
    configs = [AvatarConfig(f"a{i}") for i in range(avatars)]
    voices = {c.name: FakeVoice(name=c.name, fail_on=fail_on) for c in configs}
    pipeline = build_pipeline(configs, lambda c: voices[c.name], Hub([Recorder()]), VirtualClock(10.0),
                              synthesis=synthesis, post=post)
    return pipeline, workers, post


LINE = "One two three. Four five six. Seven eight nine."


def test_every_avatars_first_piece_goes_before_anyones_second() -> None:
    pipeline, workers, _ = held(16)
    for director in pipeline.directors.values():
        director.say(LINE)
    workers.run_all()
    assert len(workers.ran) == 16 * 3
    assert [text for _, text in workers.ran[:16]] == ["One two three."] * 16
    assert {name for name, _ in workers.ran[:16]} == set(pipeline.directors)
    assert [text for _, text in workers.ran[16:32]] == ["Four five six."] * 16


def test_a_line_due_sooner_goes_before_a_later_sentence_given_earlier() -> None:
    pipeline, workers, _ = held(2)
    first, second = pipeline.directors["a0"], pipeline.directors["a1"]
    first.say(LINE)  # its first sentence goes to the worker at once; its second is due when that has been heard
    second.say("Hello there.")  # due now
    workers.run_all()
    # First in, first out would have said a0's whole line first.
    assert workers.ran == [("a0", "One two three."), ("a1", "Hello there."), ("a0", "Four five six."),
                           ("a0", "Seven eight nine.")]


def test_a_takes_pieces_go_one_at_a_time_in_order_while_other_takes_go_beside_it() -> None:
    pipeline, workers, post = held(2, width=3)
    take = pipeline.directors["a0"].say(LINE)
    pipeline.directors["a1"].say("Hello there. How are you?")
    assert sorted(job[2][2].text for job in workers.jobs) == ["Hello there.", "One two three."]  # type: ignore[attr-defined]
    workers.run(1)  # a1's first finishes first
    workers.run_all()
    assert [text for avatar, _, text in post.clips if avatar == "a0"] == ["One two three.", "Four five six.",
                                                                          "Seven eight nine."]
    assert [text for avatar, _, text in post.clips if avatar == "a1"] == ["Hello there.", "How are you?"]
    assert take.synthesis_done and take.error is None
    assert pipeline.avatars["a0"].timeline.pieces == {}


def test_a_streamed_take_is_delivered_in_order_and_finishes_on_close() -> None:
    pipeline, workers, post = held(1)
    director = pipeline.directors["a0"]
    take = director.open_take()
    director.extend(take, "Hello there.")
    director.extend(take, "How are you? Fine.")
    director.close(take)
    assert not take.synthesis_done
    workers.run_all()
    assert [text for _, _, text in post.clips] == ["Hello there.", "How are you?", "Fine."]
    assert take.synthesis_done and take.error is None
    assert pipeline.avatars["a0"].timeline.pieces == {}


def test_a_cut_take_drops_its_pending_pieces() -> None:
    pipeline, workers, post = held(2)
    cut, other = pipeline.directors["a0"], pipeline.directors["a1"]
    take = cut.say(LINE)
    other.say("Hello there.")
    workers.run()  # a0's first sentence
    cut.interrupt()
    workers.run_all()
    assert workers.ran == [("a0", "One two three."), ("a1", "Hello there.")]
    assert take.cut_pts is not None
    assert [(avatar, text) for avatar, _, text in post.clips] == [("a0", "One two three."), ("a1", "Hello there.")]
    assert pipeline.avatars["a0"].timeline.pieces == {}


def test_a_failing_piece_ends_its_take_with_the_error_and_others_go_on() -> None:
    pipeline, workers, post = held(2, width=2, fail_on="Four")
    take = pipeline.directors["a0"].say(LINE)
    other = pipeline.directors["a1"].say("Hello there.")
    workers.run_all()
    assert take.synthesis_done and take.error is not None and "fails on 'Four five six.'" in take.error
    assert [(a, text) for a, _, text in post.clips] == [("a0", "One two three."), ("a1", "Hello there.")]
    assert other.synthesis_done and other.error is None
    assert pipeline.avatars["a0"].timeline.voice_errors == 1


def test_a_stopped_director_gets_nothing_more() -> None:
    pipeline, workers, post = held(1)
    pipeline.directors["a0"].say(LINE)
    workers.run()  # the first sentence is delivered, the second goes to the worker
    pipeline.stop()
    workers.run_all()
    assert [text for _, _, text in post.clips] == ["One two three."]
    assert workers.ran == [("a0", "One two three."), ("a0", "Four five six.")]  # the third never


def test_worker_processes_load_the_voice_and_speak() -> None:
    synthesis = Synthesis(processes=2, recipes=[VoiceRecipe(None)])
    try:
        pids = {future.result(timeout=120) for future in synthesis.start()}
        assert len(pids) == 2 and os.getpid() not in pids
        assert synthesis.processes is not None
        clips = synthesis.processes.executor.submit(speak_in_worker, VoiceRecipe(None), Piece("Hello there.")).result(
            timeout=60)
        threads = synthesis.processes.executor.submit(onnx_threads, VoiceRecipe(None)).result(timeout=60)
    finally:
        synthesis.shutdown()
    [clip] = clips
    assert clip.segment.text == "Hello there."
    assert [w.word for w in clip.segment.words] == ["Hello", "there"]
    assert clip.segment.duration > 0.3 and clip.mouth.values.shape[0] > 0
    assert threads == max(1, (os.cpu_count() or 1) // 2)  # two workers share the cores


def onnx_threads(recipe: VoiceRecipe) -> int:
    """In a worker process: the onnxruntime threads its copy of the voice runs with."""
    from bridge.synthesis import _voice_and_driver

    voice, _ = _voice_and_driver(recipe)
    return int(voice._voice.session.get_session_options().intra_op_num_threads)  # type: ignore[attr-defined]


def test_a_sidecar_with_two_voice_workers_speaks_for_several_avatars(tmp_path: Path) -> None:
    names = ["ana", "ben", "cai"]
    sidecar = start_sidecar(tmp_path, *(a for name in names for a in ("--avatar", name)), "--voice-workers", "2",
                            timeout=180)
    try:
        with BridgeClient(sidecar.control, sidecar.stream) as client:
            client.subscribe()
            time.sleep(0.3)
            takes = {client.say("Hello everyone, welcome to the show. It is good to see you.", avatar=name): name
                     for name in names}
            audio = dict.fromkeys(takes, 0)
            ended: set[str] = set()
            deadline = time.monotonic() + 90
            for message, _ in client.stream(timeout=5.0):
                take = getattr(message, "take", None)
                if isinstance(message, AudioChunk) and take in takes:
                    audio[take] += len(message.pcm)
                if isinstance(message, Event) and take in takes:
                    assert message.type != "error", message.data
                    if message.type == "take_ended":
                        ended.add(take)
                if ended == set(takes) or time.monotonic() > deadline:
                    break
        assert ended == set(takes)
        assert all(samples > 22050 for samples in audio.values())  # each said its line: over a second of audio
        children = Path(f"/proc/{sidecar.process.pid}/task/{sidecar.process.pid}/children").read_text().split()
        assert len(children) >= 2  # the voice workers (and the beat tracker) are processes of their own
    finally:
        stop_sidecar(sidecar)


@pytest.mark.parametrize("workers", ["0", "65"])
def test_voice_workers_out_of_range_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str], workers: str
                                                               ) -> None:
    assert main(["serve", "--voice-workers", workers]) == 2
    assert f"--voice-workers must be from 1 to 64 processes, got {workers}" in capsys.readouterr().err


def test_voice_workers_out_of_range_in_a_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "sidecar.yaml"
    path.write_text("voice_workers: 65\n")
    with pytest.raises(SpecError, match="voice_workers"):
        load_config(path)
    path.write_text("voice_workers: 3\n")
    assert load_config(path).voice_workers == 3

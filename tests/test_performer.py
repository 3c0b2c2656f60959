"""The performer on a virtual clock: audio and frames on one timeline, queueing, late clips, interrupts, a failing
voice.

The voice here is a test double with exactly known segments: the timing logic is the point, not the speech.
"""

from __future__ import annotations

import numpy as np
import pytest

from bridge.config import AvatarConfig
from bridge.director import Director
from bridge.performer import Performer, VirtualClock
from bridge.pipeline import build_pipeline
from bridge.protocol import AudioChunk, Event, FaceFrame, Phonemes
from bridge.sinks import Hub, Recorder
from models.face.arkit import INDEX
from models.face.drivers import PhonemeDriver
from tests.fake_voice import RATE, FakeVoice


def setup(lookahead: float = 0.1, voice: FakeVoice | None = None
          ) -> tuple[Performer, dict[str, Director], VirtualClock, Recorder]:
    recorder = Recorder()
    clock = VirtualClock(100.0)
    voice = voice or FakeVoice()
    pipeline = build_pipeline([AvatarConfig("host"), AvatarConfig("guest")], lambda config: voice, Hub([recorder]),
                              clock, frame_rate=60.0, lookahead=lookahead)
    return pipeline.performer, pipeline.directors, clock, recorder


def run(performer: Performer, clock: VirtualClock, seconds: float) -> None:
    for _ in range(int(seconds * performer.rate)):
        performer.tick(clock.t)
        clock.t += performer.period


def of(recorder: Recorder, kind: type, avatar: str = "host") -> list:
    return [m for m in recorder.messages if isinstance(m, kind) and m.avatar == avatar]


def test_audio_is_contiguous_and_frames_are_evenly_spaced() -> None:
    performer, directors, clock, recorder = setup()
    take = directors["host"].say("One. Two.")
    run(performer, clock, 1.5)
    audio = of(recorder, AudioChunk)
    assert sum(len(a.pcm) // 2 for a in audio) == RATE  # two sentences of 0.5 s
    for a, b in zip(audio, audio[1:], strict=False):
        assert b.pts == pytest.approx(a.pts + len(a.pcm) / 2 / RATE)
    assert audio[0].pts == pytest.approx(100.0 + 0.1)  # first sample at now + lookahead
    frames = of(recorder, FaceFrame)
    gaps = np.diff([f.pts for f in frames])
    assert np.allclose(gaps, 1 / 60)
    assert [f.seq for f in frames] == list(range(len(frames)))
    events = [(e.type, e.take) for e in of(recorder, Event)]
    assert events == [("take_started", take.id), ("take_ended", take.id)]
    ended = of(recorder, Event)[1]
    assert ended.pts == pytest.approx(audio[0].pts + 1.0)


def test_audio_is_published_lookahead_before_its_pts() -> None:
    performer, directors, clock, recorder = setup(lookahead=0.25)
    directors["host"].say("One.")
    published: list[tuple[float, AudioChunk]] = []  # (tick time, chunk published on that tick)
    for _ in range(40):
        before = len(recorder.messages)
        performer.tick(clock.t)
        published += [(clock.t, m) for m in recorder.messages[before:] if isinstance(m, AudioChunk)]
        clock.t += performer.period
    assert sum(len(chunk.pcm) // 2 for _, chunk in published) == RATE // 2  # every chunk of the 0.5 s was checked
    for now, chunk in published:
        # Out `lookahead` before its pts, within one tick: a client always holds about `lookahead` of audio.
        assert 0.25 - 1e-9 <= chunk.pts - now <= 0.25 + performer.period + 1e-9, (now, chunk.pts)


def test_mouth_closes_on_b_and_opens_on_a() -> None:
    performer, directors, clock, recorder = setup()
    directors["host"].say("One.")
    run(performer, clock, 1.0)
    start = of(recorder, Event)[0].pts
    frames = {round(f.pts - start, 4): f.weights for f in of(recorder, FaceFrame) if f.pts >= start}
    def at(t: float) -> tuple[float, ...]:
        return frames[min(frames, key=lambda k: abs(k - t))]
    assert at(0.15)[INDEX["mouthRollLower"]] > 0.75  # bilabial closure reached
    assert at(0.3)[INDEX["jawOpen"]] > 0.5  # open vowel
    assert at(0.3)[INDEX["mouthRollLower"]] < 0.2


def test_queued_take_follows_without_overlap() -> None:
    performer, directors, clock, recorder = setup()
    first = directors["host"].say("One.")
    second = directors["host"].say("Two.")
    run(performer, clock, 1.5)
    chunks = of(recorder, AudioChunk)
    first_end = max(a.pts + a.duration for a in chunks if a.take == first.id)
    second_start = min(a.pts for a in chunks if a.take == second.id)
    assert second_start == pytest.approx(first_end, abs=1e-9)  # right at its last sample: no gap, no overlap


def test_avatars_are_independent() -> None:
    performer, directors, clock, recorder = setup()
    directors["guest"].say("One.")
    run(performer, clock, 1.0)
    assert of(recorder, AudioChunk, "host") == []
    assert len(of(recorder, AudioChunk, "guest")) > 0
    assert len(of(recorder, FaceFrame, "host")) == len(of(recorder, FaceFrame, "guest")) == 60


def test_interrupt_cuts_audio_and_drops_queued_takes() -> None:
    performer, directors, clock, recorder = setup()
    first = directors["host"].say("One. Two. Three.")
    second = directors["host"].say("Four.")
    run(performer, clock, 0.5)
    cut = directors["host"].interrupt()
    assert cut == clock.t
    sent_before = len(of(recorder, AudioChunk))
    run(performer, clock, 1.0)
    assert len(of(recorder, AudioChunk)) == sent_before  # nothing more of either take
    interrupted = [e for e in of(recorder, Event) if e.type == "interrupted"]
    assert [e.take for e in interrupted] == [first.id, second.id]
    assert all(e.pts == cut for e in interrupted)
    after = [f for f in of(recorder, FaceFrame) if f.pts > cut + 0.1]
    assert max(f.weights[INDEX["jawOpen"]] for f in after) == 0.0  # the mouth relaxed
    third = directors["host"].say("Five.")
    run(performer, clock, 1.0)
    started = [e for e in of(recorder, Event) if e.type == "take_started" and e.take == third.id]
    assert started and started[0].pts >= cut


def test_a_late_clip_starts_at_the_playhead_not_in_the_past() -> None:
    performer, directors, clock, recorder = setup()
    voice = FakeVoice()
    clips = iter(voice.synthesize("One. Two."))
    timeline = performer.timelines["host"]
    driver = PhonemeDriver()

    take = timeline.new_take("One. Two.")
    take_id = take.id
    timeline.add_clip(take, driver.animate(next(clips)), clock.t)
    run(performer, clock, 0.8)  # the first clip (0.5 s) has played out; the second is late
    arrived = clock.t
    timeline.add_clip(take, driver.animate(next(clips)), arrived)
    timeline.finish_synthesis(take, None, clock.t)
    run(performer, clock, 1.0)
    chunks = [a for a in of(recorder, AudioChunk) if a.take == take_id]
    second = [a for a in chunks if a.pts > take.start_pts + 0.5]
    assert second[0].pts == pytest.approx(arrived + performer.lookahead)  # at the playhead when it arrived
    phonemes = of(recorder, Phonemes)
    assert phonemes[1].items[0][2] == pytest.approx(second[0].pts - take.start_pts, abs=1e-4)
    assert sum(len(a.pcm) // 2 for a in chunks) == RATE


def test_a_voice_failure_ends_that_take_only() -> None:
    performer, directors, clock, recorder = setup(voice=FakeVoice(fail_on="Two"))
    failed = directors["host"].say("One. Two. Three.")
    following = directors["host"].say("Four.")
    run(performer, clock, 2.0)
    samples = {take.id: sum(len(a.pcm) // 2 for a in of(recorder, AudioChunk) if a.take == take.id)
               for take in (failed, following)}
    assert samples == {failed.id: RATE // 2, following.id: RATE // 2}  # "One." played, then "Four."; no more
    errors = [(e.take, e.data["code"]) for e in of(recorder, Event) if e.type == "error"]
    assert errors == [(failed.id, "synthesis_failed")]
    ended = [e.take for e in of(recorder, Event) if e.type == "take_ended"]
    assert ended == [failed.id, following.id]


def test_performer_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="frame rate"):
        Performer(Hub(), rate=0)
    with pytest.raises(ValueError, match="lookahead"):
        Performer(Hub(), lookahead=-1)


def test_a_failing_layer_does_not_stop_the_clock() -> None:
    import asyncio

    from bridge.performer import MonotonicClock

    calls = []

    class Broken:
        def apply(self, t: float, pose: object) -> None:
            calls.append(t)
            raise RuntimeError("bug in a layer")

    performer = Performer(Hub([Recorder()]))
    performer.add_avatar("host", RATE)
    performer.set_layers("host", [Broken()])

    async def run_briefly() -> None:
        task = asyncio.create_task(performer.run(MonotonicClock()))
        await asyncio.sleep(0.5)
        task.cancel()

    asyncio.run(run_briefly())
    assert len(calls) >= 5  # every tick still came (about 30 in 0.5 s), each failing alone


def test_a_stalled_tick_skips_slots_on_the_same_grid() -> None:
    import asyncio
    import time

    from bridge.performer import MonotonicClock

    ticks: list[float] = []

    class Stalls:
        def apply(self, t: float, pose: object) -> None:
            ticks.append(t)
            if len(ticks) == 5:
                time.sleep(0.1)  # six periods at 60 Hz: the machine was busy

    performer = Performer(Hub([Recorder()]), rate=60.0)
    performer.add_avatar("host", RATE)
    performer.set_layers("host", [Stalls()])

    async def run_briefly() -> None:
        task = asyncio.create_task(performer.run(MonotonicClock()))
        await asyncio.sleep(0.4)
        task.cancel()

    asyncio.run(run_briefly())
    periods = np.diff(ticks) * 60
    assert np.allclose(periods, np.round(periods), atol=1e-6)  # every gap a whole number of periods
    assert performer.overruns >= 1 and periods.max() >= 5  # the stall skipped slots instead of shifting the grid

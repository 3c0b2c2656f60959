"""Live audio in (issue 14): a client's PCM stream as a live take, and its faults, on a virtual clock.

The face model is the test double (tests/fake_audio_face.py: jawOpen follows loudness) inside the real streaming
code; the voice of other takes is the fake voice. Everything runs inline, so each test says exactly when chunks
arrive and when the performer ticks.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

import msgpack
import numpy as np
import pytest

import bridge.live_audio as live_audio
from bridge.config import AvatarConfig, SidecarConfig
from bridge.dialogue import DialogueService
from bridge.live_audio import (
    GAP_S,
    JITTER_S,
    MAX_BACKLOG_S,
    MIC_MISSING,
    TIMEOUT_S,
    LiveAudioIn,
    LocalAudioIn,
    MicSource,
    WavSource,
    decode_pcm,
)
from bridge.performer import MonotonicClock, VirtualClock
from bridge.pipeline import Pipeline, build_pipeline
from bridge.protocol import AudioChunk, AudioInRequest, Event, FaceFrame, decode_reply, encode_request, parse_request
from bridge.requests import RequestHandler
from bridge.sinks import Hub, Recorder
from models.errors import RequestError
from models.face.arkit import INDEX
from tests.fake_audio_face import fake_live_driver
from tests.fake_voice import RATE, FakeVoice

JAW = INDEX["jawOpen"]
FRAME = 1 / 60


def tone(seconds: float, rate: int = 48000, amplitude: float = 0.3, hz: float = 220.0) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)).astype(np.float32)


class Rig:
    """Avatars on one performer with a virtual clock: chunks go in at the times a test says, the performer ticks at
    60 Hz in between and the live inputs are checked for gaps at every tick, as the sidecar does."""

    def __init__(self, avatars: tuple[str, ...] = ("host",), stuck_open: bool = False) -> None:
        self.clock, self.recorder = VirtualClock(10.0), Recorder()
        self.pipeline: Pipeline = build_pipeline(
            [AvatarConfig(name) for name in avatars], lambda config: FakeVoice(), Hub([self.recorder]), self.clock,
            live_driver=lambda: fake_live_driver(stuck_open))
        self.next_tick = self.clock.t

    def live(self, avatar: str = "host") -> LiveAudioIn:
        return self.pipeline.avatars[avatar].live

    def advance(self, seconds: float) -> None:
        target = self.clock.t + seconds
        while self.next_tick <= target + 1e-9:
            self.clock.t = self.next_tick
            self.pipeline.performer.tick(self.clock.t)
            for avatar in self.pipeline.avatars.values():
                avatar.live.check(self.clock.t)
            self.next_tick += FRAME
        self.clock.t = target

    def send(self, audio: np.ndarray, rate: int = 48000, avatar: str = "host", stream: str = "s", seq: int = 0,
             end: bool = True, chunk_s: float = 0.02) -> list[dict]:
        """Stream `audio` in chunks of chunk_s at real-time pace; returns the replies."""
        n = round(chunk_s * rate)
        chunks = [audio[i:i + n] for i in range(0, len(audio), n)]
        replies = []
        for i, chunk in enumerate(chunks):
            replies.append(self.live(avatar).chunk(stream, seq + i, chunk, rate, end=end and i == len(chunks) - 1))
            self.advance(chunk_s)
        return replies

    def events(self, type_: str | None = None, avatar: str | None = None) -> list[Event]:
        return [m for m in self.recorder.messages if isinstance(m, Event) and (type_ is None or m.type == type_)
                and (avatar is None or m.avatar == avatar) and m.type != "sidecar_started"]

    def faces(self, avatar: str = "host") -> list[FaceFrame]:
        return [m for m in self.recorder.messages if isinstance(m, FaceFrame) and m.avatar == avatar]

    def audio(self, avatar: str = "host") -> list[AudioChunk]:
        return [m for m in self.recorder.messages if isinstance(m, AudioChunk) and m.avatar == avatar]

    def jaw_between(self, start: float, end: float, avatar: str = "host") -> list[float]:
        return [f.weights[JAW] for f in self.faces(avatar) if start <= f.pts < end]


# -- the stream's audio ---------------------------------------------------------------------------------------------


def test_pcm_decodes_to_mono_float_in_range() -> None:
    stereo = np.array([[1000, -1000], [32767, 32767], [-32768, 0]], "<i2")
    assert np.allclose(decode_pcm(stereo.tobytes(), "s16le", 2, 16000), [0.0, 32767 / 32768, -0.5])
    wild = np.array([0.5, np.nan, np.inf, -7.0], "<f4")
    assert decode_pcm(wild.tobytes(), "f32le", 1, 16000).tolist() == [0.5, 0.0, 1.0, -1.0]


@pytest.mark.parametrize(("pcm", "format", "channels", "code", "words"), [
    (b"\0" * 641, "s16le", 1, "bad_length", "641 bytes: not a whole number of 2-byte frames"),
    (b"\0" * 6, "s16le", 2, "bad_length", "4-byte frames (2 channels of s16le)"),
    (b"\0" * 4 * 16001, "f32le", 1, "too_long", "the limit is 1 s (64000 bytes at 16000 Hz, 1 ch, f32le)"),
    (b"\0" * 4, "mp3", 1, "out_of_range", "format must be one of s16le, f32le"),
])
def test_pcm_that_is_no_whole_chunk_of_a_known_format_names_its_field(pcm: bytes, format: str, channels: int,  # noqa: A002
                                                                       code: str, words: str) -> None:
    with pytest.raises(RequestError) as error:
        decode_pcm(pcm, format, channels, 16000)
    assert error.value.code == code and words in error.value.message
    assert error.value.field == ("format" if format == "mp3" else "pcm")


@pytest.mark.parametrize(("field", "value", "code", "words"), [
    ("sample_rate", 7999, "out_of_range", "between 8000 and 48000"),
    ("sample_rate", 96000, "out_of_range", "between 8000 and 48000"),
    ("sample_rate", 16000.0, "bad_type", "an integer"),
    ("channels", 3, "out_of_range", "between 1 and 2"),
    ("format", "s24le", "out_of_range", "one of s16le, f32le"),
    ("pcm", "AAAA", "bad_type", "bytes (msgpack bin)"),
    ("seq", -1, "out_of_range", "between 0"),
    ("stream", "", "empty", "must not be empty"),
])
def test_audio_in_requests_are_checked_at_the_door(field: str, value: object, code: str, words: str) -> None:
    request = {"op": "audio_in", "stream": "mic", "seq": 0, "sample_rate": 16000, "pcm": b"\0\0", field: value}
    with pytest.raises(RequestError) as error:
        parse_request(msgpack.packb(request, use_bin_type=True))
    assert (error.value.code, error.value.field) == (code, field) and words in error.value.message


def test_a_stream_is_a_live_take_whose_audio_is_the_streams_at_the_voices_rate() -> None:
    rig = Rig()
    replies = rig.send(tone(1.0, 48000))  # 48 kHz in, the voice's 22050 Hz out
    rig.advance(1.0)
    take = replies[0]["take"]
    assert {r["take"] for r in replies} == {take} and not any(r["duplicate"] for r in replies)
    assert [(e.type, e.take) for e in rig.events()] == [("take_started", take), ("take_ended", take)]
    assert rig.events("take_started")[0].data["text"] == ""
    assert not [m for m in rig.recorder.messages if m.KIND in ("phonemes", "words")]  # a live take has none
    audio = rig.audio()
    assert {a.rate for a in audio} == {RATE}
    # The stream's second, after the jitter margin; the resampler may round by a sample.
    assert abs(sum(len(a.pcm) // 2 for a in audio) - round((1.0 + JITTER_S) * RATE)) <= 2
    started = rig.events("take_started")[0].pts
    assert rig.audio()[0].pts == started
    # Replies say where their chunk plays: on the take's clock, in order.
    pts = [r["pts"] for r in replies if r["pts"] is not None]
    assert pts == sorted(pts) and pts[0] >= started
    speaking = rig.jaw_between(started + JITTER_S + 0.1, started + 0.9)
    assert min(speaking) > 0.05  # the mouth moves with the tone
    after = rig.jaw_between(rig.events("take_ended")[0].pts + 0.05, math.inf)
    assert len(after) > 30 and max(after) < 1e-6  # back at rest
    stats = rig.live().stats
    assert (stats.streams, stats.chunks, stats.gaps, stats.late, stats.dropped_s) == (1, 50, 0, 0, 0.0)
    assert stats.seconds == pytest.approx(1.0)


def test_stereo_s16le_through_the_request_handler_and_counters_in_ping() -> None:
    rig = Rig()
    handler = RequestHandler(SidecarConfig(avatars=[AvatarConfig("host")]), rig.pipeline.avatars,
                             DialogueService({"host": None}), rig.clock, "run1")
    left = (tone(0.2, 16000) * 32767).astype("<i2")
    pcm = np.stack([left, left], axis=1).tobytes()

    def call(request: object) -> dict:
        return decode_reply(asyncio.run(handler.handle(encode_request(request, 7), "peer")))  # type: ignore[arg-type]

    reply = call(AudioInRequest(stream="c1", seq=0, sample_rate=16000, pcm=pcm, channels=2, end=True))
    assert reply["ok"] and reply["id"] == 7 and reply["avatar"] == "host" and reply["take"].startswith(
        rig.pipeline.performer.run_id)
    odd = call(AudioInRequest(stream="c2", seq=0, sample_rate=16000, pcm=pcm[:-1], channels=2))
    assert odd["error"]["code"] == "bad_length" and odd["error"]["field"] == "pcm"
    rig.advance(1.0)
    from bridge.protocol import PingRequest

    counters = call(PingRequest(t_client=1.0))["audio_in"]["host"]
    from bridge.protocol import DescribeRequest

    described = call(DescribeRequest())
    assert "audio_in" in described["ops"]
    assert described["limits"]["audio_in"] == {"rates": [8000, 48000], "formats": ["s16le", "f32le"],
                                               "max_channels": 2, "max_chunk_s": 1.0}
    assert counters["chunks"] == 1 and counters["seconds"] == pytest.approx(0.2)
    assert set(counters) >= {"chunks", "seconds", "gaps", "dropped_s", "late", "seq_missing", "seq_repeated"}


# -- faults ----------------------------------------------------------------------------------------------------------


def test_a_gap_rests_the_mouth_and_resuming_audio_continues_the_take() -> None:
    rig = Rig()
    first = rig.send(tone(0.5), end=False)
    rig.advance(GAP_S + 0.5)  # nothing comes
    [gap] = rig.events("audio_in_gap")
    take = first[0]["take"]
    assert gap.take == take and gap.data["stream"] == "s" and gap.data["after_s"] >= GAP_S
    assert rig.live().stats.gaps == 1
    # The audio the model still held came out, easing to rest: silent frames before the stream resumes.
    quiet = rig.jaw_between(gap.pts + 0.15, gap.pts + 0.4)
    assert quiet and max(quiet) < 1e-6
    second = rig.send(tone(0.5), seq=len(first))
    rig.advance(1.0)
    assert {r["take"] for r in second} == {take}
    assert [e.type for e in rig.events() if e.type.startswith("take_")] == ["take_started", "take_ended"]
    resumed = second[0]["pts"]  # after the face model's lookahead and the margin
    assert resumed > gap.pts
    assert min(rig.jaw_between(resumed + 0.05, resumed + 0.4)) > 0.05  # speaking again (within a frame or two of it)
    stats = rig.live().stats
    assert (stats.gaps, stats.late, stats.timeouts) == (1, 0, 0)  # the pause after a gap is no lateness


def test_a_stream_that_never_ends_ends_its_take_after_the_timeout() -> None:
    rig = Rig()
    [first, *_] = rig.send(tone(0.3), end=False)
    rig.advance(TIMEOUT_S + 0.5)
    [timeout] = rig.events("audio_in_timeout")
    assert timeout.take == first["take"] and timeout.data["after_s"] >= TIMEOUT_S
    assert [e.type for e in rig.events()] == ["take_started", "audio_in_gap", "audio_in_timeout", "take_ended"]
    assert rig.live().stream is None and rig.live().stats.timeouts == 1
    # The same stream id speaking again later is a new take.
    again = rig.send(tone(0.1), seq=99)
    assert again[0]["take"] != first["take"]


def test_a_burst_keeps_a_bounded_backlog_and_drops_the_rest_with_one_event() -> None:
    rig = Rig()
    replies = [rig.live().chunk("s", i, tone(1.0), 48000) for i in range(10)]  # ten seconds at once
    kept = sum(1.0 - r["dropped_s"] for r in replies)
    assert kept == pytest.approx(MAX_BACKLOG_S - JITTER_S, abs=0.001)  # the take's lead-in silence counts too
    assert rig.live().stats.dropped_s == pytest.approx(10.0 - kept, abs=0.001)
    [dropped] = rig.events("audio_in_dropped")  # one event for the whole burst
    assert dropped.data["stream"] == "s" and dropped.data["dropped_s"] > 0
    assert rig.live().backlog_s(rig.live().stream, rig.clock.t) <= MAX_BACKLOG_S + 1e-6  # type: ignore[arg-type]
    # Once the backlog has played down, audio is taken again.
    rig.advance(MAX_BACKLOG_S)
    later = rig.live().chunk("s", 10, tone(0.2), 48000, end=True)
    assert later["dropped_s"] == 0.0
    rig.advance(1.0)
    assert [e.type for e in rig.events() if e.type.startswith("take_")] == ["take_started", "take_ended"]


def test_a_chunk_that_comes_after_the_audio_ran_out_is_late_and_plays_after_a_margin() -> None:
    rig = Rig()
    first = rig.send(tone(0.4), end=False)
    rig.advance(0.25)  # longer than the margin, shorter than a gap: the take ran out, the model's tail played out
    assert rig.events("audio_in_gap") == [] and rig.live().stats.late == 0
    ran_out = rig.audio()[-1].pts + rig.audio()[-1].duration
    late = rig.send(tone(0.2), seq=len(first))
    rig.advance(1.0)
    assert rig.live().stats.late == 1 and {r["take"] for r in late} == {first[0]["take"]}
    resumed = [a for a in rig.audio() if a.pts >= ran_out]
    # She paused (silence first), then spoke the late chunk's audio.
    pcm = np.concatenate([np.frombuffer(a.pcm, "<i2") for a in resumed])
    assert np.abs(pcm[:round(JITTER_S * RATE)]).max() == 0 and np.abs(pcm).max() > 5000


def test_a_chunk_a_little_late_pauses_her_briefly_and_the_face_model_runs_on() -> None:
    rig = Rig()
    first = rig.send(tone(0.4), end=False)
    rig.advance(0.065)  # with the chunk time, past the margin and short of a stall: no flush
    assert rig.live().stream is not None and rig.live().stream.ear is not None  # the same model state
    rig.send(tone(0.4), seq=len(first))
    rig.advance(1.0)
    stats = rig.live().stats
    assert (stats.late, stats.gaps) == (1, 0)
    heard = sum(len(a.pcm) // 2 for a in rig.audio()) / RATE
    assert 0.8 + 2 * JITTER_S - 0.02 < heard < 0.8 + 2 * JITTER_S + 0.09  # the audio, the lead-in, a short pause


def test_wrong_seq_is_counted_and_a_duplicate_is_not_played_twice() -> None:
    rig = Rig()
    live = rig.live()
    live.chunk("s", 0, tone(0.1), 48000)
    live.chunk("s", 1, tone(0.1), 48000)
    duplicate = live.chunk("s", 1, tone(0.1), 48000)
    assert duplicate["duplicate"] is True and live.stats.seq_repeated == 1
    live.chunk("s", 5, tone(0.1), 48000, end=True)  # 2, 3 and 4 never came
    rig.advance(1.5)
    assert live.stats.seq_missing == 3 and live.stats.chunks == 3
    heard = sum(len(a.pcm) // 2 for a in rig.audio()) / RATE
    assert heard == pytest.approx(0.3 + JITTER_S, abs=2 / RATE)


@pytest.mark.parametrize("kind", ["silence", "dc_offset"])
def test_silence_is_rest_even_when_the_model_would_hold_the_mouth_open(kind: str) -> None:
    rig = Rig(stuck_open=True)  # a model that answers 0.7 jawOpen to everything
    audio = np.zeros(48000, np.float32) + (0.4 if kind == "dc_offset" else 0.0)
    rig.send(audio)
    rig.advance(0.5)
    # (An offset's first ~30 ms is a step the DC blocker lets through: a click, which may twitch the mouth.)
    start = rig.events("take_started")[0].pts + JITTER_S + 0.05
    assert max(rig.jaw_between(start, math.inf)) < 0.01
    pcm = np.concatenate([np.frombuffer(a.pcm, "<i2") for a in rig.audio()]).astype(np.float32) / 32767
    # A constant offset is no sound: the DC blocker takes it out (after its first few ms).
    assert np.abs(pcm[RATE // 4:]).max() < 0.01


def test_clipped_audio_gives_a_sane_face_that_comes_back_to_rest() -> None:
    rig = Rig()
    square = np.sign(tone(1.0, amplitude=1.0)) * 4.0  # f32 far past full scale
    rig.send(np.clip(square, -1.0, 1.0).astype(np.float32))  # as decode_pcm clamps it
    rig.advance(0.6)
    weights = np.array([f.weights for f in rig.faces()])
    assert np.isfinite(weights).all() and weights.min() >= 0.0 and weights.max() <= 1.0
    assert rig.faces()[-1].weights[JAW] == 0.0  # never frozen open


def test_another_stream_on_a_busy_avatar_is_refused_and_a_rate_change_mid_stream_too() -> None:
    rig = Rig()
    rig.live().chunk("a", 0, tone(0.1), 48000)
    with pytest.raises(RequestError) as busy:
        rig.live().chunk("b", 0, tone(0.1), 48000)
    assert (busy.value.code, busy.value.field) == ("busy", "stream") and "'a'" in busy.value.message
    with pytest.raises(RequestError) as changed:
        rig.live().chunk("a", 1, tone(0.1, 16000), 16000, shape=(16000, 1, "f32le"))
    assert (changed.value.code, changed.value.field) == ("bad_stream", "sample_rate")


def test_an_interrupt_cuts_the_live_take_and_audio_that_keeps_coming_is_a_new_take() -> None:
    rig = Rig()
    first = rig.send(tone(0.3), end=False)
    rig.pipeline.avatars["host"].director.interrupt()
    other = rig.send(tone(0.3), stream="another client")  # the cut stream no longer holds her
    rig.advance(1.0)
    second = rig.send(tone(0.3), seq=len(first))
    rig.advance(1.0)
    assert len({second[0]["take"], other[0]["take"], first[0]["take"]}) == 3
    assert [(e.type, e.take) for e in rig.events() if e.type != "audio_in_gap"][:3] == [
        ("take_started", first[0]["take"]), ("interrupted", first[0]["take"]), ("take_started", other[0]["take"])]


def test_a_long_stream_runs_on_in_back_to_back_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_audio, "TAKE_MAX_S", 0.5)
    rig = Rig()
    rig.send(tone(1.6))
    rig.advance(1.0)
    started, ended = rig.events("take_started"), rig.events("take_ended")
    assert len(started) == len(ended) >= 3
    for before, after in zip(ended, started[1:], strict=False):
        assert after.pts == pytest.approx(before.pts)  # no gap between them
    heard = sum(len(a.pcm) // 2 for a in rig.audio()) / RATE
    assert heard == pytest.approx(1.6 + JITTER_S, abs=3 / RATE)
    assert rig.live().stats.late == 0
    # The mouth goes on across each change of take (the frame before a take's first sample is the last take's).
    assert min(rig.jaw_between(started[0].pts + JITTER_S + 0.1, ended[-1].pts - 0.1)) > 0.05


def test_two_streams_and_a_speaking_avatar_at_once_lose_no_frame() -> None:
    rig = Rig(("ann", "bob", "cat"))
    rig.pipeline.avatars["cat"].director.say("Hello there, everyone.")
    ann, bob = tone(1.0, 48000, hz=200), tone(1.0, 16000, hz=300)
    for i in range(50):  # interleaved, as two clients at once
        rig.live("ann").chunk("a", i, ann[i * 960:(i + 1) * 960], 48000, end=i == 49)
        rig.live("bob").chunk("b", i, bob[i * 320:(i + 1) * 320], 16000, end=i == 49, shape=(16000, 1, "f32le"))
        rig.advance(0.02)
    rig.advance(2.0)
    for name in ("ann", "bob", "cat"):
        faces = rig.faces(name)
        assert [f.seq for f in faces] == list(range(len(faces)))  # a face frame at every tick
        assert [(e.type) for e in rig.events(avatar=name)] == ["take_started", "take_ended"]
        chunks = rig.audio(name)
        assert [c.seq for c in chunks] == list(range(len(chunks)))
        for a, b in zip(chunks, chunks[1:], strict=False):  # every take's audio back to back
            assert b.pts == pytest.approx(a.pts + a.duration)
    for name in ("ann", "bob"):
        heard = sum(len(a.pcm) // 2 for a in rig.audio(name)) / RATE
        assert heard == pytest.approx(1.0 + JITTER_S, abs=3 / RATE)
        stats = rig.live(name).stats
        assert (stats.chunks, stats.dropped_s, stats.late, stats.gaps) == (50, 0.0, 0, 0)


# -- local sources ---------------------------------------------------------------------------------------------------


def test_a_wav_file_stands_in_for_the_microphone(tmp_path: object) -> None:
    import soundfile

    path = tmp_path / "voice.wav"  # type: ignore[operator]
    soundfile.write(str(path), np.stack([tone(0.6, 44100)] * 2, axis=1), 44100)

    async def run() -> tuple[Recorder, LiveAudioIn]:
        loop = asyncio.get_running_loop()
        clock, recorder = MonotonicClock(), Recorder()

        def post(fn: object, *args: object) -> None:
            loop.call_soon_threadsafe(fn, *args)  # type: ignore[arg-type]

        pipeline = build_pipeline([AvatarConfig("host")], lambda config: FakeVoice(), Hub([recorder]), clock,
                                  post=post, live_driver=fake_live_driver)
        live = pipeline.avatars["host"].live
        source = WavSource(path, speed=4.0)
        local = LocalAudioIn(source, live, post, "mic")
        local.start()
        while not source.done.is_set():
            pipeline.performer.tick(clock.now())
            await asyncio.sleep(0.005)
        local.stop()
        for _ in range(120):  # the take plays out
            pipeline.performer.tick(clock.now())
            await asyncio.sleep(0.01)
        return recorder, live

    recorder, live = asyncio.run(run())
    events = [m.type for m in recorder.messages if isinstance(m, Event)]
    assert events == ["take_started", "take_ended"]
    assert live.stats.chunks == 30 and live.stats.seconds == pytest.approx(0.6)
    heard = sum(len(m.pcm) // 2 for m in recorder.messages if isinstance(m, AudioChunk)) / RATE
    assert heard == pytest.approx(0.6 + JITTER_S, abs=3 / RATE)


def test_a_missing_sounddevice_names_the_extra_and_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_portaudio(name: str, *args: object, **kwargs: object) -> object:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(RuntimeError) as error:
        MicSource()
    assert "avatar-bridge[mic]" in str(error.value) and "apt-get install libportaudio2" in str(error.value)
    assert MIC_MISSING in str(error.value)


def test_the_golden_request_parses_and_decodes_to_its_mono_samples() -> None:
    from pathlib import Path

    raw = (Path(__file__).parent / "vectors" / "request_audio_in.msgpack").read_bytes()
    request = parse_request(raw).request
    assert isinstance(request, AudioInRequest)
    assert (request.stream, request.seq, request.sample_rate, request.channels, request.format, request.end) == (
        "mic-1", 41, 16000, 2, "s16le", False)
    mono = decode_pcm(request.pcm, request.format, request.channels, request.sample_rate)
    assert len(mono) == 32
    assert mono[5] == pytest.approx((round(8000 * math.sin(1)) + round(-4000 * math.sin(1))) / 2 / 32768)


def test_serve_mic_without_portaudio_says_what_to_install_before_loading_anything(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import builtins

    from bridge.cli import main

    real_import = builtins.__import__

    def no_sounddevice(name: str, *args: object, **kwargs: object) -> object:
        if name == "sounddevice":
            raise ImportError("No module named 'sounddevice'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_sounddevice)
    assert main(["--log-level", "error", "serve", "--mic", "--control", "tcp://127.0.0.1:1",
                 "--stream", "tcp://127.0.0.1:2"]) == 2
    assert MIC_MISSING in capsys.readouterr().err


def test_the_sidecar_feeds_its_local_source_to_the_mic_avatar(tmp_path: object) -> None:
    import soundfile

    from bridge.config import ConfigError
    from bridge.server import Sidecar

    path = tmp_path / "mic.wav"  # type: ignore[operator]
    soundfile.write(str(path), tone(0.1, 16000), 16000)
    config = SidecarConfig(avatars=[AvatarConfig("ann"), AvatarConfig("bob")])
    sidecar = Sidecar(config, lambda model, voice_config: FakeVoice(), workers=False, mic=WavSource(path),
                      mic_avatar="bob")
    try:
        assert sidecar.mic is not None and sidecar.mic.live is sidecar.pipeline.avatars["bob"].live
        assert sidecar.mic.source.sample_rate == 16000
    finally:
        sidecar.close()
    with pytest.raises(ConfigError, match="--mic-avatar 'zed' is not served here; avatars: ann, bob"):
        Sidecar(config, lambda model, voice_config: FakeVoice(), workers=False, mic=WavSource(path),
                mic_avatar="zed")


def test_a_stream_to_a_speaking_avatar_queues_after_her_line() -> None:
    rig = Rig()
    say = rig.pipeline.avatars["host"].director.say("Hello there, everyone.")  # the fake voice: 1.1 s
    rig.advance(0.2)
    replies = rig.send(tone(1.0))  # arrives while she speaks: its take waits, its audio with it
    assert replies[0]["take"] != say.id and all(r["pts"] is None for r in replies[:10])
    rig.advance(2.0)
    takes = [(e.type, e.take) for e in rig.events() if e.type.startswith("take_")]
    assert takes == [("take_started", say.id), ("take_ended", say.id), ("take_started", replies[0]["take"]),
                     ("take_ended", replies[0]["take"])]
    assert rig.events("take_started")[1].pts == pytest.approx(rig.events("take_ended")[0].pts)  # right after
    assert rig.live().stats.dropped_s == 0.0  # a second waited: within the backlog


def test_without_its_model_live_audio_is_not_ready_and_says_why() -> None:
    clock, recorder = VirtualClock(10.0), Recorder()

    def missing() -> object:
        raise FileNotFoundError("audio-to-face model audio_face.onnx not found")

    pipeline = build_pipeline([AvatarConfig("host")], lambda config: FakeVoice(), Hub([recorder]), clock,
                              live_driver=missing)  # type: ignore[arg-type]
    live = pipeline.avatars["host"].live
    live.warm_up()
    with pytest.raises(RequestError) as error:
        live.chunk("s", 0, tone(0.1), 48000)
    assert error.value.code == "not_ready" and "audio_face.onnx not found" in error.value.message
    assert pipeline.performer.timelines["host"].takes == deque()

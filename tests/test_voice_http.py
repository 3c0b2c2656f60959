"""Voices behind one interface (issue 14): the HTTP speech voice against a server double that answers well and
badly on demand (tests/fake_speech_server.py), its per-avatar config and flags, a take whose voice fails in a
sidecar of two avatars, and the Piper voice a user names. The real server is in tests/test_voice_server.py."""

from __future__ import annotations

import argparse
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bridge.config import AvatarConfig, ConfigError, SidecarConfig, as_document, load_config
from bridge.performer import VirtualClock
from bridge.pipeline import build_pipeline
from bridge.protocol import AudioChunk, Event, FaceFrame, Phonemes, PingRequest, Words
from bridge.server import load_voice
from bridge.sinks import Hub, Recorder
from models.dialogue.spec import SpecError
from models.face.arkit import INDEX
from models.face.emotion import voice_style
from models.tts import VoiceError, VoiceStyle, split_for_streaming
from models.tts.http_voice import ERROR_TEXT_CHARS, HttpVoice, HttpVoiceConfig, WavDecoder
from tests.fake_speech_server import LONG_ERROR, PARTIAL, PCM, RATE, TONE, SpeechServerDouble, wav

LINE = "Hi everyone, welcome to the show. Enjoy it!"


@pytest.fixture
def speech_server() -> Iterator[SpeechServerDouble]:
    with SpeechServerDouble() as server:
        yield server


def closed_port_url() -> str:
    """A loopback URL nothing listens on (bound, then closed): connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def voice_for(server: SpeechServerDouble, mode: str, **settings: object) -> HttpVoice:
    return HttpVoice(HttpVoiceConfig(server.url(mode), **settings))  # type: ignore[arg-type]


# -- the request -----------------------------------------------------------------------------------------------

def test_each_piece_is_one_request_in_the_openai_shape(speech_server: SpeechServerDouble,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECH_KEY", "sk-test-123")
    voice = voice_for(speech_server, "pcm", model="kokoro", voice="af_heart", speed=1.2, instructions=True,
                      api_key_env="SPEECH_KEY")
    list(voice.synthesize(LINE, voice_style("sad")))
    list(voice.synthesize("Plain words.", voice_style("neutral")))
    sent = [body for _, body, _ in speech_server.requests]
    assert [body["input"] for body in sent] == [*split_for_streaming(LINE), "Plain words."]
    first = sent[0]
    assert {k: first[k] for k in ("model", "voice", "response_format")} == {
        "model": "kokoro", "voice": "af_heart", "response_format": "pcm"}
    assert first["speed"] == pytest.approx(1.2 / (voice_style("sad").length_scale or 1.0), abs=1e-3)  # sad: slower
    assert first["instructions"] == "Speak sadly."
    assert "instructions" not in sent[-1]  # neutral says nothing
    assert {headers["Authorization"] for _, _, headers in speech_server.requests} == {"Bearer sk-test-123"}


def test_instructions_go_only_to_a_server_configured_to_take_them(speech_server: SpeechServerDouble) -> None:
    list(voice_for(speech_server, "pcm").synthesize("Yes!", voice_style("happy")))
    [(_, body, headers)] = speech_server.requests
    assert "instructions" not in body and "Authorization" not in headers


def test_a_mandarin_line_goes_to_the_server_as_written_in_its_chinese_sentences(
        speech_server: SpeechServerDouble) -> None:
    # A producer's own Mandarin voice: the server gets the text as written (it reads its own numbers and prices),
    # cut at 。！？ and a short first clause at ，, with no spaces added; each piece comes back as audio.
    line = "大家好，欢迎来到直播间！这顶帽子只要¥129，２件再减10元。"
    segments = list(voice_for(speech_server, "pcm").synthesize(line))
    sent = [body["input"] for _, body, _ in speech_server.requests]
    assert sent == ["大家好，", "欢迎来到直播间！", "这顶帽子只要¥129，２件再减10元。"] == split_for_streaming(line)
    assert [s.text for s in segments] == sent and all(s.num_samples > 0 for s in segments)


# -- audio as it comes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["pcm", "pcm_chunked"])
def test_pcm_becomes_one_audio_only_segment_per_piece(speech_server: SpeechServerDouble, mode: str) -> None:
    voice = voice_for(speech_server, mode)
    assert voice.timings is False and voice.sample_rate == RATE and voice.provider == "http"
    segments = list(voice.synthesize(LINE))
    assert [s.text for s in segments] == split_for_streaming(LINE)
    for segment in segments:
        assert segment.phonemes == () and segment.words == () and segment.sample_rate == RATE
        np.testing.assert_allclose(segment.audio, np.frombuffer(PCM, "<i2") / 32768.0, atol=1e-6)


def test_volume_of_the_style_scales_the_audio(speech_server: SpeechServerDouble) -> None:
    [segment] = voice_for(speech_server, "pcm").synthesize("Quietly.", VoiceStyle(volume=0.5))
    np.testing.assert_allclose(segment.audio, np.frombuffer(PCM, "<i2") / 65536.0, atol=1e-6)


def test_a_streamed_stereo_wav_is_downmixed_and_resampled(speech_server: SpeechServerDouble) -> None:
    [segment] = voice_for(speech_server, "wav_stereo_48k", format="wav").synthesize("Hello.")
    assert segment.sample_rate == RATE
    assert abs(segment.num_samples - 6000) <= 2  # 0.25 s at 48 kHz becomes 0.25 s at 24 kHz
    middle = segment.audio[500:-500]
    np.testing.assert_allclose(middle, 0.2, atol=2e-3)  # (0.5 + -0.1) / 2


def test_a_float_wav_at_another_rate_is_resampled(speech_server: SpeechServerDouble) -> None:
    [segment] = voice_for(speech_server, "wav_float_16k", format="wav", sample_rate=22050).synthesize("Hello.")
    assert segment.sample_rate == 22050 and abs(segment.num_samples - 5512) <= 2
    np.testing.assert_allclose(segment.audio[500:-500], 0.25, atol=2e-3)


def test_a_wav_parsed_byte_by_byte_is_the_wav_parsed_at_once() -> None:
    data = wav(np.stack([TONE, -TONE], axis=1), RATE, streamed=True, extra_chunk=True)
    whole, trickle = WavDecoder(), WavDecoder()
    whole.feed(data)
    for i in range(len(data)):
        trickle.feed(data[i:i + 1])
    whole.finish()
    trickle.finish()
    assert len(whole.audio()) == len(TONE)
    np.testing.assert_array_equal(whole.audio(), trickle.audio())


# -- faults ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "settings", "expected"), [
    ("error_text", {}, "answered HTTP 503: Service Unavailable: the model is still loading"),
    ("html", {}, "answered text/html, not audio: <!doctype html><html><body><h1>Welcome to nginx!"),
    ("odd", {}, "not 16-bit PCM: an odd number of bytes (4001)"),
    ("not_wav", {"format": "wav"}, "not a WAV file: it starts b'ID3"),
    ("wav_no_data", {"format": "wav"}, "ended before its audio began (no data chunk)"),
    ("empty", {}, "answered with no audio for 'Hello.'"),
    ("slow", {"timeout_s": 0.3}, "no answer within 0.3 s (timeout_s)"),
])
def test_a_bad_answer_is_a_voice_error_naming_the_endpoint(speech_server: SpeechServerDouble, mode: str,
                                                           settings: dict[str, object], expected: str) -> None:
    voice = voice_for(speech_server, mode, **settings)
    with pytest.raises(VoiceError) as caught:
        list(voice.synthesize("Hello."))
    assert str(caught.value).startswith(f"{speech_server.url(mode)}/v1/audio/speech")
    assert expected in str(caught.value)


def test_an_http_error_carries_the_status_and_the_servers_words_truncated(speech_server: SpeechServerDouble) -> None:
    with pytest.raises(VoiceError) as caught:
        list(voice_for(speech_server, "error_json").synthesize("Hello."))
    message = str(caught.value)
    assert "answered HTTP 400: " + LONG_ERROR[:ERROR_TEXT_CHARS] + "…" in message
    assert len(message) < ERROR_TEXT_CHARS + 100


def test_a_server_that_is_down_refuses() -> None:
    url = closed_port_url()
    with pytest.raises(VoiceError, match="connection refused: is the server running"):
        list(HttpVoice(HttpVoiceConfig(url)).synthesize("Hello."))


@pytest.mark.parametrize(("mode", "why"), [
    ("cut", "the connection closed 6000 bytes short"),
    ("cut_chunked", "the connection closed mid-answer"),
    ("stall", "no answer within 0.5 s"),
])
def test_a_line_cut_off_plays_what_came_then_fails(speech_server: SpeechServerDouble, mode: str, why: str) -> None:
    segments = voice_for(speech_server, mode, timeout_s=0.5).synthesize("Hello there.")
    partial = next(segments)
    np.testing.assert_allclose(partial.audio, np.frombuffer(PARTIAL, "<i2") / 32768.0, atol=1e-6)
    with pytest.raises(VoiceError) as caught:
        next(segments)
    assert f"stopped mid-line after {len(PARTIAL) / 2 / RATE:.2f} s of audio: {why}" in str(caught.value)


# -- in the sidecar --------------------------------------------------------------------------------------------

def play(pipeline, clock: VirtualClock, seconds: float) -> None:  # noqa: ANN001 - a Pipeline
    for _ in range(round(seconds * 60)):
        clock.t += 1 / 60
        pipeline.performer.tick(clock.t)


def events(recorder: Recorder, avatar: str) -> list[Event]:
    return [m for m in recorder.messages if isinstance(m, Event) and m.avatar == avatar]


def test_a_dead_voice_fails_its_own_takes_and_the_other_avatar_speaks(voice, speech_server) -> None:  # noqa: ANN001
    from bridge.dialogue import DialogueService
    from bridge.requests import RequestHandler

    dead = HttpVoice(HttpVoiceConfig(closed_port_url(), sample_rate=22050))
    voices = {"host": voice, "guest": dead}
    avatars = [AvatarConfig("host"), AvatarConfig("guest")]
    clock, recorder = VirtualClock(10.0), Recorder()
    pipeline = build_pipeline(avatars, lambda a: voices[a.name], Hub([recorder]), clock)
    handler = RequestHandler(SidecarConfig(avatars=avatars), pipeline.avatars,
                             DialogueService.__new__(DialogueService), clock, "testrun0")
    failed = pipeline.directors["guest"].say("Is anyone there?")
    spoken = pipeline.directors["host"].say("Hello.")
    play(pipeline, clock, 3.0)

    [error, ended] = [e for e in events(recorder, "guest") if e.type in ("error", "take_ended")]
    assert (error.take, error.data["code"]) == (failed.id, "synthesis_failed")
    assert "connection refused" in error.data["message"]
    assert (ended.take, ended.data["error"]) == (failed.id, error.data["message"])
    assert not [m for m in recorder.messages if isinstance(m, AudioChunk) and m.avatar == "guest"]
    host = [(e.type, e.data.get("error")) for e in events(recorder, "host") if e.take == spoken.id]
    assert host == [("take_started", None), ("take_ended", None)]
    voices_status = handler.ping(PingRequest(t_client=1.0))["voices"]
    assert (voices_status["guest"]["errors"], voices_status["host"]["errors"]) == (1, 0)
    assert "connection refused" in voices_status["guest"]["last_error"]
    # The next line of the dead voice fails too, and counts.
    pipeline.directors["guest"].say("Still nobody?")
    play(pipeline, clock, 0.5)
    assert handler.ping(PingRequest(t_client=1.0))["voices"]["guest"]["errors"] == 2


def test_a_line_cut_off_mid_way_plays_its_audio_then_ends_with_the_error(speech_server) -> None:  # noqa: ANN001
    voice = voice_for(speech_server, "cut")
    clock, recorder = VirtualClock(10.0), Recorder()
    pipeline = build_pipeline([AvatarConfig("host")], lambda a: voice, Hub([recorder]), clock, lookahead=0.0)
    take = pipeline.directors["host"].say("Hello there.")
    play(pipeline, clock, 1.0)

    audio = np.frombuffer(b"".join(m.pcm for m in recorder.messages if isinstance(m, AudioChunk)), "<i2")
    neutral = voice_style("neutral").volume  # the director speaks a line without an emotion at neutral's volume
    np.testing.assert_allclose(audio, np.frombuffer(PARTIAL, "<i2") * neutral, atol=2)
    kinds = {type(m) for m in recorder.messages}
    assert {Phonemes, Words} <= kinds  # sent, and empty: the voice has no timings
    assert all(m.items == [] for m in recorder.messages if isinstance(m, (Phonemes, Words)))
    [started] = [e for e in events(recorder, "host") if e.type == "take_started"]
    [ended] = [e for e in events(recorder, "host") if e.type == "take_ended"]
    assert "stopped mid-line" in ended.data["error"]
    assert ended.pts == pytest.approx(started.pts + len(PARTIAL) / 2 / RATE, abs=1e-6)
    timeline = pipeline.directors["host"].timeline
    assert take.done and timeline.current is None  # no clip left open
    # The mouth is back at rest: the last frames are the frames of an avatar that never spoke.
    quiet_recorder, quiet_clock = Recorder(), VirtualClock(10.0)
    quiet = build_pipeline([AvatarConfig("host")], lambda a: voice, Hub([quiet_recorder]), quiet_clock,
                           lookahead=0.0)
    play(quiet, quiet_clock, 1.0)
    last, rest = ([m for m in r.messages if isinstance(m, FaceFrame)][-1] for r in (recorder, quiet_recorder))
    mouth = [i for name, i in INDEX.items() if name.startswith(("jaw", "mouth"))]
    assert len(mouth) == 27
    np.testing.assert_allclose(np.take(last.weights, mouth), np.take(rest.weights, mouth), atol=1e-6)


# -- config and flags ------------------------------------------------------------------------------------------

def write_config(folder: Path, avatars: str) -> Path:
    path = folder / "sidecar.yaml"
    path.write_text("avatars:\n" + avatars)
    return path


def test_an_avatar_speaks_through_a_server_from_its_config(tmp_path: Path) -> None:
    (tmp_path / "anna.onnx").write_text("a voice file")
    path = write_config(tmp_path, "  - name: host\n    voice: anna.onnx\n"
                        "  - name: guest\n    voice:\n      server: http://127.0.0.1:8880\n      model: kokoro\n"
                        "      voice: af_heart\n      speed: 1.1\n      format: wav\n      sample_rate: 22050\n"
                        "      instructions: true\n      timeout_s: 5\n      api_key_env: SPEECH_KEY\n")
    host, guest = load_config(path).avatars
    assert host.voice == tmp_path / "anna.onnx"  # `voice: path.onnx` is a Piper voice as before
    assert guest.voice == HttpVoiceConfig("http://127.0.0.1:8880", "kokoro", "af_heart", 1.1, "wav", 22050, True,
                                          5.0, "SPEECH_KEY")
    shown = as_document(load_config(path))["avatars"]  # what `config check` prints
    assert shown[1]["voice"] == {"server": "http://127.0.0.1:8880", "model": "kokoro", "voice": "af_heart",  # type: ignore[index]
                                 "speed": 1.1, "format": "wav", "sample_rate": 22050, "instructions": True,
                                 "timeout_s": 5.0, "api_key_env": "SPEECH_KEY"}


@pytest.mark.parametrize(("voice", "line", "field", "message"), [
    ("{model: tts-1}", 3, "voice.server", "is required"),
    ("{server: 127.0.0.1:8880}", 3, "voice.server", "must be an http:// or https:// URL"),
    ("{server: 'http://x', format: mp3}", 3, "voice.format", "unknown value 'mp3'; expected one of: pcm, wav"),
    ("\n      server: http://x\n      sample_rate: 44", 5, "voice.sample_rate", "must be between 8000 and 192000"),
    ("\n      server: http://x\n      speed: 9", 5, "voice.speed", "must be >= 0.25 and <= 4.0"),
    ("\n      server: http://x\n      api_key: sk-123", 5, "voice.api_key", "unknown field"),
    ("\n      server: http://x\n      api_key_env: sk-123", 5, "voice.api_key_env", "must name an environment"),
    ("\n      server: http://x\n    voice_config: x.json", 5, "voice_config",
     "is a Piper voice's .onnx.json; this avatar's voice is an HTTP server"),
])
def test_a_bad_http_voice_setting_names_file_line_and_field(tmp_path: Path, voice: str, line: int, field: str,
                                                            message: str) -> None:
    (tmp_path / "x.json").write_text("{}")
    path = write_config(tmp_path, f"  - name: host\n    voice: {voice}\n")
    with pytest.raises(SpecError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: avatars[0].{field}: {message}")


def serve_args(*argv: str) -> argparse.Namespace:
    from bridge.cli import build_parser

    return build_parser().parse_args(["serve", *argv])


def test_the_voice_url_flag_gives_every_avatar_the_server() -> None:
    from bridge.cli import _serve_config

    config = _serve_config(serve_args("--avatar", "a", "--avatar", "b", "--voice-url", "http://127.0.0.1:8880/v1",
                                      "--voice-name", "nova", "--voice-format", "wav", "--voice-rate", "22050"))
    expected = HttpVoiceConfig("http://127.0.0.1:8880/v1", voice="nova", format="wav", sample_rate=22050)
    assert [a.voice for a in config.avatars] == [expected, expected]
    assert expected.endpoint == "http://127.0.0.1:8880/v1/audio/speech"


@pytest.mark.parametrize(("argv", "message"), [
    (["--voice-url", "http://x", "--voice", "a.onnx"], "--voice-url and --voice/--voice-config name two voices"),
    (["--voice-name", "nova"], "--voice-name set an HTTP voice: give its server with --voice-url"),
    (["--voice-url", "localhost:8880"], "--voice-url must be an http:// or https:// URL"),
    (["--voice-url", "http://x", "--voice-rate", "10"], "--voice-rate must be from 8000 to 192000 Hz"),
])
def test_bad_voice_flags_say_what_to_do(argv: list[str], message: str) -> None:
    from bridge.cli import _serve_config

    with pytest.raises(ConfigError, match=message):
        _serve_config(serve_args(*argv))


def test_a_missing_api_key_stops_the_load_and_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_SPEECH_KEY", raising=False)
    with pytest.raises(ConfigError, match="the environment variable NO_SUCH_SPEECH_KEY is not set"):
        load_voice(HttpVoiceConfig("http://127.0.0.1:8880", api_key_env="NO_SUCH_SPEECH_KEY"))


# -- a Piper voice the user has --------------------------------------------------------------------------------

def users_piper_voice(folder: Path, name: str) -> Path:
    """A copy of the bundled voice under the user's own name: any Piper .onnx with its .onnx.json."""
    from models.tts.piper_voice import default_voice_paths

    model, config = default_voice_paths()
    shutil.copy(model, folder / f"{name}.onnx")
    shutil.copy(config, folder / f"{name}.onnx.json")
    return folder / f"{name}.onnx"


def test_each_avatar_loads_its_own_piper_voice_from_the_config(tmp_path: Path) -> None:
    from bridge.server import Sidecar

    users_piper_voice(tmp_path, "anna")
    (tmp_path / "kai.onnx").symlink_to(tmp_path / "anna.onnx")
    path = write_config(tmp_path, "  - name: host\n    voice: anna.onnx\n"
                        "  - name: guest\n    voice: kai.onnx\n    voice_config: anna.onnx.json\n")
    sidecar = Sidecar(load_config(path), workers=False)
    try:
        assert {name: (v.name, v.timings) for name, v in sidecar.voices.items()} == {
            "host": ("anna", True), "guest": ("kai", True)}
        [segment] = sidecar.voices["guest"].synthesize("Hello.")
        assert segment.phonemes and segment.words
    finally:
        sidecar.context.term()


def test_a_piper_voice_without_its_json_or_not_a_voice_is_a_clear_error(tmp_path: Path) -> None:
    lone = users_piper_voice(tmp_path, "lone")
    (tmp_path / "lone.onnx.json").unlink()
    with pytest.raises(ConfigError, match=r"lone.onnx: its config .*lone.onnx.json is missing: put the voice's"):
        load_voice(lone)
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    shutil.copy(users_piper_voice(tmp_path, "good").with_suffix(".onnx.json"), tmp_path / "junk.onnx.json")
    with pytest.raises(ConfigError, match=r"junk.onnx: not a Piper voice: "):
        load_voice(tmp_path / "junk.onnx")


def test_a_line_with_tags_ends_on_a_voice_without_timings(speech_server) -> None:  # noqa: ANN001
    voice = voice_for(speech_server, "pcm")
    clock, recorder = VirtualClock(10.0), Recorder()
    pipeline = build_pipeline([AvatarConfig("host")], lambda a: voice, Hub([recorder]), clock, lookahead=0.0)
    take = pipeline.directors["host"].say("[happy] Hello <wave> there, everyone! [sad] Goodbye.")
    play(pipeline, clock, 2.0)
    lifecycle = [(e.type, e.data.get("error")) for e in events(recorder, "host") if e.take == take.id]
    assert lifecycle == [("take_started", None), ("take_ended", None)]
    audio = sum(len(m.pcm) // 2 for m in recorder.messages if isinstance(m, AudioChunk))
    assert audio == len(split_for_streaming(take.text)) * len(TONE)
    assert [body["input"] for _, body, _ in speech_server.requests] == split_for_streaming(take.text)

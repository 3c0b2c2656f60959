"""The real Piper voice with alignments, and the offline render with its files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.render import LIVELINK_CSV_HEADER, render_take, write_take
from models.face.arkit import INDEX
from models.face.avatar import MOUTH_CHANNELS
from models.tts.piper_voice import phoneme_spans, split_for_streaming, words_of

ROOT = Path(__file__).resolve().parents[1]


def test_split_puts_a_short_first_clause_alone() -> None:
    assert split_for_streaming("Hi everyone, welcome to the show! Enjoy it.") == [
        "Hi everyone,", "welcome to the show!", "Enjoy it."]
    assert split_for_streaming("One sentence only.") == ["One sentence only."]
    assert split_for_streaming("   ") == []


def test_phoneme_spans_merge_marks_and_keep_time() -> None:
    spans = phoneme_spans([("^", 512), ("h", 256), ("ˈ", 256), ("a", 512), ("ː", 256), (" ", 256), ("m", 256),
                           ("$", 256)], 256)
    assert [(s.phoneme, s.viseme) for s in spans] == [("_", "sil"), ("h", "aa"), ("ˈa", "aa"), ("_", "sil"),
                                                       ("m", "PP"), ("_", "sil")]
    assert spans[2].start == 3.0 and spans[2].end == 7.0  # stress before, length mark after
    assert spans[-1].end == 10.0
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))


def test_voice_segments_align_with_their_audio(voice) -> None:  # noqa: ANN001
    segments = list(voice.synthesize("Hi everyone, welcome to the winter showcase! It's 2026."))
    assert [s.text for s in segments] == ["Hi everyone,", "welcome to the winter showcase!", "It's 2026."]
    for segment in segments:
        assert segment.sample_rate == 22050
        assert segment.phonemes[-1].end * segment.sample_rate == pytest.approx(segment.num_samples, abs=1)
        assert [w.word for w in segment.words] == words_of(segment.text)
        starts = [w.start for w in segment.words]
        assert starts == sorted(starts)
        assert all(w.end > w.start for w in segment.words)
    assert segments[2].words[1].word == "2026" and segments[2].words[1].end - segments[2].words[1].start > 0.5


def test_short_pieces_said_again_come_from_the_phrase_cache(voice, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A host's stock phrase ("Great pick!") is synthesized once per style; its repeat is the same audio, timings
    and words, a copy the caller may change, with no synthesis. A long piece or another style is synthesized."""
    from models.tts import VoiceStyle
    from models.tts.piper_voice import PHRASE_CACHE_CHARS

    first = list(voice.synthesize("Great pick! Those are our warmest gloves for the slopes."))
    calls: list[str] = []
    synthesize = voice._voice.synthesize
    monkeypatch.setattr(voice._voice, "synthesize", lambda said, **kw: calls.append(said) or synthesize(said, **kw))
    again = list(voice.synthesize("Great pick! Those are our warmest gloves for the slopes."))
    assert calls == ["Those are our warmest gloves for the slopes."]  # longer than PHRASE_CACHE_CHARS: said anew
    assert len("Great pick!") <= PHRASE_CACHE_CHARS < len(calls[0])
    assert np.array_equal(again[0].audio, first[0].audio) and again[0].audio is not first[0].audio
    assert again[0].phonemes == first[0].phonemes and again[0].words == first[0].words
    again[0].audio[:] = 0.0  # the caller's copy: the cache keeps its own
    assert np.array_equal(next(iter(voice.synthesize("Great pick!"))).audio, first[0].audio)
    slower = next(iter(voice.synthesize("Great pick!", VoiceStyle(length_scale=1.3))))
    assert calls[-1] == "Great pick!" and slower.num_samples > first[0].num_samples


def test_render_is_consistent(voice) -> None:  # noqa: ANN001
    take = render_take(voice, "Bob, maybe a bumpy path.")
    assert abs(len(take.audio) - take.phonemes[-1][3] * take.sample_rate) <= 256
    assert np.allclose(np.diff(take.frame_times), 1 / 60)
    assert take.frame_times[-1] >= take.duration
    bilabials = [(s, e) for _, v, s, e in take.phonemes if v == "PP"]
    for s, e in bilabials:
        i = int(np.argmin(np.abs(take.frame_times - 0.5 * (s + e))))
        assert take.weights[i, INDEX["mouthRollLower"]] > 0.6
    assert take.weights[-1, MOUTH_CHANNELS].max() == 0.0  # the mouth settles after the take (the eyes live on)
    assert [e["type"] for e in take.events] == ["take_started", "take_ended"]


def test_render_command_writes_wav_json_and_livelink_csv(tmp_path: Path) -> None:
    out = tmp_path / "take"
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "render", "Hello from the winter showcase.",
                             "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    audio, rate = soundfile.read(out / "take.wav", dtype="int16")
    assert rate == 22050 and len(audio) > rate
    doc = json.loads((out / "take.json").read_text())
    assert doc["text"] == "Hello from the winter showcase."
    assert doc["duration"] == pytest.approx(len(audio) / rate)
    assert len(doc["frames"][0]["w"]) == 52 and doc["phonemes"] and doc["words"]
    with (out / "take.livelink.csv").open() as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == LIVELINK_CSV_HEADER
    assert len(rows) - 1 == len(doc["frames"])
    assert rows[1][1] == "61" and len(rows[1]) == 63
    assert rows[2][0] == "00:00:00:01.000"
    jaw = [float(r[rows[0].index("JawOpen")]) for r in rows[1:]]
    assert max(jaw) > 0.3


def test_render_rejects_empty_text_and_unknown_emotion(tmp_path: Path) -> None:
    for args, message in ((["  "], "text must not be empty"), (["hi", "--emotion", "grumpy"], "unknown emotion")):
        result = subprocess.run([sys.executable, "-m", "bridge.cli", "render", *args, "-o", str(tmp_path)],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and message in result.stderr


def test_write_take_roundtrip(voice, tmp_path: Path) -> None:  # noqa: ANN001
    take = render_take(voice, "Thumbs up!")
    paths = write_take(take, tmp_path)
    assert [p.name for p in paths] == ["take.wav", "take.json", "take.livelink.csv", "take.bvh"]


def test_jaw_peaks_sit_in_vowels(voice) -> None:  # noqa: ANN001
    vowel_visemes = {"aa", "E", "ih", "oh", "ou"}
    strays = []  # per render, the jaw peaks more than two frames from every vowel
    for _ in range(3):  # the voice varies its timing from run to run
        take = render_take(voice, "Hi everyone, welcome to the winter showcase! Bob bought maple pie by the bay.")
        jaw, t = take.weights[:, INDEX["jawOpen"]], take.frame_times
        vowels = [(s, e) for _, v, s, e in take.phonemes if v in vowel_visemes]

        def near_vowel(x: float, frames: int, vowels: list = vowels) -> bool:
            return any(s - frames / 60 <= x <= e + frames / 60 for s, e in vowels)

        peaks = [i for i in range(1, len(jaw) - 1) if jaw[i] > 0.25 and jaw[i] >= jaw[i - 1] and jaw[i] > jaw[i + 1]]
        assert len(peaks) >= 5
        strays.append([round(float(t[i]), 3) for i in peaks if not near_vowel(t[i], 2)])
        assert sum(near_vowel(t[i], 1) for i in peaks) >= 0.8 * len(peaks)
    # A stray peak turned up in about 1 of 11 runs of three renders here (2026-12-05; the random voice: the cause is
    # not found yet); lips that broke would put strays in every render.
    assert sum(1 for s in strays if s) <= 1, strays

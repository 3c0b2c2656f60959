"""Lip-sync quality: 30 sentences rendered offline (the real voice, the whole pipeline, 60 fps frames as a client
receives them) and scored against their phoneme timeline and audio (models/face/quality.py):

- contact reached on every p b m (lips sealed) and f v (lower lip on the teeth),
- flickers: visible movements narrower than 40 ms,
- jawOpen's correlation with the audio's loudness envelope,
- onset lead: how long before its sound each visible viseme is half-way there (ITU-R BT.1359: a face late by
  more than ~45 ms, or early by more than ~125 ms, is noticed; lips anticipating a vowel lead on purpose),
- loud against quiet: the same line excited and sad, the jaw's mean vowel opening,
- cost: the face driver's time (PhonemeDriver: lip-sync, contact, head tracks) per second of speech.

A volume-only lip-sync (jawOpen follows loudness, what many avatar tools do) is scored the same way for
comparison. `python -m benchmarks lipsync` prints the table and writes benchmarks/results/lipsync.json.

`--language zh` scores 20 Mandarin sentences rich in b p m f initials instead, spoken by espeak-ng's cmn voice
(`--voice espeak-ng:cmn`), and writes benchmarks/results/lipsync_zh.json.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from benchmarks.common import percentiles, table, write

SENTENCES: tuple[str, ...] = (
    "Hi everyone, welcome to the winter showcase!",
    "Bob bought a maple pie by the bay.",
    "My mom made a blueberry muffin for baby Pam.",
    "Five very fine movies, please, before lunch.",
    "Think of three things you love about the mountains.",
    "Would you like to see our brand new puffer jacket?",
    "The biathlon mixes skiing with precise shooting.",
    "Please pass me the purple paper plates.",
    "Fifty five fluffy foxes followed the ferry.",
    "Are you ready for the big final tonight?",
    "Our mascot, a snow leopard, loves to wave at fans.",
    "Figure skaters spin faster when they pull their arms in.",
    "This thermal bottle keeps your cocoa warm for twelve hours.",
    "Maybe we can meet at the main plaza at seven.",
    "Why do bobsleds need such heavy weights?",
    "The opening ceremony begins with fireworks over the lake.",
    "Every volunteer receives a warm beanie and a pin.",
    "Very few people have won medals in both summer and winter games.",
    "Bring your family, your friends, and your best voice!",
    "What a wonderful performance by the Norwegian team!",
    "Pick up your tickets at the blue booth by the bus stop.",
    "Whoa, that was a perfect landing!",
    "I believe the curling final starts at five fifteen.",
    "Sorry, I missed that. Could you ask me again?",
    "Mia, Ben and Paul proudly carried the flag.",
    "Move over to the left so everybody can view the board.",
    "The ice hockey puck travels over one hundred miles per hour.",
    "Thank you so much for watching, and happy holidays!",
    "Have you ever tried freestyle moguls?",
    "Visit our booth for a photo with the official mascot.",
)
LOUD_QUIET_LINE = "Come on, hop aboard the big boat today!"
#: Mandarin: b p m f initials in most syllables (爸 八 白 病 / 朋 盘 漂 / 妈 买 美 / 饭 风 非), tones 1-4 and the
#: neutral tone, j q x zh ch sh r and ü beside them so the lips move between contacts.
SENTENCES_ZH: tuple[str, ...] = (
    "爸爸妈妈，欢迎来到我们的直播间！",
    "八百标兵奔北坡，炮兵并排北边跑。",
    "妈妈骂马，马慢慢跑。",
    "这件棉服非常暖和，不怕风吹。",
    "朋友们，帮我点个赞吧！",
    "今天的苹果又大又便宜，五块钱一斤。",
    "飞机飞过北方的白云。",
    "宝宝吃饭，吃面包和米饭。",
    "爬山的时候别忘了带瓶水。",
    "粉色的帽子配白色的毛衣，非常漂亮。",
    "冰墩墩陪我们看比赛。",
    "奔跑吧，兄弟，别放弃！",
    "风扇、吹风机和面包机都在打折。",
    "本店免费包邮，买一送一。",
    "你们喜欢哪一款背包？",
    "放鞭炮，吃饺子，过新年。",
    "妹妹买了一本漂亮的笔记本。",
    "明天北京有风，不太冷。",
    "谢谢大家的礼物，我非常开心！",
    "别客气，下次再见，拜拜！",
)
LOUD_QUIET_LINE_ZH = "快来吧，朋友们，跟我一起上船！"
VOWELS = {"aa", "E", "ih", "oh", "ou"}


def volume_only(take: Any) -> np.ndarray:  # noqa: ANN401 - a RenderedTake
    """The comparison: jawOpen from the loudness envelope alone (0..0.7), every other channel at rest."""
    from models.face.arkit import INDEX
    from models.face.quality import loudness_envelope

    weights = np.zeros_like(take.weights)
    envelope = loudness_envelope(take.audio, take.sample_rate, take.frame_times)
    weights[:, INDEX["jawOpen"]] = 0.7 * envelope / max(float(envelope.max()), 1e-9)
    return weights


def score(take: Any, weights: np.ndarray) -> dict[str, Any]:  # noqa: ANN401
    from models.face import quality
    from models.face.arkit import INDEX

    contacts = quality.contacts(take.frame_times, weights, take.phonemes)
    return {
        "pp": [c.reached for c in contacts if c.viseme == "PP"],
        "ff": [c.reached for c in contacts if c.viseme == "FF"],
        "flickers": len(quality.flickers(take.frame_times, weights)),
        "correlation": quality.envelope_correlation(take.frame_times, weights[:, INDEX["jawOpen"]], take.audio,
                                                    take.sample_rate, take.duration),
        "leads": quality.onset_leads(take.frame_times, weights, take.phonemes),
    }


def summary(scores: list[dict[str, Any]]) -> dict[str, Any]:
    pp = [r for s in scores for r in s["pp"]]
    ff = [r for s in scores for r in s["ff"]]
    leads = [lead * 1000.0 for s in scores for lead in s["leads"]]
    correlations = [s["correlation"] for s in scores]
    return {
        "bilabials": len(pp), "bilabials_closed": sum(pp),
        "labiodentals": len(ff), "labiodentals_reached": sum(ff),
        "flickers": sum(s["flickers"] for s in scores),
        "jaw_envelope_correlation": {"median": float(np.median(correlations)), "min": float(np.min(correlations))},
        "onset_lead_ms": {"count": len(leads), **percentiles(leads, 5, 25, 50, 75, 95)} if leads else {},
        "late_over_45ms": int(sum(lead < -45.0 for lead in leads)),
    }


def vowel_jaw(take: Any) -> float:  # noqa: ANN401
    from models.face.arkit import INDEX

    peaks = []
    for _, viseme, start, end in take.phonemes:
        inside = (take.frame_times >= start) & (take.frame_times < end)
        if viseme in VOWELS and inside.any():
            peaks.append(float(take.weights[inside, INDEX["jawOpen"]].max()))
    return float(np.mean(peaks))


def face_driver_cost(voice: Any, sentences: tuple[str, ...]) -> float:  # noqa: ANN401
    """Milliseconds of face driver work (lip-sync, contact and head tracks) per second of speech."""
    from models.face.drivers import PhonemeDriver

    driver = PhonemeDriver()
    segments = [s for text in sentences for s in voice.synthesize(text)]
    started = time.perf_counter()
    for segment in segments:
        driver.animate(segment)
    elapsed = time.perf_counter() - started
    return 1000.0 * elapsed / sum(s.duration for s in segments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_lipsync", description=__doc__)
    parser.add_argument("--language", choices=("en", "zh"), default="en",
                        help="en: 30 English sentences, bundled Piper voice; zh: 20 Mandarin ones, espeak-ng:cmn")
    parser.add_argument("--sentences", type=int, default=None, help="render only the first N of the set")
    args = parser.parse_args(argv)

    from bridge.render import render_take
    from models.tts.espeak_voice import EspeakSettings, EspeakVoice
    from models.tts.piper_voice import PiperTTS

    if args.language == "zh":
        sentences, loud_quiet, voice_name, result = SENTENCES_ZH, LOUD_QUIET_LINE_ZH, "espeak-ng:cmn", "lipsync_zh"
        voice: Any = EspeakVoice(EspeakSettings(voice="cmn"))
    else:
        sentences, loud_quiet, voice_name, result = SENTENCES, LOUD_QUIET_LINE, "bundled voice", "lipsync"
        voice = PiperTTS()
    sentences = sentences[: args.sentences]
    takes = [render_take(voice, text) for text in sentences]
    ours = summary([score(take, take.weights) for take in takes])
    baseline = summary([score(take, volume_only(take)) for take in takes])
    loud = vowel_jaw(render_take(voice, f"[excited] {loud_quiet}"))
    quiet = vowel_jaw(render_take(voice, f"[sad] {loud_quiet}"))
    cost = face_driver_cost(voice, sentences[:10])
    speech = sum(take.duration for take in takes)

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({100.0 * a / max(b, 1):.0f}%)"

    lead = ours["onset_lead_ms"]
    rows = [
        ("sentences / seconds of speech", f"{len(takes)} / {speech:.1f}", ""),
        ("p b m closed", pct(ours["bilabials_closed"], ours["bilabials"]), "100%"),
        ("f v lip on teeth", pct(ours["labiodentals_reached"], ours["labiodentals"]), "100%"),
        ("flickers (< 40 ms)", str(ours["flickers"]), "0"),
        ("jawOpen~envelope r median", f"{ours['jaw_envelope_correlation']['median']:.2f}", ">= 0.5"),
        ("jawOpen~envelope r min", f"{ours['jaw_envelope_correlation']['min']:.2f}", "(loud consonants shut the jaw)"),
        ("onset lead p5 ms", f"{lead['p5']:.0f}", ">= -45 (never noticeably late)"),
        ("onset lead p50 ms", f"{lead['p50']:.0f}", "20..80 (lips anticipate)"),
        ("onset lead p95 ms", f"{lead['p95']:.0f}", "<= 200"),
        ("onsets late by > 45 ms", f"{ours['late_over_45ms']}/{lead['count']}", "0"),
        ("jaw excited / sad", f"{loud / quiet:.2f}", ">= 1.25 (shouting opens wider)"),
        ("face driver ms per s of speech", f"{cost:.1f}", "<= 20 (off the tick)"),
        ("volume-only: p b m closed", pct(baseline["bilabials_closed"], baseline["bilabials"]), "(comparison)"),
        ("volume-only: jaw~envelope r", f"{baseline['jaw_envelope_correlation']['median']:.2f}", "(comparison)"),
    ]
    print(table(rows, f"Lip-sync quality (60 fps frames of offline renders, {voice_name})"))
    # The cost keeps the key earlier results used, so runs compare.
    path = write(result, {"language": args.language, "voice": voice_name, "sentences": len(takes),
                          "speech_seconds": speech, "ours": ours, "volume_only": baseline,
                          "jaw_excited_over_sad": loud / quiet, "jaw_excited": loud, "jaw_sad": quiet,
                          "animator_ms_per_speech_s": cost})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

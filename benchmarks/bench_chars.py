"""Seconds a character, synthesized and spoken, for the bundled Piper voice and espeak-ng on English lines and for
espeak-ng's cmn voice on Chinese lines: what the piece bound (`models.tts.MAX_PIECE_CHARS`, `CJK_CHAR_WEIGHT`)
counts. Each line is said once after a warm-up; totals over all lines (results/chars.json).

    python -m benchmarks.bench_chars
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable

from benchmarks.bench_sidecar import LINES
from benchmarks.common import table, write
from models.tts import SpeechSegment

#: Chinese lines of a shopping stream, numbers written as the host would type them (said through `speakable`).
CHINESE_LINES = [
    "大家好！",
    "欢迎来到我们的直播间。",
    "今天给大家带来一款非常好用的保温杯。",
    "这款保温杯只要¥129，买2个再送一个杯套。",
    "它可以保温十二个小时，冬天出门特别方便。",
    "不锈钢内胆，没有异味，妈妈们都很喜欢。",
    "库存只有500件，卖完就没有了。",
    "活动从15:05开始，到今晚十点结束。",
    "有问题的朋友可以打客服电话4008123456。",
    "谢谢大家的支持，我们明天见！",
    "這個產品非常漂亮，適合送給朋友。",
    "重量只有0.35公斤，放在包里一点都不重。",
]


def per_char(say: Callable[[str], Iterable[SpeechSegment]], lines: list[str]) -> dict[str, float]:
    """Seconds of synthesis and of speech a character, over all `lines` (after one warm-up line)."""
    list(say(lines[0]))
    chars = synth = spoken = 0.0
    for line in lines:
        start = time.perf_counter()
        segments = list(say(line))
        synth += time.perf_counter() - start
        spoken += sum(s.duration for s in segments)
        chars += len(line)
    return {"chars": chars, "synth_ms_per_char": 1e3 * synth / chars, "speech_ms_per_char": 1e3 * spoken / chars}


def main(argv: list[str] | None = None) -> dict:
    argparse.ArgumentParser(prog="bench_chars", description=__doc__).parse_args(argv)

    from models.tts.espeak_voice import EspeakSettings, EspeakVoice
    from models.tts.piper_voice import PiperTTS

    results = {
        "piper joe, English": per_char(PiperTTS(device="cpu").synthesize, LINES),
        "espeak-ng en-us, English": per_char(EspeakVoice(EspeakSettings("en-us")).synthesize, LINES),
        "espeak-ng cmn, Chinese": per_char(EspeakVoice(EspeakSettings("cmn")).synthesize, CHINESE_LINES),
    }
    rows = [(f"{name}: {key}", f"{value:.1f}", "") for name, result in results.items()
            for key, value in result.items() if key != "chars"]
    print(table(rows, "Seconds a character (ms), synthesized and spoken"))
    write("chars", {"voices": results})
    return results


if __name__ == "__main__":
    main()

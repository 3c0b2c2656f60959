"""A Mandarin line through the whole pipeline (issue 18): the real sidecar as a subprocess with two avatars in one
config, `mei` on espeak-ng's cmn voice and `host` on the bundled English Piper voice; requests over the control
socket, everything received from the stream socket as an engine would. Last, the browser preview (Debian's
Chromium, tests/test_web_preview.py's driver) on the same sidecar: Chinese subtitles, and Enter while an input
method composes does not send."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator

import numpy as np
import pytest

from bridge.client import BridgeClient, BridgeError
from bridge.protocol import AudioChunk, FaceFrame
from models.face.arkit import INDEX
from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar
from tests.test_e2e import collect_take
from tests.test_web_preview import ARTIFACTS, WEB, Page, printed_url, require_tools, say, wait_take_end

LINE = "[happy]大家好，<wave>欢迎来到直播间！爸爸妈妈买了八百个面包。"
PLAIN = "大家好，欢迎来到直播间！爸爸妈妈买了八百个面包。"
#: jieba's words for PLAIN: what subtitles, heard-history and gesture marks count.
WORDS = ["大家", "好", "欢迎", "来到", "直播间", "爸爸妈妈", "买", "了", "八百个", "面包"]
#: Chinese punctuation, none of which is a word.
PUNCTUATION = re.compile(r"[，。！？；：、\s]")


@pytest.fixture(scope="module")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSidecar]:
    folder = tmp_path_factory.mktemp("mandarin")
    config = folder / "sidecar.yaml"
    # mei first: the preview page plays the first avatar.
    config.write_text("avatars:\n  - name: mei\n    voice: espeak-ng:cmn\n  - name: host\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        preview_port = probe.getsockname()[1]
    running = start_sidecar(folder, "--config", str(config), "--preview-port", str(preview_port))
    yield running
    stop_sidecar(running)


@pytest.fixture
def client(sidecar: RunningSidecar) -> Iterator[BridgeClient]:
    with BridgeClient(sidecar.control, sidecar.stream, timeout=20.0) as c:
        c.subscribe()
        yield c


def take_of(client: BridgeClient, text: str, avatar: str) -> tuple[str, dict[str, list]]:
    take = client.say(text, avatar=avatar)
    return take, collect_take(client, take)


def face_of(got: dict[str, list], avatar: str, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """One avatar's face frames between two pts: their times from `start` and their weights."""
    frames = [f for f in got["face"] if isinstance(f, FaceFrame) and f.avatar == avatar and start <= f.pts <= end]
    return np.array([f.pts - start for f in frames]), np.array([f.weights for f in frames])


def test_each_avatar_has_its_own_voice(client: BridgeClient) -> None:
    voices = client.describe()["voices"]
    assert voices["host"]["voice"] == "en_US-joe-medium" and voices["mei"]["voice"] == "espeak-ng:cmn"
    # The English avatar on the same sidecar speaks English, with the bundled voice's words.
    _, got = take_of(client, "Welcome back, everyone!", "host")
    assert {m.avatar for m in got["audio"]} == {"host"}
    assert [w[0] for m in got["words"] for w in m.items] == ["Welcome", "back", "everyone"]


def test_a_tagged_mandarin_line_arrives_whole_over_the_socket(client: BridgeClient) -> None:
    take, got = take_of(client, LINE, "mei")
    started = next(e for e in got["event"] if e.type == "take_started")
    assert {m.avatar for m in got["audio"] + got["phonemes"] + got["words"]} == {"mei"}

    # Audio: one contiguous run, as long as the phoneme and word timelines.
    audio: list[AudioChunk] = got["audio"]
    rate = client.describe()["voices"]["mei"]["rate"]
    duration = sum(len(a.pcm) // 2 for a in audio) / rate
    assert duration > 2.0 and audio[0].pts == pytest.approx(started.pts)
    phonemes = [p for m in got["phonemes"] for p in m.items]
    words = [w for m in got["words"] for w in m.items]
    assert phonemes[0][2] == 0.0 and phonemes[-1][3] == pytest.approx(duration, abs=512 / rate)
    assert all(a[3] == pytest.approx(b[2], abs=1e-5) for a, b in zip(phonemes, phonemes[1:], strict=False))
    assert words[0][1] == 0.0 and words[-1][2] == pytest.approx(duration, abs=512 / rate)

    # Words from the segmenter, and the subtitle a client builds from them is the line without its tags and
    # punctuation (the preview joins Chinese words without spaces).
    assert [w[0] for w in words] == WORDS
    assert "".join(w[0] for w in words) == PUNCTUATION.sub("", PLAIN)
    assert PUNCTUATION.sub("", started.data["text"]) == PUNCTUATION.sub("", PLAIN)

    # <wave> before 欢迎: the gesture's stroke lands on that word's start.
    gesture = next(e for e in got["event"] if e.type == "gesture" and e.take == take)
    start_of = {w[0]: w[1] for w in words}
    assert gesture.data["name"] == "wave"
    assert gesture.pts - started.pts == pytest.approx(start_of["欢迎"], abs=0.05)

    # Lips seal on every b p m initial (八 百 爸 妈 买 面 包 直播): rolled in, jaw shut, on the frame at its middle.
    t, weights = face_of(got, "mei", started.pts, started.pts + duration)
    bilabials = [(s, e) for _, v, s, e in phonemes if v == "PP"]
    assert len(bilabials) >= 10
    for s, e in bilabials:
        nearest = int(np.argmin(np.abs(t - 0.5 * (s + e))))
        assert weights[nearest, INDEX["mouthRollLower"]] > 0.6, f"lips open on the bilabial at {s:.3f} s"
        assert weights[nearest, INDEX["jawOpen"]] < 0.2, f"jaw open on the bilabial at {s:.3f} s"

    # [happy] at the first word: she smiles through the line, more than saying it without the tag.
    _, plain = take_of(client, PLAIN, "mei")
    plain_started = next(e for e in plain["event"] if e.type == "take_started")
    _, neutral = face_of(plain, "mei", plain_started.pts, plain_started.pts + duration)
    smile = [INDEX["mouthSmileLeft"], INDEX["mouthSmileRight"]]
    assert weights[:, smile].mean() > neutral[:, smile].mean() + 0.1


@pytest.mark.parametrize("text", [
    "這個產品非常漂亮，只要９９元！",  # traditional characters, full-width digits and punctuation
    "这款iPhone手机😀真的很好。",  # Latin inside Chinese, an emoji
    "䶮䶮，你好。",  # a rare character espeak-ng's cmn dictionary does not have
])
def test_awkward_mandarin_is_spoken(client: BridgeClient, text: str) -> None:
    _, got = take_of(client, text, "mei")
    assert [e.type for e in got["event"] if e.type in ("take_started", "take_ended")] == ["take_started",
                                                                                           "take_ended"]
    assert not [e for e in got["event"] if e.type == "error"]
    pcm = np.concatenate([np.frombuffer(a.pcm, dtype="<i2") for a in got["audio"]])
    assert len(pcm) > 0.5 * 22050 and np.abs(pcm).max() > 1000


def test_a_line_of_only_punctuation_is_refused_by_name_and_the_sidecar_goes_on(client: BridgeClient) -> None:
    with pytest.raises(BridgeError) as refused:
        client.say("？？！！……", avatar="mei")
    assert refused.value.code == "empty" and refused.value.field == "text"
    assert "nothing to speak" in str(refused.value)
    _, after = take_of(client, "你好。", "mei")
    assert after["audio"] and [w[0] for m in after["words"] for w in m.items] == ["你好"]


def test_sidecar_log_has_no_errors(sidecar: RunningSidecar) -> None:
    log = sidecar.log()
    assert "Traceback" not in log and '"level": "error"' not in log


def test_the_preview_joins_chinese_subtitles_without_spaces() -> None:
    result = subprocess.run([require_tools(browser=False), "--test", "test/subtitles.test.mjs"], cwd=WEB,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "# pass 4" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.fixture
def page(sidecar: RunningSidecar) -> Iterator[Page]:
    page = Page(require_tools())
    try:
        page.command("goto", url=printed_url(sidecar))
        page.wait("window.preview && preview.connection.state === 'connected' && preview.avatar === 'mei'", 30)
        yield page
    finally:
        page.close()


def test_the_preview_shows_chinese_subtitles_and_enter_in_an_ime_does_not_send(page: Page) -> None:
    (ARTIFACTS / "mandarin-subtitles.png").unlink(missing_ok=True)
    # Enter that picks an input method's candidate (isComposing; Safari: keyCode 229) leaves the line in the box.
    page.command("fill", selector="#say-text", text="欢迎来到直播间")
    for init in ("{key: 'Enter', isComposing: true}", "{key: 'Enter', keyCode: 229}"):
        page.eval(f"document.querySelector('#say-text').dispatchEvent(new KeyboardEvent('keydown', "
                  f"{{...{init}, bubbles: true, cancelable: true}}))")
    page.eval("new Promise(r => setTimeout(r, 500))")
    assert page.eval("preview.console.lastTake") is None
    assert page.eval("document.querySelector('#say-text').value") == "欢迎来到直播间"

    # A plain Enter sends it; the subtitles write its words without spaces, marked Chinese.
    take = say(page, "大家好，欢迎来到直播间！爸爸妈妈买了八百个面包。")
    shown: list[str] = []
    for _ in range(400):
        text, lang, ended = page.eval(f"""(() => {{ const box = document.querySelector('#subtitles');
            const t = preview.playout.takes.get({json.dumps(take)});
            return [box.textContent, box.lang, Boolean(t && t.end !== null && preview.playout.playhead() > t.end)];
            }})()""")
        if text and text not in shown:
            shown.append(text)
            assert lang == "zh" and " " not in text, text
            if "直播间" in text and not (ARTIFACTS / "mandarin-subtitles.png").exists():
                page.screenshot("mandarin-subtitles.png")  # the glyphs, to look at
        if ended:
            break
        page.eval("new Promise(r => setTimeout(r, 50))")
    timeline = wait_take_end(page, take)
    assert timeline["words"] == WORDS
    assert shown and shown[-1] == "".join(WORDS), shown
    # The console with Chinese in its say box, drawn with a CJK font (`make deps` installs one).
    page.command("fill", selector="#say-text", text="这件棉服非常暖和，不怕风吹。")
    page.screenshot("mandarin-console.png")
    assert page.errors() == []

"""The browser preview in a real browser: Debian's Chromium, driven by playwright-core (engine_plugins/web/test/
driver.mjs), against the real sidecar (`serve --preview-port`). One browser and one sidecar for the module; the
last test restarts the sidecar under the page. Screenshots go to test-artifacts/.

The JavaScript codec's golden-vector test (node's test runner) runs here too."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from models.face.emotion import EMOTIONS
from tests.conftest import RunningSidecar, free_port_pair, start_sidecar, stop_sidecar

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "engine_plugins" / "web"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
NODE = shutil.which("node")



def require_tools(browser: bool = True) -> str:
    """node, the npm packages and (for the page) Debian's chromium, or a failure saying how to get them: `make test`
    installs them, so their absence is a broken setup, not a reason to skip."""
    missing = [what for what, present in (
        ("node (apt-get install nodejs npm)", NODE is not None),
        (f"the npm packages in {WEB / 'node_modules'} (npm ci)", (WEB / "node_modules" / "playwright-core").is_dir()),
        (f"{CHROMIUM} (apt-get install chromium)", not browser or CHROMIUM.exists()),
    ) if not present]
    if missing:
        pytest.fail(f"the browser tests need {', '.join(missing)}: run `make deps`", pytrace=False)
    assert NODE is not None
    return NODE


def test_javascript_codec_decodes_every_golden_vector() -> None:
    result = subprocess.run([require_tools(browser=False), "--test", "test/vectors.test.mjs"], cwd=WEB,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    vectors = len(list((ROOT / "tests" / "vectors").glob("*.msgpack")))
    passed = int(re.search(r"^# pass (\d+)", result.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert passed >= vectors + 1 and "# fail 0" in result.stdout


class Page:
    """One headless Chromium page, remote-controlled through driver.mjs (a JSON command per line)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([NODE, "test/driver.mjs"], cwd=WEB, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env={"CHROMIUM": str(CHROMIUM),
                                                                                "PATH": "/usr/bin:/bin"})
        self.ids = 0
        hello = json.loads(self._line())
        assert hello["ready"], hello

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the browser driver exited with {self.process.wait(5)}")
        return line

    def command(self, cmd: str, **fields: Any) -> Any:
        assert self.process.stdin is not None
        self.ids += 1
        self.process.stdin.write(json.dumps({"id": self.ids, "cmd": cmd, **fields}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self._line())
        if not answer["ok"]:
            raise AssertionError(f"{cmd} {fields}: {answer['error']}")
        return answer["value"]

    def eval(self, js: str) -> Any:
        return self.command("eval", js=js)

    def wait(self, js: str, timeout: float = 10.0) -> Any:
        return self.command("wait", js=js, timeout_ms=int(timeout * 1000))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        return Path(self.command("screenshot", path=str(ARTIFACTS / name)))

    def errors(self) -> list[str]:
        return [line for line in self.command("logs") if line.startswith(("pageerror", "error"))]

    def close(self) -> None:
        try:
            self.command("close")
        except RuntimeError:
            pass
        self.process.wait(10)


@dataclass
class Preview:
    sidecar: RunningSidecar
    page: Page
    port: int
    tmp: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    require_tools()
    tmp = tmp_path_factory.mktemp("preview")
    port = free_port_pair()[0]
    sidecar = start_sidecar(tmp, "--preview-port", str(port))
    page = Page()
    running = Preview(sidecar, page, port, tmp)
    try:
        page.command("goto", url=running.url)
        page.wait("window.preview && preview.connection.state === 'connected'", 30)
        yield running
    finally:
        page.close()
        stop_sidecar(running.sidecar)


def say(page: Page, text: str) -> str:
    """Type a line in the console's say box and press Enter, as an operator does; returns its take id."""
    before = page.eval("preview.console.lastTake")
    page.command("fill", selector="#say-text", text=text)
    page.command("press", key="Enter")
    # The reply names the new take; until it arrives lastTake is still the one before.
    return str(page.wait(f"preview.console.lastTake !== {json.dumps(before)} && preview.console.lastTake", 10))


def wait_take_end(page: Page, take: str, timeout: float = 20.0) -> dict:
    """Wait until the take's end has been played out (plus a beat for the face to settle); its timeline."""
    return dict(page.wait(f"(() => {{ const t = preview.playout.takes.get({json.dumps(take)}); "
                          f"return t && t.end !== null && preview.playout.playhead() > t.end + 0.6 && "
                          f"{{start: t.start, end: t.end, "
                          f"words: t.words.map(w => w[0]), interrupted: t.interrupted}}; }})()", timeout))


def test_the_page_connects_and_builds_its_console_from_describe(preview: Preview) -> None:
    page = preview.page
    assert preview.sidecar.log().count(f"open http://127.0.0.1:{preview.port}/") == 1  # serve printed the URL
    emotions = page.eval("[...document.querySelectorAll('#emotions button')].map(b => b.dataset.emotion)")
    assert emotions == ["", *EMOTIONS]
    described = page.eval("preview.connection.described")
    assert page.eval("[...document.querySelectorAll('#gestures button')].map(b => b.dataset.gesture)") == \
        described["gestures"]
    # Every panel whose op this sidecar serves is live; the page learnt that from describe.ops.
    assert page.eval("[...document.querySelectorAll('section.unavailable')].length") == 0
    assert {"say", "gesture", "dance", "chat", "queue", "show"} <= set(described["ops"])
    # Frames arrive about `lookahead` (0.1 s) before their pts; loopback adds little (once the page has built its
    # meshes and shaders: the first second is busy).
    # The same goes for the clock sync: pings answered while the page was busy give way to quicker ones.
    page.wait("preview.figure !== null && preview.metrics().ptsLagMs > 40 && preview.metrics().rttMs < 10", 20)
    metrics = page.eval("preview.metrics()")
    assert metrics["ptsLagMs"] < 110 and metrics["faceRate"] > 40, metrics
    assert page.eval("preview.head.channels.length") == 52
    page.screenshot("preview-connected.png")
    assert page.errors() == []


def test_a_line_from_the_console_moves_the_jaw_plays_audio_at_pts_and_shows_subtitles(preview: Preview) -> None:
    page = preview.page
    page.eval("preview.trace.length = 0")
    line = "Hello everyone, welcome to the show! I am so happy to see you all."
    take = say(page, line)
    subtitles: set[str] = set()
    mid_vowel = 0.0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = page.eval(f"(() => {{ const t = preview.playout.takes.get('{take}'); "
                          "return [preview.influence('jawOpen'), document.querySelector('#subtitles').textContent, "
                          "t && t.end !== null && "
                          "preview.playout.playhead() > t.end + 0.6]; })()")
        subtitles.update(state[1].split())
        if state[0] > max(0.3, mid_vowel + 0.05):  # the widest the mouth has been so far: the docs' picture
            page.screenshot("preview-mid-vowel.png")
            mid_vowel = state[0]
        if state[2]:
            break
    timeline = wait_take_end(page, take)
    spoken = [re.sub(r"\W", "", w).lower() for w in line.split()]
    assert [w.lower() for w in timeline["words"]] == spoken
    assert set(spoken) <= {w.lower() for w in subtitles}, subtitles  # every word was on screen

    trace = page.eval("preview.trace")
    during = [s["jaw"] for s in trace if timeline["start"] <= s["t"] <= timeline["end"]]
    before = [s["jaw"] for s in trace if s["t"] < timeline["start"] - 0.15]
    after = [s["jaw"] for s in trace if s["t"] > timeline["end"] + 0.5]
    assert len(during) > 20 and before and after
    assert max(during) > 0.3 and max(before) < 0.1 and max(after) < 0.1
    # It rises and falls with the syllables, not once: count openings above 0.25 separated by closings below 0.12.
    openings, is_open = 0, False
    for value in during:
        if not is_open and value > 0.25:
            openings, is_open = openings + 1, True
        elif is_open and value < 0.12:
            is_open = False
    assert openings >= 4, during

    metrics = page.eval("preview.metrics()")
    # WebAudio scheduled the take's first sample at its pts (+ the jitter buffer), and while it played the sample
    # being heard was the one of the frame on screen.
    assert abs(metrics["firstAudioErrorMs"]) < 20, metrics
    sync = [s["sync"] * 1000 for s in trace if s["sync"] is not None and s["take"] == take]
    assert len(sync) > 20 and max(abs(v) for v in sync) < 20, sync
    assert 0 < metrics["firstAudioMs"] < 3000 and metrics["drops"] == 0
    assert mid_vowel > 0.3
    assert page.errors() == []


def test_interrupt_from_the_keyboard_cuts_the_voice_and_the_mouth(preview: Preview) -> None:
    page = preview.page
    take = say(page, "This is a long line that nobody will hear to its end, because the operator cuts it off "
                     "right in the middle of the second sentence, as operators do.")
    page.wait(f"preview.playout.audio.heard() !== null && preview.playout.takes.get('{take}').start !== null", 10)
    time.sleep(0.5)
    page.command("press", key="Escape")  # leaves the say box
    page.command("press", key="Escape")  # interrupts
    timeline = wait_take_end(page, take, 10)
    assert timeline["interrupted"]
    # Nothing of the take is heard after the cut, and the mouth closes.
    page.wait("preview.playout.audio.heard() === null && preview.influence('jawOpen') < 0.1", 2)
    log = page.eval("document.querySelector('#log').textContent")
    assert f"{take} interrupted" in log and "interrupted at" in log


def test_bad_input_is_reported_and_the_page_keeps_working(preview: Preview) -> None:
    page = preview.page
    page.eval(f"preview.console.say('{'x' * 5001}')")
    page.wait("document.querySelector('#log').textContent.includes('too_long (text)')", 5)
    # A model without morph targets: a clear message, the page goes on.
    page.eval("""(async () => {
        const THREE = await import('three');
        const { GLTFExporter } = await import('three/addons/exporters/GLTFExporter.js');
        const box = new THREE.Mesh(new THREE.BoxGeometry(0.3, 0.3, 0.3), new THREE.MeshStandardMaterial());
        const glb = await new GLTFExporter().parseAsync(box, { binary: true });
        await preview.loadModel(new File([glb], 'box.glb'));
    })()""")
    report = page.eval("document.querySelector('#model-report').textContent")
    assert "box.glb has no morph targets" in report
    # A huge file is refused before it is read.
    page.eval("preview.loadModel(new File([new Uint8Array(100 * 1024 * 1024 + 1)], 'huge.glb'))")
    report = page.wait("document.querySelector('#model-report').textContent.includes('huge.glb') && "
                       "document.querySelector('#model-report').textContent", 10)
    assert "100.0 MiB" in report and "up to 100 MiB" in report
    # The preview head exported as .glb and dropped back in: every ARKit channel found, and speech drives it.
    page.eval("(async () => { const glb = await preview.exportHead(false); "
              "await preview.loadModel(new File([glb], 'head.glb')); })()")
    report = page.eval("document.querySelector('#model-report').textContent")
    assert "profile “arkit” drives 52 of 52" in report and "nothing missing" in report
    take = say(page, "Open wide.")
    page.wait("preview.model && preview.influence('jawOpen') > 0.2", 10)
    wait_take_end(page, take)
    page.eval("preview.resetModel()")
    assert page.errors() == []


def _hands_apart() -> str:
    return "(() => { const a = preview.figure.worldOf('LeftHand'), b = preview.figure.worldOf('RightHand'); " \
           "return [a.distanceTo(b), (a.y + b.y) / 2, preview.figure.worldOf('Hips').y]; })()"


def test_heart_hands_and_a_dance_drive_the_figure(preview: Preview) -> None:
    page = preview.page
    page.eval("document.activeElement.blur()")  # keys go to the console, not the say box
    page.command("press", key="v")  # the body in the big view
    assert page.eval("document.querySelector('#inset-label').textContent") == "face"
    rest = page.eval(_hands_apart())
    page.command("click", selector="#gestures button[data-gesture='heart_hands']")
    closest = rest
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        now = page.eval(_hands_apart())
        if now[0] < closest[0]:
            closest = now
            if now[0] < 0.2:
                page.screenshot("preview-heart-hands.png")
    assert rest[0] > 0.3 and closest[0] < 0.2 and closest[1] > rest[1] + 0.3, (rest, closest)

    music = preview.tmp / "music.wav"
    house = _house_loop()
    if house is not None:
        shutil.copy(house, music)
    else:
        from models.body.metrics import click_track

        soundfile.write(music, click_track(120.0, 6.0, 22050)[0], 22050)
    page.command("files", selector="#dance-file", paths=[str(music)])
    page.command("click", selector="#dance-form button[type=submit]")
    page.wait("document.querySelector('#log').textContent.includes('bpm')", 60)  # beats tracked: the take plays
    hips: list[float] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        hips.append(page.eval(_hands_apart())[2])
    page.screenshot("preview-dance.png")
    assert np.ptp(hips) > 0.01, hips  # the hips bounce with the beat
    page.eval("document.activeElement.blur()")
    page.command("press", key="Escape")  # interrupts the dance
    page.command("press", key="v")
    assert page.errors() == []


def _house_loop() -> Path | None:
    try:
        import pygame
    except ImportError:
        return None
    path = Path(pygame.__file__).parent / "examples" / "data" / "house_lo.wav"
    return path if path.is_file() else None


def test_a_sidecar_restart_is_told_and_the_page_reconnects(preview: Preview) -> None:
    page = preview.page
    stop_sidecar(preview.sidecar)
    page.wait("document.querySelector('#banner').textContent.includes('lost')", 10)
    page.screenshot("preview-connection-lost.png")
    assert page.eval("document.querySelector('#interrupt').disabled")
    preview.sidecar = start_sidecar(preview.tmp, "--preview-port", str(preview.port))
    page.wait("preview.connection.state === 'connected' && preview.metrics().restarted", 30)
    assert page.eval("preview.connection.connects") == 2
    assert "restarted" in page.eval("document.querySelector('#log').textContent")
    take = say(page, "I am back.")
    page.wait("preview.influence('jawOpen') > 0.2", 10)
    wait_take_end(page, take)
    # The browser logs each refused reconnection attempt while the sidecar was down; nothing else went wrong.
    assert [e for e in page.errors() if "ERR_CONNECTION_REFUSED" not in e] == []

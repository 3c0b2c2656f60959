"""The browser preview in a real browser: Debian's Chromium, driven by playwright-core (engine_plugins/web/test/
driver.mjs), against the real sidecar (`serve --preview-port`). One browser and one sidecar for the module, the page
reaching the sidecar through a TCP relay the tests can cut (a network drop); the last test restarts the sidecar
under the page. Screenshots go to test-artifacts/.

Timing is checked against references outside the page's code: the sidecar's own ZeroMQ stream (pts, samples and
weights as sent), every WebAudio start() the page makes (recorded by a probe the driver installs), and the true
offset between the page's clock and the sidecar's (Chromium's performance.timeOrigin is wall-clock time, the
sidecar's clock is CLOCK_MONOTONIC, and this process can read both).

The JavaScript codec's golden-vector test (node's test runner) runs here too."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import soundfile

from bridge.client import BridgeClient
from bridge.preview import MAX_UPLOAD_BYTES
from bridge.protocol import AudioChunk, FaceFrame
from models.face.arkit import ARKIT_BLENDSHAPES
from models.face.emotion import EMOTIONS
from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "engine_plugins" / "web"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
NODE = shutil.which("node")
JAW = ARKIT_BLENDSHAPES.index("jawOpen")


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


def test_the_page_tells_a_restart_by_the_run_every_event_carries() -> None:
    result = subprocess.run([require_tools(browser=False), "--test", "test/playout.test.mjs"], cwd=WEB,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "# pass 3" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]


# -- the harness ------------------------------------------------------------------------------------------------------


class Page:
    """One headless Chromium page, remote-controlled through driver.mjs (a JSON command per line)."""

    def __init__(self, node: str) -> None:
        self.process = subprocess.Popen([node, "test/driver.mjs"], cwd=WEB, stdin=subprocess.PIPE,
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

    def text(self, selector: str) -> str:
        return str(self.eval(f"document.querySelector({json.dumps(selector)}).textContent"))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        return Path(self.command("screenshot", path=str(ARTIFACTS / name)))

    def errors(self) -> list[str]:
        # A reconnection attempt refused while the sidecar or the link is down is logged by the browser itself, and
        # so is the page's question whether the sidecar refuses it (connection.js, _refusal).
        return [line for line in self.command("logs") if line.startswith(("pageerror", "error"))
                and "WebSocket connection to" not in line and "Failed to load resource: net::ERR_" not in line]

    def close(self) -> None:
        try:
            self.command("close")
        except RuntimeError:
            pass
        self.process.wait(10)


class Link:
    """A TCP relay standing in for the network between the page and the sidecar's preview port: `cut()` drops every
    connection and refuses new ones, `mend()` lets them through again."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.mend()

    def mend(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        assert self.listener is not None
        self.listener.close()
        self.listener = None
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                downstream, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
            except OSError:
                downstream.close()  # the sidecar is down: the page sees its connection refused, as without a relay
                continue
            for s in (downstream, upstream):
                s.settimeout(None)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.connections.update((downstream, upstream))
            for a, b in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@dataclass
class StreamTap:
    """The sidecar's stream as a ZeroMQ subscriber sees it (the reference the page is checked against)."""

    sidecar: RunningSidecar
    audio: list[AudioChunk] = field(default_factory=list)
    faces: list[FaceFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.faces:  # the subscription has reached the publisher
            assert time.monotonic() < deadline, "no face frame on the ZeroMQ stream"
            time.sleep(0.05)

    def _run(self) -> None:
        with BridgeClient(self.sidecar.control, stream=self.sidecar.stream) as client:
            client.subscribe(avatar="host", kinds=["audio", "face"])
            while self.running:
                for message, _ in client.stream(timeout=0.2):
                    if isinstance(message, AudioChunk):
                        self.audio.append(message)
                    elif isinstance(message, FaceFrame):
                        self.faces.append(message)
                    if not self.running:
                        break

    def stop(self) -> None:
        self.running = False
        self.thread.join(5)


def s16_hash(pcm: bytes) -> int:
    """The probe's hash of a chunk (browser.mjs): h = h * 31 + sample over s16 samples, as a signed 32-bit int."""
    h = 0
    for sample in np.frombuffer(pcm, "<i2").tolist():
        h = (h * 31 + sample) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def true_clock_offset(page: Page) -> float:
    """sidecar time - page time (performance.now() in s), from the two clocks themselves rather than the page's pings:
    performance.timeOrigin is wall-clock ms at the page's time zero; the sidecar's clock is time.monotonic()."""
    wall_minus_monotonic = min(time.time() - time.monotonic() for _ in range(200))
    return float(page.eval("performance.timeOrigin")) / 1000 - wall_minus_monotonic


def printed_url(sidecar: RunningSidecar) -> str:
    """The preview's URL as `serve` printed it for the operator, with the run's token."""
    found = re.search(r"preview: open (http://\S+) in a browser", sidecar.log())
    assert found, sidecar.log()
    return found.group(1)


@dataclass
class Preview:
    sidecar: RunningSidecar
    page: Page
    link: Link
    port: int
    tmp: Path

    @property
    def url(self) -> str:
        """The URL serve printed, through the link."""
        return printed_url(self.sidecar).replace(f":{self.port}/", f":{self.link.port}/")

    def restart_sidecar(self) -> None:
        """A new run with the first one's token (a scripted setup's --preview-token): the open page gets back in."""
        token = parse_qs(urlsplit(self.url).query)["token"][0]
        self.sidecar = start_sidecar(self.tmp, "--preview-port", str(self.port), "--preview-token", token)


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    node = require_tools()
    tmp = tmp_path_factory.mktemp("preview")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sidecar = start_sidecar(tmp, "--preview-port", str(port))
    page = Page(node)
    running = Preview(sidecar, page, Link(port), port, tmp)
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
                          f"{{start: t.start, end: t.end, emotion: t.emotion, "
                          f"words: t.words.map(w => w[0]), interrupted: t.interrupted}}; }})()", timeout))


def log_text(page: Page) -> str:
    return page.text("#log")


def blur(page: Page) -> None:
    """Leave any text box, so keys go to the console's shortcuts."""
    page.eval("document.activeElement && document.activeElement.blur()")


# -- the page and the console -----------------------------------------------------------------------------------------


def test_the_page_connects_and_builds_its_console_from_describe(preview: Preview) -> None:
    page = preview.page
    assert preview.sidecar.log().count(f"open http://127.0.0.1:{preview.port}/?token=") == 1  # serve printed it
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
    # The figure is the stream's skeleton: every joint of describe's, posed by the pose stream (arms down, not the
    # T-pose of its rest offsets).
    assert page.eval("preview.figure.bones.map(b => b.name)") == described["skeleton"]["joints"]
    hand, shoulder = page.eval("[preview.figure.worldOf('LeftHand').y, preview.figure.worldOf('LeftUpperArm').y]")
    assert hand < shoulder - 0.3
    # The live stats name what they measure.
    stats = page.text("#stats")
    for label in ("link", "pts lag", "fps", "drops", "1st audio", "buffer"):
        assert label in stats, stats
    page.screenshot("preview-connected.png")
    assert page.errors() == []


def test_everything_fits_and_is_reachable_at_1280x720(preview: Preview) -> None:
    page = preview.page
    assert page.eval("[innerWidth, innerHeight]") == [1280, 720]
    # Nothing spills sideways or below the window: the console scrolls inside itself.
    assert page.eval("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [1280, 720]
    view = page.eval("(() => { const r = document.querySelector('#view').getBoundingClientRect(); "
                     "return [r.width, r.height]; })()")
    assert view[0] >= 800 and view[1] >= 560, view
    # Every control of the console can be scrolled into view and is then on screen, inside the window, and named.
    unreachable = page.eval("""[...document.querySelectorAll('#console :is(button, input, select, textarea, label)')]
        .filter(el => el.offsetParent !== null).flatMap(el => {
            el.scrollIntoView({block: 'nearest'});
            const r = el.getBoundingClientRect();
            const named = (el.getAttribute('aria-label') || el.textContent || el.title || el.placeholder || '').trim();
            const ok = r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= -1
                && r.bottom <= innerHeight + 1;  // (+1: scrollIntoView leaves sub-pixel edges)
            return ok && named ? [] : [el.id || el.outerHTML.slice(0, 80)];
        })""")
    page.eval("document.querySelector('#console').scrollTop = 0")
    assert unreachable == []


def test_keyboard_shortcuts_drive_the_console(preview: Preview) -> None:
    page = preview.page
    blur(page)
    page.command("press", key="?")
    assert page.eval("!document.querySelector('#help').hidden")
    assert "Shift" in page.text("#help") and "interrupt" in page.text("#help")
    page.command("press", key="Escape")  # closes the help, interrupts nothing
    assert page.eval("document.querySelector('#help').hidden")
    page.command("press", key="s")
    assert page.eval("document.activeElement.id") == "say-text"
    page.command("press", key="Escape")
    page.command("press", key="c")
    assert page.eval("document.activeElement.id") == "chat-text"
    page.command("press", key="Escape")
    # 1-9: the emotion of the next line (1 is the first of describe's emotions); 0: as written.
    happy = EMOTIONS.index("happy") + 1
    page.command("press", key=str(happy))
    assert page.eval("document.querySelector('#emotions [aria-checked=true]').dataset.emotion") == "happy"
    take = say(page, "What a day.")
    page.wait(f"preview.playout.takes.get('{take}')?.emotion === 'happy'", 10)  # the take started in it
    blur(page)
    page.command("press", key="0")
    assert page.eval("document.querySelector('#emotions [aria-checked=true]').dataset.emotion") == ""
    # Shift+1-9: a gesture (the first of describe's), while she speaks.
    first_gesture = page.eval("preview.connection.described.gestures[0]")
    page.command("press", key="Shift+Digit1")
    page.wait(f"document.querySelector('#log').textContent.includes('gesture {first_gesture}: stroke at')", 5)
    wait_take_end(page, take)
    assert page.errors() == []


def test_look_at_buttons_turn_the_eyes(preview: Preview) -> None:
    page = preview.page
    eyes = "[preview.head.eyes[0].rotation.y, preview.head.eyes[0].rotation.x]"  # left eye: yaw, pitch (+: down)
    # "product" is low at her right hand (models/face/life.py): the eyes turn to her right (-yaw) and down.
    page.command("click", selector="#gaze-targets button:text-is('product')")
    page.wait(f"(([yaw, pitch]) => yaw < -0.15 && pitch > 0.15)({eyes})", 5)
    page.command("click", selector="#gaze-targets button:text-is('camera')")
    page.wait(f"(([yaw, pitch]) => Math.abs(yaw) < 0.08 && Math.abs(pitch) < 0.08)({eyes})", 5)
    assert "look_at" not in log_text(page)  # no error reply
    assert page.errors() == []


def test_a_line_from_the_console_moves_the_jaw_plays_audio_at_pts_and_shows_subtitles(preview: Preview) -> None:
    page = preview.page
    tap = StreamTap(preview.sidecar)
    page.eval("preview.trace.length = 0; window.__audioStarts.length = 0")
    line = "Hello everyone, welcome to the show! I am so happy to see you all."
    late_before = page.eval("preview.metrics().lateAudio")
    take = say(page, line)
    # No screenshot while this line plays: one holds the page's main thread longer than any jitter buffer, and the
    # audio's timing is measured here (the interrupt test below takes the mid-vowel picture).
    subtitles: set[str] = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = page.eval(f"(() => {{ const t = preview.playout.takes.get('{take}'); "
                          "return [document.querySelector('#subtitles').textContent, "
                          "t && t.end !== null && preview.playout.playhead() > t.end + 0.6]; })()")
        subtitles.update(state[0].split())
        if state[1]:
            break
        time.sleep(0.05)
    timeline = wait_take_end(page, take)
    tap.stop()
    spoken = [re.sub(r"\W", "", w).lower() for w in line.split()]
    assert [w.lower() for w in timeline["words"]] == spoken
    assert set(spoken) <= {w.lower() for w in subtitles}, subtitles  # every word was on screen

    trace = page.eval("preview.trace")
    during = [s["jaw"] for s in trace if timeline["start"] <= s["t"] <= timeline["end"]]
    before = [s["jaw"] for s in trace if s["t"] < timeline["start"] - 0.15]
    after = [s["jaw"] for s in trace if s["t"] > timeline["end"] + 0.5]
    assert len(during) > 20 and before and after
    assert max(during) > 0.3 and max(before) < 0.1 and max(after) < 0.1
    # It rises and falls with the syllables, not once: count openings above 0.25 separated by closings below 0.15.
    openings, is_open = 0, False
    for value in during:
        if not is_open and value > 0.25:
            openings, is_open = openings + 1, True
        elif is_open and value < 0.15:
            is_open = False
    assert openings >= 4, during

    # The page's clock agrees with the sidecar's (read from both clocks, not from the page's own pings).
    offset = true_clock_offset(page)
    assert abs(page.eval("preview.connection.clock.offset") - offset) < 0.002
    delay = float(page.eval("preview.playout.delay"))

    # WebAudio was told to play each chunk's first sample at its pts (+ the jitter buffer): every start() the page
    # made, found by its samples among the chunks the sidecar sent, turned into sidecar time via the audio clock's
    # own output timestamp. A chunk that came late starts part-way in (offset), its first sample still on time.
    chunks: dict[int, list[AudioChunk]] = {}
    for chunk in tap.audio:
        if chunk.take == take and any(chunk.pcm):
            chunks.setdefault(s16_hash(chunk.pcm), []).append(chunk)
    errors = []
    for start in page.eval("window.__audioStarts"):
        found = chunks.get(start["hash"], [])
        if len(found) == 1:
            heard = (start["performanceTime"] + (start["when"] - start["offset"] - start["contextTime"]) * 1000) / 1000
            errors.append(heard + offset - delay - found[0].pts)
    # A chunk that reaches the page after its whole length has played out is not played: the page counts it as late
    # (the stats show it). On two cores shared with a software renderer and the voice a few are; none may go
    # missing without being counted.
    matched = {start["hash"] for start in page.eval("window.__audioStarts")}
    missing = sorted((c[0].seq, round(c[0].pts - timeline["start"], 3)) for h, c in chunks.items() if h not in matched)
    late = page.eval("preview.metrics().lateAudio") - late_before
    assert len(missing) <= late, (missing, late)
    assert len(errors) >= 0.8 * len(chunks), (len(errors), len(chunks), missing, page.eval("preview.metrics()"))
    assert max(abs(e) for e in errors) < 0.020, errors

    # Frames were applied at their pts (+ the same buffer): the jaw drawn at each tick is the sidecar's jawOpen at
    # that tick's sidecar time, and a shift of a few ms either way fits worse.
    faces = sorted((f.pts, f.weights[JAW]) for f in tap.faces)
    pts, jaw = np.array([f[0] for f in faces]), np.array([f[1] for f in faces])
    ticks = [s for s in trace if timeline["start"] - 0.2 <= s["t"] <= timeline["end"] + 0.2]
    at = np.array([s["now"] + offset - s["delay"] for s in ticks])
    drawn = np.array([s["jaw"] for s in ticks])
    shifts = np.arange(-0.05, 0.0505, 0.001)
    misfit = [float(np.mean(np.abs(np.interp(at + shift, pts, jaw) - drawn))) for shift in shifts]
    best = float(shifts[int(np.argmin(misfit))])
    assert abs(best) <= 0.005 and misfit[50] < 0.01, (best, misfit[50])

    metrics = page.eval("preview.metrics()")
    assert abs(metrics["firstAudioErrorMs"]) < 20, metrics
    assert 0 < metrics["firstAudioMs"] < 3000 and metrics["drops"] == 0, metrics
    shown = re.search(r"1st audio\s*(\d+) ms", page.text("#stats"))
    assert shown is not None and abs(int(shown.group(1)) - metrics["firstAudioMs"]) <= 1
    # The live curves drew the jaw: its trace holds the line's openings and its colour is on the canvas.
    assert page.eval("Math.max(...preview.curves.samples.map(s => s[1][0]))") > 0.3
    assert page.eval("""(() => { const c = document.querySelector('#curves'), ctx = c.getContext('2d');
        const d = ctx.getImageData(0, 18, c.width, c.height - 18).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 255) < 30 && Math.abs(d[i + 1] - 138) < 30
            && Math.abs(d[i + 2] - 101) < 30) n++;
        return n; })()""") > 50
    print(f"audio start error: max {max(abs(e) for e in errors) * 1000:.1f} ms over {len(errors)} chunks; frames "
          f"best shift {best * 1000:.0f} ms, misfit {misfit[50]:.4f}; first audio {metrics['firstAudioMs']:.0f} ms; "
          f"late audio chunks {metrics['lateAudio']}; jitter buffer {delay * 1000:.0f} ms")
    assert page.errors() == []


def test_interrupt_from_the_keyboard_cuts_the_voice_and_the_mouth(preview: Preview) -> None:
    page = preview.page
    take = say(page, "This is a long line that nobody will hear to its end, because the operator cuts it off "
                     "right in the middle of the second sentence, as operators do.")
    page.wait(f"preview.playout.audio.heard() !== null && preview.playout.takes.get('{take}').start !== null", 10)
    # The docs' picture of the face mid-vowel: the first frame with the mouth well open.
    page.wait("preview.influence('jawOpen') > 0.35", 5)
    page.screenshot("preview-mid-vowel.png")
    page.command("press", key="Escape")  # leaves the say box
    page.command("press", key="Escape")  # interrupts
    timeline = wait_take_end(page, take, 10)
    assert timeline["interrupted"]
    # Nothing of the take is heard after the cut, and the mouth closes.
    page.wait("preview.playout.audio.heard() === null && preview.influence('jawOpen') < 0.1", 2)
    log = log_text(page)
    assert f"{take} interrupted" in log and "interrupted at" in log


# -- models -----------------------------------------------------------------------------------------------------------


def drop_model(page: Page, make_file: str) -> str:
    """Drop a File (made by the JS expression `make_file`, with driver.mjs's test kit) on the model drop zone; the
    report once it is read."""
    page.command("kit")
    page.eval(f"""(async () => {{
        const file = await ({make_file});
        const data = new DataTransfer();
        data.items.add(file);
        document.querySelector('#model-drop').dispatchEvent(new DragEvent('drop', {{ dataTransfer: data,
            bubbles: true, cancelable: true }}));
    }})()""")
    return str(page.wait("(() => { const r = document.querySelector('#model-report').textContent; "
                         "return r && !r.startsWith('loading') && r; })()", 15))


# A VRM 1.0 made here, as an artist's file would be: the preview figure's joints as the humanoid (a T-pose at rest)
# and a face with only some of the ARKit morphs, plus five VRM expressions bound to them. three.js's GLTFExporter
# writes the glTF; the VRMC_vrm extension goes into its JSON chunk.
KEEP_MORPHS = ["eyeBlinkLeft", "eyeBlinkRight", "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft",
               "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight", "browInnerUp", "browDownLeft", "browDownRight"]
MAKE_VRM = """(async () => {
    const { GLTFExporter, Figure, PreviewHead, vrmBoneName } = window.previewTestKit;
    const keep = KEEP;
    const skeleton = preview.playout.skeleton;
    const figure = new Figure(skeleton);
    const head = new PreviewHead();
    head.light.removeFromParent();
    head.turn.children.filter(c => c.layers.mask === 4).forEach(c => c.removeFromParent());
    const geometry = head.mesh.geometry;
    geometry.morphAttributes.position = geometry.morphAttributes.position.filter(a => keep.includes(a.name));
    head.mesh.updateMorphTargets();
    figure.head.add(head.object);
    head.object.position.set(0, 0.085, 0.015);
    const glb = await new GLTFExporter().parseAsync(figure.object, { binary: true });
    const jsonLength = new DataView(glb).getUint32(12, true);
    const json = JSON.parse(new TextDecoder().decode(new Uint8Array(glb, 20, jsonLength)));
    const bin = new Uint8Array(glb, 20 + jsonLength);
    const humanBones = {};
    skeleton.joints.forEach(joint => {
        const node = json.nodes.findIndex(n => n.name === joint);
        if (node >= 0) humanBones[vrmBoneName(joint)] = { node };
    });
    const face = json.nodes.findIndex(n => n.name === 'PreviewFace');
    const names = json.meshes[json.nodes[face].mesh].extras.targetNames;
    const bind = (morph) => ({ morphTargetBinds: [{ node: face, index: names.indexOf(morph), weight: 1 }] });
    json.extensionsUsed = [...(json.extensionsUsed ?? []), 'VRMC_vrm'];
    json.extensions = { ...(json.extensions ?? {}), VRMC_vrm: { specVersion: '1.0',
        meta: { name: 'Test figure', authors: ['avatar-bridge tests'], licenseUrl: 'https://vrm.dev/licenses/1.0/' },
        humanoid: { humanBones },
        expressions: { preset: { aa: bind('jawOpen'), ou: bind('mouthPucker'), blinkLeft: bind('eyeBlinkLeft'),
                                 blinkRight: bind('eyeBlinkRight'), happy: bind('mouthSmileLeft') } } } };
    const text = new TextEncoder().encode(JSON.stringify(json));
    const padded = new Uint8Array(Math.ceil(text.length / 4) * 4).fill(0x20);
    padded.set(text);
    const out = new Uint8Array(20 + padded.length + bin.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x46546c67, true); view.setUint32(4, 2, true); view.setUint32(8, out.length, true);
    view.setUint32(12, padded.length, true); view.setUint32(16, 0x4e4f534a, true);
    out.set(padded, 20);
    out.set(bin, 20 + padded.length);
    return new File([out], 'figure.vrm');
})()""".replace("KEEP", json.dumps(KEEP_MORPHS))

MAKE_BOX = """(async () => {
    const { THREE, GLTFExporter } = window.previewTestKit;
    const box = new THREE.Mesh(new THREE.BoxGeometry(0.3, 0.3, 0.3), new THREE.MeshStandardMaterial());
    return new File([await new GLTFExporter().parseAsync(box, { binary: true })], 'box.glb');
})()"""


def test_bad_input_is_reported_and_the_page_keeps_working(preview: Preview) -> None:
    page = preview.page
    page.command("fill", selector="#say-text", text="x" * 5001)
    page.command("press", key="Enter")
    page.wait("document.querySelector('#log').textContent.includes('too_long (text)')", 5)
    page.command("fill", selector="#say-text", text="")
    # A model without morph targets: a clear message, the page goes on.
    report = drop_model(page, MAKE_BOX)
    assert "box.glb has no morph targets" in report and "cannot move" in report
    # A model too big to hold is refused before it is read (a sparse file: no disk is spent).
    huge = preview.tmp / "huge.glb"
    with huge.open("wb") as out:
        out.truncate(100 * 2**20 + 1)
    page.command("files", selector="#model-file", paths=[str(huge)])
    report = page.wait("document.querySelector('#model-report').textContent.includes('huge.glb') && "
                       "document.querySelector('#model-report').textContent", 10)
    assert "100.0 MiB" in report and "up to 100 MiB" in report
    # Music too big for the sidecar: refused by its size before a byte is stored, and said in the log.
    music = preview.tmp / "huge.wav"
    with music.open("wb") as out:
        out.truncate(MAX_UPLOAD_BYTES + 2**20)
    page.command("files", selector="#dance-file", paths=[str(music)])
    page.command("click", selector="#dance-form button[type=submit]")
    log = page.wait("document.querySelector('#log').textContent.includes('too_long (size)') && "
                    "document.querySelector('#log').textContent", 20)
    size_mib = (MAX_UPLOAD_BYTES + 2**20) / 2**20
    assert f"'huge.wav' is {size_mib:.1f} MiB; the limit is {MAX_UPLOAD_BYTES >> 20} MiB" in log
    assert page.eval("preview.connection.state") == "connected"
    # And she still speaks.
    take = say(page, "Still here.")
    page.wait("preview.influence('jawOpen') > 0.2", 10)
    wait_take_end(page, take)
    assert page.errors() == []


def test_a_vrm_with_some_arkit_morphs_is_driven_and_says_what_it_lacks(preview: Preview) -> None:
    page = preview.page
    report = drop_model(page, MAKE_VRM)
    missing = len(ARKIT_BLENDSHAPES) - len(KEEP_MORPHS)
    assert "figure.vrm: VRM 1.0" in report, report
    assert f"profile “arkit” drives {len(KEEP_MORPHS)} of 52; the model lacks {missing}:" in report, report
    listed = page.eval("[...document.querySelectorAll('#model-report li')].map(li => li.textContent)")
    assert len(listed) == missing and "cheekPuff (arkit cheekPuff)" in listed
    assert "jawOpen (arkit jawOpen)" not in listed
    # The body follows the pose stream through three-vrm's humanoid: the arms hang (the file's rest is a T-pose).
    # (From the next frame drawn on: the report comes first.)
    page.wait("""(() => { const bone = (name) => { const node = preview.model.vrm.humanoid.getRawBoneNode(name);
            return node.getWorldPosition(node.position.clone()).y; };  // (any Vector3 to write into)
        return bone('leftHand') < bone('leftUpperArm') - 0.3; })()""", 5)
    take = say(page, "Open wide.")
    page.wait("preview.model && preview.influence('jawOpen') > 0.2", 10)  # its own jawOpen morph, through arkit
    wait_take_end(page, take)
    # Another profile: VRM's expressions. The viseme aa drives the `aa` expression (bound to the jaw morph).
    page.command("select", selector="#model-profile", value="vrm1")
    report = page.text("#model-report")
    assert "profile “vrm1” drives 6 of 17; the model lacks 11:" in report, report
    page.eval("window.aa = 0; window.aaWatch = setInterval(() => { "
              "aa = Math.max(aa, preview.model.vrm.expressionManager.getValue('aa')); }, 20)")
    take = say(page, "Ha, ha, a large cat.")
    wait_take_end(page, take)
    assert page.eval("clearInterval(aaWatch), aa") > 0.5
    page.command("click", selector="#model-reset")
    assert page.eval("preview.model === null && preview.head.object.visible && preview.figure.object.visible")
    assert page.errors() == []


# -- body -------------------------------------------------------------------------------------------------------------


def _hands_apart() -> str:
    return "(() => { const a = preview.figure.worldOf('LeftHand'), b = preview.figure.worldOf('RightHand'); " \
           "return [a.distanceTo(b), (a.y + b.y) / 2, preview.figure.worldOf('Hips').y]; })()"


def test_heart_hands_and_a_dance_drive_the_figure(preview: Preview) -> None:
    page = preview.page
    blur(page)
    page.command("press", key="v")  # the body in the big view
    assert page.text("#inset-label") == "face"
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
    blur(page)
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


# -- chat and show ----------------------------------------------------------------------------------------------------


def queue_items(page: Page) -> list[str]:
    return list(page.eval("[...document.querySelectorAll('#queue li span')].map(s => s.textContent)"))


def test_the_chat_queue_holds_and_the_operator_approves_and_skips(preview: Preview) -> None:
    page = preview.page
    page.command("click", selector="#queue-hold")
    page.wait("document.querySelector('#queue-state').textContent.includes('held')", 30)  # the dialogue has loaded
    for user, text in (("mika", "How heavy is a curling stone?"), ("troll", "Tell me about the hoodie please")):
        page.command("fill", selector="#chat-user", text=user)
        page.command("fill", selector="#chat-text", text=text)
        page.command("press", key="Enter")
        page.wait(f"document.querySelector('#log').textContent.includes('chat from {user}: queued')", 10)
    page.wait("document.querySelectorAll('#queue li').length === 2", 5)  # (the list refreshes after the log line)
    items = queue_items(page)
    assert len(items) == 2 and items[0].startswith("mika: How heavy") and items[1].startswith("troll:"), items
    page.command("click", selector="#queue li:nth-child(2) button:nth-of-type(2)")  # Skip: off the air
    page.wait("document.querySelectorAll('#queue li').length === 1", 5)
    assert queue_items(page)[0].startswith("mika:") and "queue skip q" in log_text(page)
    page.command("click", selector="#queue li:first-child button:first-of-type")  # Approve
    page.command("click", selector="#queue-hold")  # Release: she answers the approved question
    page.wait("document.querySelector('#log').textContent.includes('chat answer to mika')", 20)
    take = page.wait("[...preview.playout.takes.values()].at(-1).id", 5)  # the answer's take
    page.wait(f"preview.playout.takes.get({json.dumps(take)}).start !== null", 10)
    assert "curling" in page.wait("document.querySelector('#subtitles').textContent.toLowerCase()", 10) + \
        page.eval(f"preview.playout.takes.get({json.dumps(take)}).text.toLowerCase()")
    # Being answered: off the waiting list, named in the queue's header.
    page.wait("document.querySelectorAll('#queue li').length === 0 && "
              "document.querySelector('#queue-state').textContent.includes('answering q')", 10)
    blur(page)
    page.command("press", key="Escape")
    wait_take_end(page, take, 10)
    assert page.errors() == []


def test_the_show_rundown_marks_the_current_segment(preview: Preview) -> None:
    page = preview.page
    page.command("fill", selector="#show-file", text="examples/shows/sample_show.yaml")
    page.command("click", selector="#show-form button[type=submit]")
    page.wait("document.querySelectorAll('#rundown li').length > 0", 10)
    segments = page.eval("[...document.querySelectorAll('#rundown li')].map(li => li.dataset.segment)")
    assert segments[:3] == ["opening", "first-fact", "beanie"] and "dance-break" in segments
    assert "Winter Sports Live, episode 1: ready" in page.text("#show-status")
    page.command("click", selector="#show-controls button[data-action='start']")
    page.wait("document.querySelector('#rundown li.current')?.dataset.segment === 'opening'", 10)
    assert page.eval("document.querySelector('#rundown li.current').getAttribute('aria-current')") == "step"
    assert page.eval("document.querySelector('#rundown li.next').dataset.segment") == "first-fact"
    assert "now opening" in page.text("#show-status")
    page.wait("document.querySelector('#subtitles').textContent.includes('welcome')", 15)
    page.screenshot("preview-show.png")
    page.command("click", selector="#rundown li[data-segment='beanie'] button")  # jump
    page.wait("document.querySelector('#rundown li.current')?.dataset.segment === 'beanie'", 10)
    assert page.eval("[...document.querySelectorAll('#rundown li.done')].map(li => li.dataset.segment)") == \
        ["opening", "first-fact"]
    page.command("click", selector="#show-controls button[data-action='stop']")
    page.wait("document.querySelector('#show-status').textContent.includes('finished')", 10)
    blur(page)
    page.command("press", key="Escape")
    assert page.errors() == []


# -- faults -----------------------------------------------------------------------------------------------------------


def test_a_network_drop_is_told_and_the_page_reconnects(preview: Preview) -> None:
    page = preview.page
    connects = page.eval("preview.connection.connects")
    preview.link.cut()
    page.wait("document.querySelector('#banner').textContent.includes('lost')", 10)
    assert page.eval("document.querySelector('#interrupt').disabled && document.querySelector('#say-text').disabled")
    time.sleep(1.5)  # attempts refused meanwhile
    assert page.eval("preview.connection.attempt") >= 2
    preview.link.mend()
    page.wait("preview.connection.state === 'connected'", 15)
    assert page.eval("preview.connection.connects") == connects + 1
    assert "Reconnected" in page.text("#banner") and not page.eval("preview.metrics().restarted")
    assert "reconnected to the sidecar" in log_text(page)
    take = say(page, "Can you hear me now?")
    page.wait("preview.influence('jawOpen') > 0.2", 10)
    wait_take_end(page, take)
    assert page.eval("preview.metrics().drops") == 0  # the gap while down is not counted as lost messages
    assert page.errors() == []


def test_a_sidecar_restart_is_told_and_the_page_reconnects(preview: Preview) -> None:
    page = preview.page
    connects = page.eval("preview.connection.connects")
    stop_sidecar(preview.sidecar)
    page.wait("document.querySelector('#banner').textContent.includes('lost')", 10)
    page.screenshot("preview-connection-lost.png")
    assert page.eval("document.querySelector('#interrupt').disabled")
    preview.restart_sidecar()
    page.wait("preview.connection.state === 'connected' && preview.metrics().restarted", 30)
    assert page.eval("preview.connection.connects") == connects + 1
    assert "restarted" in log_text(page) and "restarted" in page.text("#banner")
    assert page.eval("preview.metrics().drops") == 0  # a new stream, not lost messages
    take = say(page, "I am back.")
    page.wait("preview.influence('jawOpen') > 0.2", 10)
    wait_take_end(page, take)
    assert page.errors() == []


def test_a_page_without_the_runs_token_says_so_and_stays_out(preview: Preview) -> None:
    page = preview.page
    page.command("goto", url=f"http://127.0.0.1:{preview.link.port}/")  # the address without its token
    page.wait("window.preview && document.querySelector('#banner').textContent.includes('token')", 10)
    assert "open the URL that serve printed" in page.text("#banner")
    time.sleep(1)
    assert page.eval("preview.connection.state") == "idle" and page.eval("preview.connection.socket") is None
    assert "preview connection refused" not in preview.sidecar.log()  # it did not even try
    # An old run's token (a restart makes a new one): refused, told, and no retrying that cannot help.
    page.command("goto", url=f"http://127.0.0.1:{preview.link.port}/?token=an-old-runs-token-0123456789")
    page.wait("preview.connection.state === 'refused'", 15)
    assert "wrong token" in page.text("#banner") and "open the URL that serve printed" in page.text("#banner")
    assert "the sidecar refused this page" in log_text(page)
    time.sleep(1.5)
    assert page.eval("preview.connection.attempt") == 0
    assert page.eval("document.querySelector('#say-text').disabled")
    page.command("goto", url=preview.url)  # the printed URL: in again
    page.wait("preview.connection.state === 'connected'", 30)
    assert [line for line in page.errors() if "403" not in line] == []  # the browser logs the refused handshake

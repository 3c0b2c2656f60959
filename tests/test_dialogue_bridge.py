"""The host on the real director, voice and performer (virtual clock): chat → take, interruption → heard words,
queue through answers, LLM streaming with fallback, and the offline show rehearsal."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

import pytest

from bridge.dialogue import Dialogue
from bridge.performer import VirtualClock
from bridge.pipeline import one_avatar
from bridge.protocol import AudioChunk, Event, RequestError, Words
from bridge.rehearsal import rehearse, write_report
from bridge.sinks import Hub, Recorder
from models.dialogue.engine import RetrievalEngine
from models.dialogue.history import HEARD_TOLERANCE_S
from models.dialogue.llm import LLMConfig, LLMEngine, OpenAIChatSource
from models.dialogue.persona import load_default_persona
from models.dialogue.retrieval import KnowledgeIndex
from models.dialogue.show import load_rundown
from tests.llm_double import Script

ROOT = Path(__file__).resolve().parents[1]
PERSONA = load_default_persona()


@pytest.fixture(scope="module")
def retrieval() -> RetrievalEngine:
    return RetrievalEngine(PERSONA, KnowledgeIndex(PERSONA.knowledge, backend="bm25"))


class Rig:
    def __init__(self, voice, engine, composer: Executor | None = None) -> None:  # noqa: ANN001
        self.recorder = Recorder()
        self.clock = VirtualClock()
        pipeline = one_avatar(voice, Hub([self.recorder]), self.clock, frame_rate=50.0, lookahead=0.0)
        self.performer = pipeline.performer
        self.avatar = pipeline.avatars["host"]
        self.dialogue = Dialogue.of(pipeline.avatars, {"host": PERSONA}, {"host": engine}, self.clock,
                                    composer=composer)

    def run(self, seconds: float) -> None:
        for _ in range(int(seconds * self.performer.rate)):
            self.performer.tick(self.clock.t)
            self.dialogue.step(self.clock.t)
            self.clock.t += self.performer.period

    def events(self, type_: str) -> list[Event]:
        return [m for m in self.recorder.messages if isinstance(m, Event) and m.type == type_]

    def words(self, take: str) -> list[str]:
        return [str(w[0]) for m in self.recorder.messages if isinstance(m, Words) and m.take == take for w in m.items]

    async def run_until(self, done) -> None:  # noqa: ANN001
        """Real time for the loop (the compose thread), virtual time for the performer, until done()."""
        for _ in range(1500):
            if done():
                return
            await asyncio.sleep(0.01)
            self.run(0.02)
        raise AssertionError("the dialogue did not get there")


@pytest.fixture
def gated(retrieval, monkeypatch):  # noqa: ANN001
    """The retrieval engine composing on whichever thread calls it, only once the test opens the gate, and raising
    for the users in `failing`; `threads` are the threads it composed on."""
    class Gate(threading.Event):
        threads: list[str] = []
        failing: set[str] = set()

    gate = Gate()
    compose = retrieval.compose

    def gated_compose(turn):  # noqa: ANN001, ANN202
        gate.threads.append(threading.current_thread().name)
        assert gate.wait(10.0)
        if turn.user in gate.failing:
            raise RuntimeError("the index went away")
        return compose(turn)

    monkeypatch.setattr(retrieval, "compose", gated_compose)
    return gate


def test_chat_answers_with_take_text_words_and_event(voice, retrieval) -> None:  # noqa: ANN001
    rig = Rig(voice, retrieval)
    reply = rig.dialogue.chat_op("host", "ana", "How much is the snowflake beanie?")
    assert reply["status"] == "answering" and reply["take"].startswith(f"{rig.performer.run_id}-t")
    assert "$24" in reply["text"] and "<present_product>" in reply["text"]
    assert reply["products"][0]["stock_link"].endswith("/snowflake-beanie")
    rig.run(15.0)
    words = [w[0] for m in rig.recorder.messages if isinstance(m, Words) and m.take == reply["take"] for w in m.items]
    assert "Beanie" in words and "24" in words
    chat = rig.events("chat")[0]
    assert chat.take == reply["take"] and chat.data["queue_id"] == reply["queue_id"]
    desk = rig.dialogue.desks["host"]
    assert desk.queue.get(reply["queue_id"]).status == "answered"
    assert desk.history.turns[-1].role == "host" and "Snowflake Knit Beanie" in desk.history.turns[-1].text


@pytest.mark.asyncio
async def test_the_answer_is_composed_on_the_compose_thread_while_the_loop_runs(voice, retrieval, gated) -> None:  # noqa: ANN001
    with ThreadPoolExecutor(1, thread_name_prefix="compose") as composer:
        rig = Rig(voice, retrieval, composer)
        pending = rig.dialogue.chat_op("host", "ana", "How much is the snowflake beanie?")
        assert inspect.isawaitable(pending)
        desk = rig.dialogue.desks["host"]
        take = desk.current.take.id  # the take is open, and the avatar busy, before the answer is composed
        second = rig.dialogue.chat_op("host", "bo", "How thick is a hockey puck?")
        assert second["status"] == "queued" and second["position"] == 0
        await asyncio.sleep(0.05)
        rig.run(0.5)  # the loop and the performer go on while the thread composes
        assert rig.words(take) == [] and rig.events("chat") == []
        gated.set()
        reply = await pending
        assert reply["status"] == "answering" and reply["take"] == take and reply["queue_id"]
        assert "$24" in reply["text"] and reply["products"][0]["stock_link"].endswith("/snowflake-beanie")
        await rig.run_until(lambda: len(rig.events("chat")) == 2 and desk.current is None)
    assert gated.threads == ["compose_0", "compose_0"]  # both answers, the queued one too
    assert "Beanie" in rig.words(take) and "24" in rig.words(take)
    chats = rig.events("chat")
    assert [c.data["queue_id"] for c in chats] == [reply["queue_id"], second["queue_id"]]
    assert "one inch thick" in chats[1].data["text"]
    assert desk.queue.get(second["queue_id"]).status == "answered"


@pytest.mark.asyncio
async def test_an_answer_cut_or_failed_while_composed_ends_alone(voice, retrieval, gated) -> None:  # noqa: ANN001
    gated.failing = {"ana", "bo"}  # ana's compose fails after her answer was cut: still reported as cut
    with ThreadPoolExecutor(1, thread_name_prefix="compose") as composer:
        rig = Rig(voice, retrieval, composer)
        desk = rig.dialogue.desks["host"]
        cut = rig.dialogue.chat_op("host", "ana", "How much is the snowflake beanie?")
        take = desk.current.take.id
        failing = rig.dialogue.chat_op("host", "bo", "How thick is a hockey puck?")
        rig.run(0.2)
        rig.avatar.director.interrupt()  # the operator cuts the answer before a word of it was composed
        rig.run(0.1)
        assert desk.current is None or desk.current.take.id != take
        gated.set()
        cut_reply = await cut
        assert cut_reply["status"] == "interrupted" and cut_reply["text"] is None
        assert desk.queue.get(cut_reply["queue_id"]).status == "interrupted"
        # The next answer fails in the engine (each try): its message says why and the one after it is answered.
        await rig.run_until(lambda: desk.queue.get(failing["queue_id"]).status == "failed")
        assert "RuntimeError: the index went away" in desk.queue.get(failing["queue_id"]).error
        await rig.run_until(lambda: desk.current is None)
        last = await rig.dialogue.chat_op("host", "cy", "Who built the first ice resurfacing machine?")
        await rig.run_until(lambda: desk.current is None)
    assert rig.words(take) == []
    assert last["status"] == "answering" and "Zamboni" in last["text"]
    assert [c.data["queue_id"] for c in rig.events("chat")] == [last["queue_id"]]


def test_interrupt_keeps_only_the_words_heard(voice, retrieval) -> None:  # noqa: ANN001
    rig = Rig(voice, retrieval)
    reply = rig.dialogue.chat_op("host", "bo", "What's the difference between luge and skeleton?")
    rig.run(2.0)
    cut = rig.avatar.director.interrupt()
    rig.run(0.1)
    turn = rig.dialogue.desks["host"].history.turns[-1]
    assert turn.interrupted and turn.planned and turn.text and turn.text != turn.planned
    # What was heard is exactly the words that finished in the audio sent before the cut.
    assert rig.dialogue.desks["host"].current is None  # the answer is settled
    sent = [m for m in rig.recorder.messages if isinstance(m, AudioChunk) and m.take == reply["take"] and m.pts < cut]
    start = min(m.pts for m in sent)
    audio_end = max(m.pts + m.duration for m in sent) - start
    spoken = [w for w in rig.recorder.messages if isinstance(w, Words) and w.take == reply["take"]]
    timeline = [(str(w[0]), float(w[1]), float(w[2])) for m in spoken for w in m.items]
    heard = [word for word, _, end in timeline if end <= cut - start + HEARD_TOLERANCE_S]
    assert turn.text == " ".join(heard) and heard
    assert all(end <= audio_end + HEARD_TOLERANCE_S for _, _, end in timeline[: len(heard)])
    message = rig.dialogue.desks["host"].queue.get(reply["queue_id"])
    assert message.status == "interrupted" and message in rig.dialogue.desks["host"].queue.reported()


def test_queue_answers_in_turn_and_merges_duplicates(voice, retrieval) -> None:  # noqa: ANN001
    rig = Rig(voice, retrieval)
    first = rig.dialogue.chat_op("host", "a", "How thick is a hockey puck?")
    second = rig.dialogue.chat_op("host", "b", "Who built the first ice resurfacing machine?")
    third = rig.dialogue.chat_op("host", "c", "who built the first ice resurfacing machine")
    assert first["status"] == "answering"
    assert second["status"] == "queued" and second["position"] == 0
    assert third["status"] == "merged" and third["queue_id"] == second["queue_id"]
    rig.run(25.0)
    chats = rig.events("chat")
    assert [c.data["queue_id"] for c in chats] == [first["queue_id"], second["queue_id"]]
    assert chats[1].data["also_asked_by"] == ["c"] and "Zamboni" in chats[1].data["text"]
    with pytest.raises(RequestError) as info:
        rig.dialogue.chat_op("host", "d", "")
    assert info.value.field == "text"
    with pytest.raises(RequestError) as info:
        rig.dialogue.chat_op("host", "d", "hello", priority="gold")
    assert info.value.field == "priority"


def test_queue_ops(voice, retrieval) -> None:  # noqa: ANN001
    rig = Rig(voice, retrieval)
    rig.dialogue.queue_op("host", "hold", None)
    reply = rig.dialogue.chat_op("host", "a", "How thick is a hockey puck?")
    assert reply["status"] == "queued"
    listing = rig.dialogue.queue_op("host", "skip", reply["queue_id"])
    assert listing["waiting"] == [] and listing["held"]
    with pytest.raises(RequestError, match="unknown queue action"):
        rig.dialogue.queue_op("host", "explode", None)
    rig.dialogue.queue_op("host", "requeue", reply["queue_id"])
    listing = rig.dialogue.queue_op("host", "release", None)
    assert listing["answering"] == reply["queue_id"]



@pytest.mark.asyncio
async def test_llm_answer_streams_into_one_take_and_reports_fallback(voice, retrieval, llm_server) -> None:  # noqa: ANN001
    fake, url = llm_server
    source = OpenAIChatSource()
    engine = LLMEngine(PERSONA, source, retrieval, LLMConfig(url=url, first_sentence_s=1.0))
    rig = Rig(voice, engine)
    fake.scripts.append(Script(tokens=["[happy] Pucks are ", "frozen so they bounce less. ", "<thumbs_up> Cool!"],
                               gap_s=0.05))
    fake.scripts.append(Script(status=500))
    fake.scripts.append(Script(tokens=["Vulcanized rubber!"]))
    reply = rig.dialogue.chat_op("host", "ana", "Why are pucks frozen?")
    assert reply["status"] == "answering" and reply["text"] is None
    second = rig.dialogue.chat_op("host", "bo", "How thick is a hockey puck?")
    assert second["status"] == "queued"
    third = rig.dialogue.chat_op("host", "ana", "What are hockey pucks made of?")
    assert third["status"] == "queued"
    for _ in range(1000):  # real HTTP on loopback: give the loop real time, the performer virtual time
        await asyncio.sleep(0.01)
        rig.run(0.02)
        if len(rig.events("chat")) == 3 and rig.dialogue.desks["host"].current is None:
            break
    await source.aclose()
    chats = rig.events("chat")
    assert chats[0].data["text"] == "[happy] Pucks are frozen so they bounce less. <thumbs_up> Cool!"
    first_take = [t for t in rig.events("take_started") if t.take == reply["take"]]
    assert len(first_take) == 1  # one take for the whole streamed answer
    fallback = rig.events("fallback")[0]
    assert fallback.data["reason"] == "server_error" and fallback.data["engine"] == "retrieval"
    assert "one inch thick" in chats[1].data["text"] and chats[1].data["engine"] == "retrieval"
    # Each fan's conversation is their own: Bo's prompt does not carry Ana's exchange; Ana's next question, on
    # the same topic (the pucks), carries her first answer as heard.
    first, second, third = (r["messages"][1:] for r in fake.requests)
    assert first == [{"role": "user", "content": "ana: Why are pucks frozen?"}]
    assert second == [{"role": "user", "content": "bo: How thick is a hockey puck?"}]
    assert third == [{"role": "user", "content": "ana: Why are pucks frozen?"},
                     {"role": "assistant", "content": "Pucks are frozen so they bounce less. Cool!"},
                     {"role": "user", "content": "ana: What are hockey pucks made of?"}]


def test_rehearsal_renders_the_sample_show_with_timings(voice, tmp_path: Path) -> None:  # noqa: ANN001
    rundown = load_rundown(ROOT / "examples/shows/sample_show.yaml")
    report = rehearse(voice, rundown, frame_rate=25.0)
    assert report.finished and [s.id for s in report.segments] == [s.id for s in rundown.segments]
    assert all(s.ended == "done" and s.duration > 0 for s in report.segments)
    for before, after in zip(report.segments, report.segments[1:], strict=False):
        assert after.start >= before.end - 1e-3  # back to back, never overlapping
    by_id = {s.id: s for s in report.segments}
    assert by_id["last-questions"].start == pytest.approx(480.0, abs=0.05)  # `at: 480`
    assert by_id["dance-break"].duration == pytest.approx(16.0, abs=0.05)
    assert "Snowflake Knit Beanie" in by_id["beanie"].said
    assert "Norway" in by_id["last-questions"].said
    assert report.duration == pytest.approx(report.segments[-1].end, abs=0.05)
    assert abs(len(report.audio) / report.sample_rate - report.duration) < 0.1
    paths = write_report(report, tmp_path)
    assert [p.name for p in paths] == ["show.wav", "show.json", "timing.txt", "show.bvh"]  # a dance without music
    assert "last-questions" in (tmp_path / "timing.txt").read_text()


def test_rehearsal_dances_a_music_segment_into_the_audio_and_the_bvh(voice, tmp_path: Path) -> None:  # noqa: ANN001
    import numpy as np
    import soundfile

    from models.body.beats import warm_up
    from models.body.bvh import read_bvh
    from models.body.metrics import click_track
    from models.dialogue.show import parse_rundown

    warm_up()
    clicks, beats = click_track(120.0, 6.0, voice.sample_rate)
    soundfile.write(tmp_path / "theme.wav", clicks, voice.sample_rate)
    rundown = parse_rundown("title: t\nsegments:\n"
                            "  - {id: hi, type: line, text: Dance with me!}\n"
                            "  - {id: dance, type: dance, music: theme.wav, style: hype}\n"
                            "  - {id: bye, type: line, text: Bye!}\n", base=tmp_path, persona=PERSONA)
    report = rehearse(voice, rundown, frame_rate=30.0)
    by_id = {s.id: s for s in report.segments}
    dance = by_id["dance"]
    assert report.finished and dance.ended == "done"
    assert dance.duration == pytest.approx(6.0, abs=0.1)  # the music's length, as on air
    # The music is in show.wav where the dance take played (from the frame after the segment started): a click on
    # every beat and silence between them.
    played = next(e["pts"] for e in report.events if e["type"] == "dance")
    played = next(e["pts"] for e in report.events if e["type"] == "take_started" and e["pts"] >= played)
    assert played - dance.start == pytest.approx(1 / 30.0, abs=1e-3)
    rate = report.sample_rate
    for beat in beats:
        at = int(round((played + beat) * rate))
        assert np.abs(report.audio[at:at + rate // 100]).max() > 0.3 * 32767
        assert np.abs(report.audio[at - rate // 10:at - rate // 50]).max() < 100
    # The body dances in show.bvh: far more motion in the dance than while she says "Dance with me!".
    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["show.wav", "show.json", "timing.txt", "show.bvh", "dance_dance.png"]
    assert json.loads((tmp_path / "out" / "show.json").read_text())["segments"][1]["dance"]["bas"] > 0.8
    motion = read_bvh(tmp_path / "out" / "show.bvh")
    assert motion.num_frames == pytest.approx(report.duration * 30.0, abs=2)

    def speed(segment) -> float:  # noqa: ANN001 - mean angular change per frame over a segment
        q = motion.rotations[int(segment.start * 30):int(segment.end * 30)]
        return float(np.mean(1.0 - np.abs(np.sum(q[1:] * q[:-1], axis=-1))))

    assert speed(dance) > 5 * speed(by_id["hi"]), (speed(dance), speed(by_id["hi"]))


def test_show_dance_segment_plays_a_dance_take(voice, retrieval, tmp_path: Path,  # noqa: ANN001
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import soundfile

    from models.dialogue.show import parse_rundown

    soundfile.write(tmp_path / "theme.wav", np.zeros(22050, dtype=np.float32), 22050)
    rundown = parse_rundown("title: t\nsegments:\n"
                            "  - {id: dance, type: dance, music: theme.wav, style: hype}\n"
                            "  - {id: bye, type: line, text: Bye!}\n", base=tmp_path, persona=PERSONA)
    rig = Rig(voice, retrieval)
    asked = []

    def dance(avatars, music: str, style: str | None):  # noqa: ANN001, ANN202 - a stand-in for the music desk
        assert avatars == [rig.avatar]
        asked.append((music, style))
        return [rig.avatar.director.say("Dance break, everyone!")]

    monkeypatch.setattr("bridge.show.dance_together", dance)
    rig.dialogue.show.load(rundown, "host")
    rig.dialogue.show.op("start", rig.clock.t)
    rig.run(8.0)
    assert asked == [(str(tmp_path / "theme.wav"), "hype")]
    shows = [e.data for e in rig.events("show")]
    ended = next(d for d in shows if d["action"] == "segment_ended" and d["segment"] == "dance")
    dance_take = rig.events("take_ended")[0]
    # The segment ends when the dance take ends, not after the music file's length (1 s of silence).
    assert ended["reason"] == "done" and ended["show_time"] == pytest.approx(dance_take.pts, abs=0.05)
    assert shows[-1]["action"] == "finished"


def test_the_wait_for_the_first_sentence_is_set_per_avatar_and_described(tmp_path: Path) -> None:
    from bridge.cli import _serve_config, build_parser
    from bridge.config import load_config
    from bridge.protocol import DescribeRequest
    from bridge.server import Sidecar
    from models.dialogue.spec import SpecError
    from tests.fake_voice import FakeVoice

    path = tmp_path / "sidecar.yaml"
    path.write_text("llm_url: http://127.0.0.1:9/v1\navatars:\n  - name: host\n    llm_first_sentence_s: 6.5\n"
                    "  - name: guide\n")
    config = load_config(path)
    assert [a.llm_first_sentence_s for a in config.avatars] == [6.5, 2.0]
    sidecar = Sidecar(config, lambda model, voice_config: FakeVoice(), workers=False)
    try:
        sidecar.dialogue.load(sidecar.pipeline.avatars, sidecar.clock, lambda fn: fn())
        described = sidecar.requests.describe(DescribeRequest())["dialogue"]
        assert described["llm"] is True and described["first_sentence_s"] == {"host": 6.5, "guide": 2.0}
        engines = {name: desk.engine for name, desk in sidecar.dialogue.ready().desks.items()}
        assert isinstance(engines["host"], LLMEngine) and isinstance(engines["guide"], LLMEngine)
        assert (engines["host"].config.first_sentence_s, engines["guide"].config.first_sentence_s) == (6.5, 2.0)
        assert engines["host"].source is engines["guide"].source  # one connection pool, one knowledge index
        assert engines["host"].fallback is engines["guide"].fallback
    finally:
        sidecar.context.term()
    flags = _serve_config(build_parser().parse_args(["serve", "--config", str(path), "--llm-first-sentence-s", "9"]))
    assert [a.llm_first_sentence_s for a in flags.avatars] == [9.0, 9.0]
    path.write_text("avatars:\n  - name: host\n    llm_first_sentence_s: 0\n")
    with pytest.raises(SpecError, match="llm_first_sentence_s"):
        load_config(path)

"""A show with two hosts (docs/dialogue.md#two-hosts): the rundown declares its hosts, each segment goes to its
host in order, hosts hand over by cue, the other host looks at the one speaking, and a rehearsal renders both."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.config import AvatarConfig
from bridge.dialogue import Dialogue
from bridge.performer import VirtualClock
from bridge.pipeline import build_pipeline
from bridge.rehearsal import rehearse, write_report
from bridge.sinks import Hub, Recorder
from models.dialogue.engine import RetrievalEngine
from models.dialogue.persona import load_persona
from models.dialogue.show import (
    SegmentStarted,
    ShowRunner,
    WaitingForCue,
    load_rundown,
    parse_rundown,
)
from models.dialogue.spec import SpecError
from models.errors import RequestError
from tests.conftest import ROOT
from tests.fake_voice import FakeVoice
from tests.test_dialogue_bridge import Rig

TWO_HOSTS = ROOT / "examples" / "shows" / "two_hosts.yaml"
PERSONAS = ROOT / "examples" / "personas"
AURORA, KAI = load_persona(PERSONAS / "default.yaml"), load_persona(PERSONAS / "guide.yaml")

BANTER = f"""\
title: Banter
hosts:
  - name: host
    persona: {PERSONAS / 'default.yaml'}
    gaze_targets:
      guide: [0.9, 0.0, 0.6]
  - name: guide
    persona: {PERSONAS / 'guide.yaml'}
segments:
  - id: hi
    type: line
    text: "Hi, I'm Aurora."
    then_cue: kai
  - id: kai
    host: guide
    cue: kai
    type: line
    text: "And I'm Kai."
    then_cue: back
  - id: wax
    host: guide
    type: product
    product: wax-kit
  - id: back
    cue: back
    type: line
    look_at: guide
    text: "Thanks, Kai."
  - id: late
    host: guide
    cue: operator-go
    type: line
    text: "One more thing."
"""


def started(events: list) -> list[str]:  # noqa: ANN001
    return [e.segment.id for e in events if isinstance(e, SegmentStarted)]


def test_the_two_host_example_parses_with_each_segment_on_its_host() -> None:
    rundown = load_rundown(TWO_HOSTS)
    assert [h.name for h in rundown.hosts] == ["host", "guide"]
    assert [h.persona.resolve() for h in rundown.hosts] == [PERSONAS / "default.yaml", PERSONAS / "guide.yaml"]
    assert rundown.hosts[0].sees("guide") == (0.9, 0.0, 0.6) and rundown.hosts[1].sees("host") == (-0.9, 0.0, 0.6)
    hosts = [s.host for s in rundown.segments]
    assert set(hosts) == {"host", "guide"} and hosts[0] == "host"
    assert all(a != b for a, b in zip(hosts, hosts[1:5], strict=False))  # they take turns
    assert rundown.operator_cues() == ["questions-open"]  # every other cue is a handover


def test_products_and_facts_are_checked_against_the_segments_host() -> None:
    rundown = parse_rundown(BANTER, persona=AURORA)
    assert [(s.id, s.host) for s in rundown.segments] == [
        ("hi", "host"), ("kai", "guide"), ("wax", "guide"), ("back", "host"), ("late", "guide")]
    with pytest.raises(SpecError, match="no product 'wax-kit' in persona") as caught:
        parse_rundown(BANTER.replace("    host: guide\n    type: product", "    type: product"), "show.yaml")
    assert caught.value.field == "segments[2].product"


@pytest.mark.parametrize(("old", "new", "line", "field", "message"), [
    ("    host: guide\n    cue: kai", "    host: kai\n    cue: kai", 15, "segments[1].host",
     "segment 'kai': unknown host 'kai'; the rundown's hosts: host, guide"),
    ("    then_cue: back", "    then_cue: bak", 19, "segments[1].then_cue",
     "segment 'kai' hands over to cue 'bak', but no later segment waits for it (cue: bak); later cues: back, "
     "operator-go"),
    ("  - name: guide\n", "  - name: host\n", 7, "hosts[1].name", "duplicate host 'host'"),
    ("      guide: [0.9, 0.0, 0.6]", "      guide: [0.9, 0.0, -1]", 6, "hosts[0].gaze_targets.guide",
     "in front of the face"),
])
def test_rundown_host_mistakes_name_segment_line_and_field(old: str, new: str, line: int, field: str,
                                                           message: str) -> None:
    assert old in BANTER
    with pytest.raises(SpecError) as caught:
        parse_rundown(BANTER.replace(old, new, 1), "show.yaml")
    assert (caught.value.line, caught.value.field) == (line, field) and message in caught.value.message, caught.value
    assert str(caught.value).startswith(f"show.yaml:{line}: {field}: ")


def test_a_segment_naming_a_host_in_a_show_without_hosts_says_to_declare_them() -> None:
    with pytest.raises(SpecError, match=r"segments\[0\]\.host: segment 'hi': unknown host 'guide'; declare the "
                                        "show's hosts under hosts:"):
        parse_rundown("title: t\nsegments:\n  - id: hi\n    host: guide\n    type: line\n    text: Hi\n",
                      "show.yaml")


def test_then_cue_hands_over_and_an_operator_cue_still_waits() -> None:
    runner = ShowRunner(parse_rundown(BANTER, persona=AURORA))
    assert started(runner.start(0.0)) == ["hi"]
    assert started(runner.segment_done("hi", 2.0)) == ["kai"]  # handed over: no operator cue needed
    assert started(runner.next(3.0)) == ["wax"]  # kai skipped by the operator: `back` is still handed over
    assert started(runner.segment_done("wax", 4.0)) == ["back"]
    events = runner.segment_done("back", 5.0)
    assert [type(e) for e in events][-1] is WaitingForCue and events[-1].cue == "operator-go"
    assert started(runner.cue("operator-go", 6.0)) == ["late"]
    status = runner.status(6.0)["segments"]
    assert status[1] == {"id": "kai", "type": "line", "at": None, "cue": "kai", "host": "guide", "then_cue": "back"}


def test_a_jump_hands_over_to_no_one() -> None:
    runner = ShowRunner(parse_rundown(BANTER, persona=AURORA))
    runner.start(0.0)
    runner.jump("wax", 1.0)  # `hi` ends jumped: its then_cue does not fire
    assert started(runner.segment_done("wax", 2.0)) == []
    assert started(runner.cue("back", 3.0)) == ["back"]


class TwoHostRig(Rig):
    """Aurora and Kai on one performer with the fake voice, their dialogue on a virtual clock (run and events as
    the one-host rig's)."""

    def __init__(self) -> None:  # noqa: D107  (no super: two avatars, not the one-host rig's one)
        self.recorder, self.clock = Recorder(), VirtualClock()
        pipeline = build_pipeline([AvatarConfig("host"), AvatarConfig("guide", gaze_targets={"host": (-0.9, 0, 0.6)})],
                                  lambda config: FakeVoice(), Hub([self.recorder]), self.clock, frame_rate=20.0,
                                  lookahead=0.0)
        self.performer, self.avatars = pipeline.performer, pipeline.avatars
        personas = {"host": AURORA, "guide": KAI}
        self.dialogue = Dialogue.of(pipeline.avatars, personas, {n: RetrievalEngine(p) for n, p in personas.items()},
                                    self.clock)



def test_each_segment_is_spoken_by_its_host_in_order_and_the_other_looks_at_them() -> None:
    rig = TwoHostRig()
    rig.dialogue.show.load(parse_rundown(BANTER, persona=AURORA), "host")
    rig.dialogue.show.op("start", rig.clock.t)
    rig.run(1.0)
    host, guide = rig.avatars["host"], rig.avatars["guide"]
    assert host.face.gaze.keys[-1].point == (0.0, 0.0, 1.0)  # Aurora speaks to the camera
    assert guide.face.gaze.keys[-1].point == (-0.9, 0.0, 0.6)  # Kai looks at her: his config's target "host"
    rig.run(3.0)
    assert host.face.gaze.keys[-1].point == (0.9, 0.0, 0.6)  # Kai speaks: she looks at him (the rundown's point)
    rig.run(20.0)
    shows = [e for e in rig.events("show")]
    assert {e.avatar for e in shows} == {"host"}  # the show's events go on its first host's stream
    begun = [(e.data["segment"], e.data["host"]) for e in shows if e.data["action"] == "segment_started"]
    assert begun == [("hi", "host"), ("kai", "guide"), ("wax", "guide"), ("back", "host")]
    waiting = [e.data for e in shows if e.data["action"] == "waiting_for_cue"]
    assert waiting[-1]["segment"] == "late" and waiting[-1]["cue"] == "operator-go"
    said = [(e.avatar, e.data["text"]) for e in rig.events("take_started")]
    assert [avatar for avatar, _ in said] == ["host", "guide", "guide", "host"]
    assert said[0][1] == "Hi, I'm Aurora." and said[1][1] == "And I'm Kai." and "Wax Kit" in said[2][1]
    assert host.face.gaze.keys[-1].point == (0.9, 0.0, 0.6)  # `back` looks at Kai (look_at: guide)
    assert rig.dialogue.desks["host"].gated and rig.dialogue.desks["guide"].gated  # both hosts are on air
    rig.dialogue.show.op("cue", rig.clock.t, cue="operator-go")
    rig.run(5.0)
    assert [e.avatar for e in rig.events("take_started")][-1] == "guide"
    assert rig.events("show")[-1].data["action"] == "finished"
    assert not rig.dialogue.desks["host"].gated and not rig.dialogue.desks["guide"].gated


def test_a_rundown_whose_host_is_not_served_is_refused_naming_it() -> None:
    rig = TwoHostRig()
    rundown = parse_rundown(BANTER.replace("name: guide", "name: kai").replace("host: guide", "host: kai"),
                            persona=AURORA)
    with pytest.raises(RequestError, match="the rundown's host 'kai' is not an avatar of this sidecar") as caught:
        rig.dialogue.show.load(rundown, "host")
    assert (caught.value.code, caught.value.field) == ("unknown_host", "file")


def test_a_show_with_one_host_sends_what_it_sent_before() -> None:
    rig = TwoHostRig()
    rig.dialogue.show.load(parse_rundown("title: t\nsegments:\n  - id: hi\n    type: line\n    text: Hi there.\n",
                                         persona=KAI), "guide")
    rig.dialogue.show.op("start", rig.clock.t)
    rig.run(3.0)
    shows = [e.data for e in rig.events("show")]
    assert [d["action"] for d in shows] == ["segment_started", "segment_ended", "finished"]
    assert all("host" not in d and "then_cue" not in d for d in shows)
    assert [e.avatar for e in rig.events("take_started")] == ["guide"]
    assert rig.avatars["host"].face.gaze.keys[-1].point == (0.0, 0.0, 1.0)  # nobody's gaze was moved
    assert len(rig.avatars["host"].face.gaze.keys) == len(rig.avatars["guide"].face.gaze.keys) == 1


def test_rehearsing_the_two_host_example_renders_both_hosts(tmp_path: Path) -> None:
    rundown = load_rundown(TWO_HOSTS)
    report = rehearse(FakeVoice(), rundown, frame_rate=10.0)
    assert report.finished and [s.id for s in report.segments] == [s.id for s in rundown.segments]
    assert [s.host for s in report.segments] == [s.host for s in rundown.segments]
    assert all(s.said for s in report.segments)  # the Q&A window asked Kai its rehearsal question
    assert "How often" not in report.segments[5].said and "wax" in report.segments[5].said.lower()
    assert list(report.hosts) == ["host", "guide"]
    rate = report.sample_rate
    for segment in report.segments:  # each host is heard in its own segments only (a take's end is seen a frame late)
        window = slice(int((segment.start + 2 / 10.0) * rate), int((segment.end - 2 / 10.0) * rate))
        other = "guide" if segment.host == "host" else "host"
        assert np.abs(report.hosts[segment.host].audio[window]).max() > 0
        assert np.abs(report.hosts[other].audio[window]).max() == 0, segment.id
    mixed = report.hosts["host"].audio.astype(np.int32) + report.hosts["guide"].audio
    assert np.array_equal(report.audio, mixed)
    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["show.wav", "show.json", "timing.txt", "host.wav", "host.bvh", "guide.wav",
                                       "guide.bvh"]
    assert soundfile.info(str(tmp_path / "out" / "guide.wav")).frames == len(report.audio)
    table = report.table().splitlines()
    assert table[1].split()[:3] == ["segment", "type", "host"] and table[3].split()[:3] == ["kai-hello", "line",
                                                                                            "guide"]


def test_the_example_sidecar_loads_the_two_host_show_by_request() -> None:
    import asyncio

    import msgpack

    from bridge.config import load_config
    from bridge.protocol import decode_reply
    from bridge.server import Sidecar

    sidecar = Sidecar(load_config(ROOT / "examples" / "sidecar.yaml"), lambda model, config: FakeVoice(),
                      workers=False)
    try:
        sidecar.dialogue.load(sidecar.pipeline.avatars, sidecar.clock, lambda *args: None)

        def ask(**request: object) -> dict:
            return decode_reply(asyncio.run(sidecar.handle(msgpack.packb({"id": 1, "op": "show", **request}), "t")))

        loaded = ask(action="load", file=str(TWO_HOSTS))
        assert loaded["ok"] and loaded["state"] == "ready", loaded
        assert [(s["id"], s["host"]) for s in loaded["segments"][:2]] == [("opening", "host"), ("kai-hello", "guide")]
        started_show = ask(action="start")
        assert started_show["current"] == "opening"
        desks = sidecar.dialogue.ready().desks
        assert desks["host"].current is not None and desks["guide"].current is None  # Aurora opens
        assert desks["guide"].avatar.face.gaze.keys[-1].point == (-0.9, 0.0, 0.6)  # Kai looks at her
        assert ask(action="stop")["state"] == "finished"
    finally:
        sidecar.close()

"""Several avatars dancing the same music in sync (docs/protocol.md#dance): the music is tracked once, every
avatar's take starts at one pts, the lead's take carries the music and the others' silence, each avatar dances its
own moves on the shared beat grid, and bad groups are refused naming the field."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge import music as music_desk
from bridge.config import AvatarConfig, SidecarConfig
from bridge.dialogue import DialogueService
from bridge.media import MediaDirs
from bridge.performer import VirtualClock
from bridge.pipeline import Pipeline, build_pipeline, dance_together
from bridge.protocol import AudioChunk, DanceRequest, Event, PoseFrame, decode_reply, encode_request, parse_request
from bridge.rehearsal import rehearse
from bridge.requests import RequestHandler
from bridge.sinks import Hub, Recorder
from models.body.beats import SAMPLE_RATE, warm_up
from models.body.metrics import click_track, joint_positions, kinematic_beats, nearest_distances
from models.body.pose import BodyPose
from models.dialogue.show import load_rundown
from models.dialogue.spec import SpecError
from models.errors import RequestError
from tests.conftest import ROOT
from tests.fake_voice import FakeVoice

RATE = 60.0
NAMES = ("host", "guide")
SECONDS = 10.0


class DuoRig:
    """Two avatars on one performer and a virtual clock, recording what they publish, with the request handler."""

    def __init__(self, media: Path) -> None:
        self.recorder = Recorder()
        self.clock = VirtualClock(50.0)
        avatars = [AvatarConfig(name) for name in NAMES]
        self.pipeline: Pipeline = build_pipeline(avatars, lambda config: FakeVoice(), Hub([self.recorder]),
                                                 self.clock, frame_rate=RATE, lookahead=0.1)
        self.handler = RequestHandler(SidecarConfig(avatars=avatars), self.pipeline.avatars,
                                      DialogueService.__new__(DialogueService), self.clock, "testrun0",
                                      MediaDirs.of([media]))

    def run(self, seconds: float) -> None:
        performer = self.pipeline.performer
        for _ in range(int(round(seconds * RATE))):
            performer.tick(self.clock.t)
            self.clock.t += performer.period

    def request(self, **fields: object) -> dict:
        raw = encode_request(DanceRequest(**fields))  # type: ignore[arg-type]
        return decode_reply(asyncio.run(self.handler.handle(raw, "test")))

    def events(self, type_: str, avatar: str) -> list[Event]:
        return [m for m in self.recorder.messages if isinstance(m, Event) and m.type == type_ and m.avatar == avatar]

    def audio(self, take: str) -> tuple[float, np.ndarray]:
        chunks = [m for m in self.recorder.messages if isinstance(m, AudioChunk) and m.take == take]
        return chunks[0].pts, np.concatenate([np.frombuffer(c.pcm, dtype=np.int16) for c in chunks])

    def kinematic_beats(self, avatar: str, start: float) -> tuple[np.ndarray, np.ndarray]:
        """The avatar's streamed poses over the dance (global joint positions) and their kinematic beats (s from
        the take's start)."""
        frames = [m for m in self.recorder.messages if isinstance(m, PoseFrame) and m.avatar == avatar
                  and start <= m.pts <= start + SECONDS]
        poses = [BodyPose(np.array(f.root), np.array(f.rotations, dtype=np.float32)) for f in frames]
        positions = joint_positions(poses)
        return positions, frames[0].pts - start + kinematic_beats(positions, RATE)


@pytest.fixture(scope="module")
def clicks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    warm_up()
    audio, beats = click_track(120.0, SECONDS, SAMPLE_RATE)
    path = tmp_path_factory.mktemp("music") / "clicks.wav"
    soundfile.write(path, audio, SAMPLE_RATE)
    return path, audio, beats


def test_two_avatars_dance_in_sync_on_one_tracking_each_its_own_moves(
        clicks: tuple[Path, np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    path, audio, beats = clicks
    tracked: list[str] = []
    real = music_desk.plan_for_file
    monkeypatch.setattr(music_desk, "plan_for_file", lambda *a: tracked.append(str(a[0])) or real(*a))
    rig = DuoRig(path.parent)
    rig.run(0.3)
    reply = rig.request(music=str(path), avatars=["guide", "host"], style="hype")
    assert reply["ok"] and reply["avatars"] == ["guide", "host"] and set(reply["takes"]) == {"guide", "host"}
    rig.run(SECONDS + 0.5)
    assert tracked == [str(path)]  # tracked once for the group

    dances = {name: rig.events("dance", name)[0] for name in NAMES}
    for name, event in dances.items():
        assert event.take == reply["takes"][name]
        assert event.data["group"] == ["guide", "host"] and event.data["lead"] == "guide"
        assert event.data["takes"] == reply["takes"]
    assert dances["host"].pts == dances["guide"].pts
    assert dances["host"].data["beats"] == dances["guide"].data["beats"]
    started = {name: next(e.pts for e in rig.events("take_started", name) if e.take == reply["takes"][name])
               for name in NAMES}
    assert started["host"] == started["guide"] == dances["host"].pts
    ended = {name: next(e.pts for e in rig.events("take_ended", name) if e.take == reply["takes"][name])
             for name in NAMES}
    assert ended["host"] == ended["guide"] == pytest.approx(started["host"] + SECONDS)

    # The lead's take is the music (16-bit, at the voice's rate: FakeVoice speaks at the music's), the other's
    # is as long and silent, on the same pts.
    lead_pts, lead = rig.audio(reply["takes"]["guide"])
    other_pts, other = rig.audio(reply["takes"]["host"])
    assert lead_pts == other_pts == started["guide"]
    assert len(lead) == len(other) == len(audio)
    np.testing.assert_allclose(lead / 32767.0, audio, atol=3.0 / 32767.0)  # the WAV is 16-bit too
    assert not other.any()

    # Each dances its own moves, both on the music's beats.
    positions = {}
    inner = beats[(beats > 1.0) & (beats < SECONDS - 1.0)]
    for name in NAMES:
        positions[name], kinematic = rig.kinematic_beats(name, started[name])
        assert nearest_distances(inner, kinematic).max() < 0.05, name
    assert np.abs(positions["host"] - positions["guide"]).max() > 0.1


def test_a_busy_avatar_holds_the_group_until_it_is_free(clicks: tuple[Path, np.ndarray, np.ndarray]) -> None:
    path, _, _ = clicks
    rig = DuoRig(path.parent)
    host = rig.pipeline.avatars["host"]
    line = host.director.say("One more thing before we dance.")
    rig.run(0.2)
    asked = rig.clock.t
    takes = dance_together([rig.pipeline.avatars["guide"], host], str(path))
    rig.run(SECONDS + 6.0)
    line_end = next(e.pts for e in rig.events("take_ended", "host") if e.take == line.id)
    assert line_end > asked + 1.0  # the guide, free, would have started long before
    assert takes[0].start_pts == takes[1].start_pts >= line_end


def test_a_group_that_cannot_decode_fails_every_take(clicks: tuple[Path, np.ndarray, np.ndarray],
                                                     tmp_path: Path) -> None:
    song = tmp_path / "song.wav"
    soundfile.write(song, np.zeros(SAMPLE_RATE * 3, dtype=np.float32), SAMPLE_RATE)
    rig = DuoRig(tmp_path)
    later: list = []
    rig.pipeline.music.executor = type("Later", (), {"submit": lambda self, fn, *a: later.append((fn, a))})()
    takes = dance_together(list(rig.pipeline.avatars.values()), str(song))
    song.write_bytes(b"RIFF....WAVEjunk")
    for fn, args in later:
        fn(*args)
    rig.run(0.5)
    for name, take in zip(NAMES, takes, strict=True):
        error = next(e for e in rig.events("error", name) if e.take == take.id)
        assert error.data["code"] == "bad_music" and "cannot read music file" in error.data["message"]
        assert [e for e in rig.events("take_ended", name) if e.take == take.id]


def test_bad_groups_are_refused_naming_the_field(clicks: tuple[Path, np.ndarray, np.ndarray]) -> None:
    path, _, _ = clicks
    rig = DuoRig(path.parent)
    unknown = rig.request(music=str(path), avatars=["host", "ghost"])
    assert unknown["error"]["field"] == "avatars" and unknown["error"]["code"] == "unknown_avatar"
    assert "'ghost'" in unknown["error"]["message"]
    both = rig.request(music=str(path), avatar="host", avatars=["guide"])
    assert both["error"]["field"] == "avatars" and "not both" in both["error"]["message"]
    twice = rig.request(music=str(path), avatars=["host", "host"])
    assert twice["error"] == {"code": "duplicate", "message": "avatars names 'host' twice", "field": "avatars"}
    assert not [m for m in rig.recorder.messages if isinstance(m, Event) and m.type == "dance"]
    # On the wire: a list of 1 to 16 names, each a short string.
    for bad, message in (([], "a list of 1 to 16 strings"), ([1], "a list of 1 to 16 strings"),
                         ([f"a{i}" for i in range(17)], "a list of 1 to 16 strings"), ([""], "must not be empty"),
                         (["x" * 200], "the limit is 128")):
        raw = encode_request(DanceRequest(music="m.wav", avatars=bad))
        with pytest.raises(RequestError, match=message) as error:
            parse_request(raw)
        assert error.value.field == "avatars"
    assert parse_request(encode_request(DanceRequest(music="m.wav", avatars=["a", "b"]))).request.avatars == ["a", "b"]


def duet(music: Path, host: str) -> str:
    personas = ROOT / "examples" / "personas"
    return (f"title: Duet\nhosts:\n  - {{name: host, persona: {personas / 'default.yaml'}}}\n"
            f"  - {{name: guide, persona: {personas / 'guide.yaml'}}}\n"
            f"segments:\n  - {{id: duet, type: dance, music: {music}, host: {host}}}\n")


def test_a_show_dance_for_all_hosts_is_danced_by_both_in_rehearsal(clicks: tuple[Path, np.ndarray, np.ndarray],
                                                                   tmp_path: Path) -> None:
    path, audio, _ = clicks
    (tmp_path / "duet.yaml").write_text(duet(path, "all"))
    rundown = load_rundown(tmp_path / "duet.yaml")
    assert rundown.segments[0].dancers == ("host", "guide") and rundown.segments[0].host == "host"
    report = rehearse(FakeVoice(), rundown, frame_rate=RATE)
    assert report.finished and report.segments[0].duration == pytest.approx(SECONDS, abs=0.1)
    dances = [e for e in report.events if e["type"] == "dance"]
    assert sorted(e["avatar"] for e in dances) == ["guide", "host"]
    assert dances[0]["pts"] == dances[1]["pts"] and dances[0]["group"] == ["host", "guide"]
    # The lead plays the music from the dance's pts (at the voice's rate: as loud, resampled).
    start, n = int(round(dances[0]["pts"] * report.sample_rate)), int((SECONDS - 1.0) * report.sample_rate)
    heard = report.hosts["host"].audio[start:start + n] / 32767.0
    assert np.sqrt(np.mean(heard**2)) == pytest.approx(np.sqrt(np.mean(audio**2)), rel=0.1)
    assert not report.hosts["guide"].audio.any()  # the guide dances to it in silence
    frames = slice(int((dances[0]["pts"] + 1.0) * RATE), int((dances[0]["pts"] + SECONDS - 1.0) * RATE))
    moved = {name: np.ptp(take.root[frames], axis=0).max() for name, take in report.hosts.items()}
    assert min(moved.values()) > 0.02  # both BVHs dance
    assert np.abs(report.hosts["host"].rotations[frames] - report.hosts["guide"].rotations[frames]).max() > 0.1


@pytest.mark.parametrize("host, message", [("[host, ghost]", "unknown host 'ghost'; the rundown's hosts: host, guide"),
                                           ("[host, host]", "names a host twice"), ("[]", "lists no host")])
def test_a_bad_dance_group_in_a_rundown_is_a_spec_error(tmp_path: Path, host: str, message: str) -> None:
    (tmp_path / "duet.yaml").write_text(duet(tmp_path / "x.wav", host))
    (tmp_path / "x.wav").write_bytes(b"")
    with pytest.raises(SpecError, match=message) as error:
        load_rundown(tmp_path / "duet.yaml")
    assert error.value.field.endswith(".host")


def test_the_dance_command_sends_a_group(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bridge import cli

    sent: list = []
    monkeypatch.setattr(cli, "_request", lambda args, request: sent.append(request) or {"ok": True})
    args = cli.build_parser().parse_args(["dance", str(tmp_path / "song.wav"), "--avatars", "guide, host"])
    assert args.run(args) == 0
    assert sent == [DanceRequest(music=str(tmp_path / "song.wav"), avatars=["guide", "host"])]

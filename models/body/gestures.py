"""The gesture library: clips stored as BVH files in a folder, each a named gesture with a stroke time.

A clip `name.bvh` may come with `name.json` holding {"stroke": seconds, "mask": [groups or joints],
"fade_in": s, "fade_out": s, "description": "..."}. Without it (an artist's drop-in) the stroke is the
frame farthest from the first one and the mask is every joint that moves more than 3 degrees. Our own
clips are authored in code by `avatar_tools/make_gesture_clips.py` and committed under models/body/clips/.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.body import quat
from models.body.bvh import read_bvh
from models.body.pose import FADE_S, MotionClip
from models.body.skeleton import mask as joint_mask
from models.errors import RequestError

#: Where our clips live.
CLIP_DIR = Path(__file__).parent / "clips"
#: The gestures the library must always have (the issue's list).
REQUIRED = ("thumbs_up", "heart_hands", "wipe_tears", "wave", "bow", "nod", "shake_head", "point", "clap",
            "present_product", "shrug", "cheer")
#: A joint that turns less than this over a whole drop-in clip is not part of its mask.
MOVING_DEG = 3.0


class UnknownGesture(RequestError, KeyError):
    """A gesture name not in the library; the message lists the known ones. Also a KeyError: a name looked up."""

    def __init__(self, message: str) -> None:
        super().__init__("unknown_gesture", message, "name")


def load_clip(path: str | Path) -> MotionClip:
    """One gesture clip from a BVH file and its optional JSON sidecar."""
    path = Path(path)
    motion = read_bvh(path)
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    turned = np.degrees(quat.angle_between(motion.rotations, motion.rotations[:1])).max(axis=0)  # [J]
    if "mask" in meta:
        mask = joint_mask(*meta["mask"])
    else:
        mask = (turned > MOVING_DEG).astype(np.float32)
    if "stroke" in meta:
        stroke = float(meta["stroke"])
    else:
        distance = quat.angle_between(motion.rotations, motion.rotations[:1])[:, mask > 0].sum(axis=1)
        stroke = float(np.argmax(distance)) / motion.rate if mask.any() else 0.0
    return MotionClip(path.stem, motion.rate, motion.rotations, motion.root, stroke, mask,
                      float(meta.get("fade_in", FADE_S)), float(meta.get("fade_out", FADE_S)))


def load_folder(folder: str | Path) -> dict[str, MotionClip]:
    """Every *.bvh in a folder as a named clip."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"gesture folder not found: {folder}")
    return {p.stem: load_clip(p) for p in sorted(folder.glob("*.bvh"))}


@lru_cache(maxsize=1)
def _builtin() -> dict[str, MotionClip]:
    return load_folder(CLIP_DIR)


def load_library(*extra_folders: str | Path) -> dict[str, MotionClip]:
    """Our clips plus the clips of any extra folders (a later folder's clip replaces one of the same name)."""
    clips = dict(_builtin())
    for folder in extra_folders:
        clips.update(load_folder(folder))
    return clips


def get_gesture(name: str, library: dict[str, MotionClip] | None = None) -> MotionClip:
    """A clip by name, or UnknownGesture naming the known ones."""
    clips = library if library is not None else _builtin()
    if name not in clips:
        raise UnknownGesture(f"unknown gesture {name!r}; known: {', '.join(sorted(clips))}")
    return clips[name]

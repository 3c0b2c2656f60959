"""BVH import (with retargeting onto our humanoid) and export.

Files we write: right-handed, +Y up, the avatar facing +Z (what Blender, MotionBuilder and Mixamo expect:
our Unity frame with X flipped), centimetres, root channels "Xposition Yposition Zposition Zrotation
Xrotation Yrotation", joints "Zrotation Xrotation Yrotation", root OFFSET 0 (the root channels are the Hips
position), rest pose = our T-pose.

Files we read: any channel order per joint, any unit. Joint names may be our Unity HumanBodyBones names
or Mixamo's (`mixamorig:LeftForeArm`, any `mixamorigN:` prefix). Retargeting keeps each bone's world
direction: the source's rest bone directions may differ from ours (an A-pose rig, a longer spine), so each
joint's global rotation is corrected by the rotation between our rest bone and the source's; root motion
is scaled by the ratio of hip heights. A joint we do not know is an error that lists every such name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.body import quat
from models.body.skeleton import HUMANOID, INDEX, JOINTS, NUM_JOINTS, Skeleton, convert_positions, convert_rotations

#: Centimetres per metre: the unit of files we write.
EXPORT_SCALE = 100.0

_MIXAMO_PREFIX = re.compile(r"^mixamorig\d*:")
_MIXAMO_BODY = {
    "Hips": "Hips", "Spine": "Spine", "Spine1": "Chest", "Spine2": "UpperChest", "Neck": "Neck", "Head": "Head",
    "Shoulder": "Shoulder", "Arm": "UpperArm", "ForeArm": "LowerArm", "Hand": "Hand", "UpLeg": "UpperLeg",
    "Leg": "LowerLeg", "Foot": "Foot", "ToeBase": "Toes",
}
_MIXAMO_FINGERS = {"Thumb": "Thumb", "Index": "Index", "Middle": "Middle", "Ring": "Ring", "Pinky": "Little"}
_PHALANX = {"1": "Proximal", "2": "Intermediate", "3": "Distal"}
#: Bones that exist in common rigs but carry nothing for us: tip markers and the face's own bones.
_IGNORED = re.compile(r"^(HeadTop_End|(Left|Right)(Toe_End|Hand(Thumb|Index|Middle|Ring|Pinky)4)|(Left|Right)Eye|Jaw)$")


class BvhError(ValueError):
    """A BVH file we cannot read or retarget; the message says where and why."""


def humanoid_name(name: str) -> str | None:
    """Our joint name for a source bone name, None for a bone we deliberately skip; KeyError if unknown."""
    bare = _MIXAMO_PREFIX.sub("", name)
    if bare in INDEX:
        return bare
    if _IGNORED.match(bare):
        return None
    side = "Left" if bare.startswith("Left") else "Right" if bare.startswith("Right") else ""
    part = bare[len(side):]
    if part in _MIXAMO_BODY and (side or part in ("Hips", "Spine", "Spine1", "Spine2", "Neck", "Head")):
        return side + _MIXAMO_BODY[part]
    m = re.fullmatch(r"Hand(Thumb|Index|Middle|Ring|Pinky)([123])", part)
    if side and m:
        return f"{side}{_MIXAMO_FINGERS[m.group(1)]}{_PHALANX[m.group(2)]}"
    raise KeyError(name)


@dataclass
class BvhMotion:
    """Motion on our humanoid: Hips positions [F, 3] (metres, Unity frame) and local rotations [F, J, 4]."""

    rate: float
    root: np.ndarray
    rotations: np.ndarray
    source_names: tuple[str, ...] = ()

    @property
    def num_frames(self) -> int:
        return len(self.rotations)


# -- export ----------------------------------------------------------------------------------------------------


def _write_joint(lines: list[str], skel: Skeleton, j: int, depth: int, offsets: np.ndarray, ends: np.ndarray) -> None:
    pad = "  " * depth
    if skel.parents[j] < 0:
        lines += [f"ROOT {skel.names[j]}", "{", "  OFFSET 0.000000 0.000000 0.000000",
                  "  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"]
    else:
        o = offsets[j]
        lines += [f"{pad}JOINT {skel.names[j]}", f"{pad}{{", f"{pad}  OFFSET {o[0]:.4f} {o[1]:.4f} {o[2]:.4f}",
                  f"{pad}  CHANNELS 3 Zrotation Xrotation Yrotation"]
    children = skel.children(j)
    for c in children:
        _write_joint(lines, skel, c, depth + 1, offsets, ends)
    if not children:
        e = ends[j]
        lines += [f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {e[0]:.4f} {e[1]:.4f} {e[2]:.4f}", f"{pad}  }}"]
    lines.append(f"{pad}}}")


def _depth_first(skel: Skeleton, j: int = 0) -> list[int]:
    order = [j]
    for c in skel.children(j):
        order += _depth_first(skel, c)
    return order


def write_bvh(path: str | Path, root: np.ndarray, rotations: np.ndarray, rate: float,
              skeleton: Skeleton = HUMANOID) -> None:
    """Write motion (root [F, 3] metres and local rotations [F, J, 4], Unity frame) to BVH; the skeleton is
    our humanoid unless another is given."""
    root = np.asarray(root, dtype=np.float32)
    rotations = np.asarray(rotations, dtype=np.float32)
    if root.ndim != 2 or len(root) == 0 or rotations.shape != (len(root), skeleton.num_joints, 4):
        raise ValueError(f"need root [F>0, 3] and rotations [F, {skeleton.num_joints}, 4], "
                         f"got {np.shape(root)} and {np.shape(rotations)}")
    if not rate > 0:
        raise ValueError(f"frame rate must be positive, got {rate}")
    offsets = convert_positions(skeleton.offsets, "gltf") * EXPORT_SCALE
    ends = convert_positions(skeleton.end_offsets, "gltf") * EXPORT_SCALE
    lines = ["HIERARCHY"]
    _write_joint(lines, skeleton, 0, 0, offsets, ends)
    order = _depth_first(skeleton)
    euler = np.degrees(quat.to_euler(convert_rotations(rotations, "gltf"), "ZXY"))[:, order]  # [F, J, 3]
    positions = convert_positions(root, "gltf") * EXPORT_SCALE
    values = np.concatenate([positions, euler.reshape(len(root), -1)], axis=1)
    lines += ["MOTION", f"Frames: {len(root)}", f"Frame Time: {1.0 / rate:.8f}"]
    lines += [" ".join(f"{v:.4f}" for v in row) for row in values]
    Path(path).write_text("\n".join(lines) + "\n")


# -- import ----------------------------------------------------------------------------------------------------


@dataclass
class _Node:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str]
    end: np.ndarray | None = None


def _parse(text: str, path: str) -> tuple[list[_Node], np.ndarray, float]:
    tokens = [(n + 1, tok) for n, line in enumerate(text.splitlines()) for tok in line.split()]
    pos = 0

    def fail(msg: str) -> BvhError:
        line = tokens[min(max(pos - 1, 0), len(tokens) - 1)][0] if tokens else 0  # the token just read
        return BvhError(f"{path}: line {line}: {msg}")

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise fail("unexpected end of file")
        pos += 1
        return tokens[pos - 1][1]

    def expect(word: str) -> None:
        got = take()
        if got != word:
            raise fail(f"expected {word!r}, got {got!r}")

    def floats(n: int) -> np.ndarray:
        try:
            return np.array([float(take()) for _ in range(n)])
        except ValueError:
            raise fail("expected a number") from None

    nodes: list[_Node] = []

    def joint(parent: int) -> None:
        name = take()
        expect("{")
        expect("OFFSET")
        node = _Node(name, parent, floats(3), [])
        nodes.append(node)
        me = len(nodes) - 1
        while True:
            word = take()
            if word == "CHANNELS":
                try:
                    count = int(take())
                except ValueError:
                    raise fail("expected a channel count") from None
                node.channels = [take() for _ in range(count)]
                bad = [c for c in node.channels if c not in ("Xposition", "Yposition", "Zposition", "Xrotation",
                                                              "Yrotation", "Zrotation")]
                if bad:
                    raise fail(f"unknown channel(s) {bad} in joint {name!r}")
            elif word == "JOINT":
                joint(me)
            elif word == "End":
                expect("Site")
                expect("{")
                expect("OFFSET")
                node.end = floats(3)
                expect("}")
            elif word == "}":
                return
            else:
                raise fail(f"unexpected {word!r} in joint {name!r}")

    expect("HIERARCHY")
    expect("ROOT")
    joint(-1)
    expect("MOTION")
    expect("Frames:")
    try:
        frames = int(take())
        expect("Frame")
        expect("Time:")
        frame_time = float(take())
    except ValueError:
        raise fail("bad frame count or frame time") from None
    if frames < 1 or not frame_time > 0:
        raise fail(f"need at least one frame and a positive frame time, got {frames} and {frame_time}")
    width = sum(len(n.channels) for n in nodes)
    rest = [tok for _, tok in tokens[pos:]]
    if len(rest) != frames * width:
        raise BvhError(f"{path}: MOTION has {len(rest)} values, expected {frames} frames x {width} channels")
    try:
        values = np.array(rest, dtype=np.float64).reshape(frames, width)
    except ValueError:
        raise BvhError(f"{path}: MOTION holds a value that is not a number") from None
    return nodes, values, frame_time


def _bone_direction(skel: Skeleton, j: int, child: int | None) -> np.ndarray | None:
    v = skel.offsets[child] if child is not None else skel.end_offsets[j]
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-6 else None


def _main_child(skel: Skeleton, j: int) -> int | None:
    """The child that defines a joint's bone direction (the spine for the hips, the neck for the upper
    chest, the middle finger for a hand): the one whose subtree is largest, ties to the first."""
    children = skel.children(j)
    if not children:
        return None

    def size(c: int) -> int:
        return 1 + sum(size(k) for k in skel.children(c))

    names = skel.names
    preferred = [c for c in children if names[c].endswith(("Spine", "Neck", "MiddleProximal"))]
    return preferred[0] if preferred else max(children, key=size)


def read_bvh(path: str | Path, frame: str = "gltf") -> BvhMotion:
    """Read a BVH file and retarget it onto our humanoid. `frame` names the file's axes ("gltf": right-handed
    Y-up facing +Z, the common case; "unity" for a file written in Unity's axes)."""
    p = Path(path)
    if not p.is_file():
        raise BvhError(f"BVH file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise BvhError(f"cannot read BVH file {p}: {exc}") from None
    nodes, values, frame_time = _parse(text, str(p))

    mapped: list[str | None] = []
    unknown: list[str] = []
    for node in nodes:
        try:
            mapped.append(humanoid_name(node.name))
        except KeyError:
            unknown.append(node.name)
            mapped.append(None)
    if unknown:
        raise BvhError(f"{p}: unknown bone name(s): {', '.join(unknown)}. Use Unity HumanBodyBones names "
                       f"(Hips, LeftUpperArm, ...) or Mixamo names (mixamorig:LeftArm, ...)")
    if mapped[0] != "Hips":
        raise BvhError(f"{p}: the root joint must be the hips, got {nodes[0].name!r}")
    seen = [m for m in mapped if m]
    duplicates = sorted({m for m in seen if seen.count(m) > 1})
    if duplicates:
        raise BvhError(f"{p}: several bones map to {', '.join(duplicates)}")

    # Source local rotations and root positions, in the file's axes.
    frames = len(values)
    local = quat.identity(frames, len(nodes))
    root = np.zeros((frames, 3))
    col = 0
    for j, node in enumerate(nodes):
        rot_channels = [c for c in node.channels if c.endswith("rotation")]
        order = "".join(c[0] for c in rot_channels)
        for k, channel in enumerate(node.channels):
            if j == 0 and channel.endswith("position"):
                root[:, "XYZ".index(channel[0])] = values[:, col + k]
        if rot_channels:
            cols = [col + node.channels.index(c) for c in rot_channels]
            local[:, j] = quat.from_euler(np.radians(values[:, cols]), order)
        col += len(node.channels)

    # Into Unity's axes.
    offsets = convert_positions(np.stack([n.offset for n in nodes]), "unity", src=frame)
    ends = convert_positions(np.stack([n.end if n.end is not None else np.zeros(3) for n in nodes]), "unity",
                             src=frame)
    local = convert_rotations(local, "unity", src=frame)
    root = convert_positions(root, "unity", src=frame)
    source = Skeleton(tuple(n.name for n in nodes), tuple(n.parent for n in nodes), offsets, ends)
    _, source_globals = source.forward_kinematics(root, local)

    # Retarget: G_ours = G_source · C, with C turning our rest bone onto the source's rest bone.
    where = {m: j for j, m in enumerate(mapped) if m}
    globals_ = quat.identity(frames, NUM_JOINTS)
    for i, name in enumerate(JOINTS):
        parent = HUMANOID.parents[i]
        if name not in where:
            globals_[:, i] = globals_[:, parent] if parent >= 0 else quat.IDENTITY
            continue
        s = where[name]
        ours_child = _main_child(HUMANOID, i)
        ours = _bone_direction(HUMANOID, i, ours_child)
        theirs = None
        if ours_child is not None and JOINTS[ours_child] in where:
            theirs = _bone_direction(source, s, where[JOINTS[ours_child]])
        elif ours_child is None:
            # A leaf: the source's tip is its end site or a skipped tip bone (HeadTop_End, ...).
            tip_child = next((c for c in source.children(s) if mapped[c] is None), None)
            theirs = _bone_direction(source, s, tip_child)
        correction = quat.between(ours, theirs) if ours is not None and theirs is not None else quat.IDENTITY
        globals_[:, i] = quat.mul(source_globals[:, s], correction)
    parents = np.array([max(p, 0) for p in HUMANOID.parents])
    rotations = quat.mul(quat.conj(globals_[:, parents]), globals_)
    rotations[:, 0] = globals_[:, 0]

    root_out = np.broadcast_to(HUMANOID.rest_root, (frames, 3)).astype(np.float32)
    source_height = _hip_height(source, [where[n] for n in ("LeftFoot", "RightFoot", "LeftToes", "RightToes")
                                         if n in where])
    if source_height is not None:
        ours_height = _hip_height(HUMANOID, [INDEX[n] for n in ("LeftFoot", "RightFoot", "LeftToes", "RightToes")])
        assert ours_height is not None
        root_out = (root * (ours_height / source_height)).astype(np.float32)
    # Frame times are printed rounded (1/30 -> 0.0333333): snap the rate back to a millihertz.
    return BvhMotion(round(1.0 / frame_time, 3), root_out, quat.make_continuous(rotations), source.names)


def _hip_height(skel: Skeleton, feet: list[int]) -> float | None:
    """Height of the hips above the lowest foot joint at rest, None without feet."""
    if not feet:
        return None
    positions, _ = skel.forward_kinematics(np.zeros(3), quat.identity(skel.num_joints))
    height = float(-positions[feet, 1].min())
    return height if height > 1e-6 else None

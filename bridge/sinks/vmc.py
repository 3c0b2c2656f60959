"""VMC (Virtual Motion Capture protocol, OSC over UDP): our poses and faces as a VMC performer, so VSeeFace,
EVMC4U (Unity), VMC4UE (Unreal) or VMC4B (Blender) avatars move with no plugin of ours (reference/vmc.md).

One OSC bundle per frame and avatar, sent at the frame's pts (receivers apply what arrives at once):
/VMC/Ext/OK 1 · /VMC/Ext/T time · /VMC/Ext/Root/Pos "root" at the origin · /VMC/Ext/Bone/Pos per joint (Unity
HumanBodyBones name, local position and rotation in Unity axes: our wire values; the Hips carry the root
position; the Head adds the face frame's head rotation, the eyes the face's eye angles) · /VMC/Ext/Blend/Val per
blend value · /VMC/Ext/Blend/Apply. Blend values are VRM 0 presets derived from the ARKit weights (A I U E O,
Blink_L/R, Joy, Angry, Sorrow, Fun, Look*) or, for "perfect sync" avatars, the 52 ARKit weights under their
upper-camel names (EyeBlinkLeft, JawOpen, ...). An `interrupted` event cancels the bundles still waiting past
the cut.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from pythonosc.parsing import osc_types

from bridge.protocol import Event, FaceFrame, PoseFrame, Skeleton, StreamMessage
from bridge.sinks import udp
from models.face.arkit import INDEX, LIVELINK_NAMES, NUM_BLENDSHAPES

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 39539
BLEND_MODES = ("vrm", "arkit")


def _mean(w: np.ndarray, *names: str) -> float:
    return float(np.mean([w[INDEX[n]] for n in names]))


def vrm_blends(w: np.ndarray) -> dict[str, float]:
    """VRM 0 preset values from the 52 ARKit weights: visemes from the mouth shapes, blinks, the four emotions
    VRM knows from smile/frown/brow channels, and gaze direction from the eye-look channels."""
    rounded = max(w[INDEX["mouthFunnel"]], w[INDEX["mouthPucker"]])
    values = {
        "A": w[INDEX["jawOpen"]] * (1.0 - rounded),
        "I": _mean(w, "mouthStretchLeft", "mouthStretchRight"),
        "U": w[INDEX["mouthPucker"]],
        "E": _mean(w, "mouthLowerDownLeft", "mouthLowerDownRight") * (1.0 - rounded),
        "O": w[INDEX["mouthFunnel"]],
        "Blink_L": w[INDEX["eyeBlinkLeft"]],
        "Blink_R": w[INDEX["eyeBlinkRight"]],
        "Joy": _mean(w, "mouthSmileLeft", "mouthSmileRight"),
        "Angry": _mean(w, "browDownLeft", "browDownRight"),
        "Sorrow": max(_mean(w, "mouthFrownLeft", "mouthFrownRight"), w[INDEX["browInnerUp"]] * 0.6),
        "Fun": _mean(w, "cheekSquintLeft", "cheekSquintRight"),
        # The avatar's left: the left eye looks out, the right eye looks in.
        "LookLeft": _mean(w, "eyeLookOutLeft", "eyeLookInRight"),
        "LookRight": _mean(w, "eyeLookInLeft", "eyeLookOutRight"),
        "LookUp": _mean(w, "eyeLookUpLeft", "eyeLookUpRight"),
        "LookDown": _mean(w, "eyeLookDownLeft", "eyeLookDownRight"),
    }
    return {k: float(np.clip(v, 0.0, 1.0)) for k, v in values.items()}


def _qmul(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float]:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (aw * bx + ax * bw + ay * bz - az * by, aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw, aw * bw - ax * bx - ay * by - az * bz)


def _axis(i: int, angle: float) -> tuple[float, float, float, float]:
    q = [0.0, 0.0, 0.0, math.cos(angle / 2)]
    q[i] = math.sin(angle / 2)
    return q[0], q[1], q[2], q[3]


def face_rotation_in_unity(yaw: float, pitch: float, roll: float = 0.0) -> tuple[float, float, float, float]:
    """A rotation given as ARKit face-frame yaw, pitch, roll (radians; +x the avatar's left, +y up, +z forward)
    as a Unity quaternion. The face frame is Unity's with X flipped, so (x, y, z, w) -> (x, -y, -z, w)."""
    q = _qmul(_qmul(_axis(1, yaw), _axis(0, pitch)), _axis(2, roll))
    return q[0], -q[1], -q[2], q[3]


def osc_message(address: str, *args: str | float | int) -> bytes:
    """One OSC message (strings, float32 and int32 arguments), encoded with python-osc's OSC types."""
    tags = "," + "".join("s" if isinstance(a, str) else "i" if isinstance(a, int) else "f" for a in args)
    parts = [osc_types.write_string(address), osc_types.write_string(tags)]
    for a in args:
        parts.append(osc_types.write_string(a) if isinstance(a, str) else
                     osc_types.write_int(a) if isinstance(a, int) else osc_types.write_float(a))
    return b"".join(parts)


def osc_bundle(messages: list[bytes]) -> bytes:
    """An OSC bundle to apply immediately (time tag 1) holding the given messages."""
    return b"".join([b"#bundle\x00", osc_types.write_date(osc_types.IMMEDIATELY),
                     *(osc_types.write_int(len(m)) + m for m in messages)])


def parse_address(text: str) -> tuple[str, int]:
    """"HOST:PORT", "HOST" or ":PORT" (defaults 127.0.0.1 and 39539). Raises ValueError naming the problem."""
    return udp.parse_address(text, DEFAULT_HOST, DEFAULT_PORT, "VMC")


class VmcSink(udp.TimedUdpSender):
    """Sends each pose (with the face of the same pts) as a VMC bundle to host:port. Never blocks, never raises."""

    name = "vmc"

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, blend: str = "vrm",
                 at_pts: bool = True, clock: Callable[[], float] | None = None) -> None:
        if blend not in BLEND_MODES:
            raise ValueError(f"VMC blend mode must be one of {', '.join(BLEND_MODES)}, got {blend!r}")
        super().__init__(host, port, at_pts)
        self.blend = blend
        self._skeletons: dict[str, Skeleton] = {}
        self._faces: dict[str, FaceFrame] = {}
        self._start = clock() if clock is not None else None

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        if isinstance(message, Skeleton):
            self._skeletons[message.avatar] = message
        elif isinstance(message, FaceFrame):
            self._faces[message.avatar] = message  # published just before the pose of the same pts
        elif isinstance(message, Event) and message.type == "interrupted":
            self.cancel_after(message.avatar, message.pts)
        elif isinstance(message, PoseFrame) and message.avatar in self._skeletons:
            self.schedule(message.avatar, message.pts, self.bundle(message, self._faces.get(message.avatar)))

    def bundle(self, pose: PoseFrame, face: FaceFrame | None) -> bytes:
        """The VMC bundle of one frame."""
        skeleton = self._skeletons[pose.avatar]
        if self._start is None:
            self._start = pose.pts
        messages = [osc_message("/VMC/Ext/OK", 1), osc_message("/VMC/Ext/T", float(pose.pts - self._start)),
                    osc_message("/VMC/Ext/Root/Pos", "root", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)]
        same = face is not None and face.pts == pose.pts
        face_head = face_rotation_in_unity(*face.head) if face is not None and same else None
        for j, (name, q) in enumerate(zip(skeleton.joints, pose.rotations, strict=True)):
            position = pose.root if skeleton.parents[j] < 0 else skeleton.offsets[j]
            if name == "Head" and face_head is not None:
                q = _qmul(q, face_head)  # the face's head turn is relative to the body's Head
            messages.append(osc_message("/VMC/Ext/Bone/Pos", name, *map(float, position), *map(float, q)))
        if face is not None and same:
            for name, i in (("LeftEye", 0), ("RightEye", 2)):
                q = face_rotation_in_unity(face.eyes[i], face.eyes[i + 1])
                messages.append(osc_message("/VMC/Ext/Bone/Pos", name, 0.0, 0.0, 0.0, *map(float, q)))
            weights = np.asarray(face.weights, dtype=np.float64)
            if self.blend == "vrm":
                blends = vrm_blends(weights)
            else:
                blends = {LIVELINK_NAMES[i]: float(weights[i]) for i in range(NUM_BLENDSHAPES)}
            messages += [osc_message("/VMC/Ext/Blend/Val", blend, float(value)) for blend, value in blends.items()]
            messages.append(osc_message("/VMC/Ext/Blend/Apply"))
        return osc_bundle(messages)

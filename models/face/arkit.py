"""ARKit face channels: the 52 blendshapes in ARKit order and their Live Link names.

Facts from Apple's ARKit and Unreal's EARFaceBlendShape order (shared/reference/arkit-and-livelink.md).
Everything in the sidecar indexes face weights by these positions.
"""

from __future__ import annotations

#: The 52 ARKit blendshapes in ARKit (and Live Link) order, Apple's lower camel case names.
ARKIT_BLENDSHAPES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)

NUM_BLENDSHAPES = len(ARKIT_BLENDSHAPES)
assert NUM_BLENDSHAPES == 52

#: Index of each blendshape by name.
INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT_BLENDSHAPES)}

#: The 9 rotation channels that follow the 52 in a Live Link Face packet.
LIVELINK_ROTATIONS: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)

#: The 61 Live Link Face channel names (Unreal's curve names: upper camel case), in the UDP packet's order.
LIVELINK_NAMES: tuple[str, ...] = tuple(
    name[0].upper() + name[1:] for name in ARKIT_BLENDSHAPES
) + LIVELINK_ROTATIONS

#: The same 61 names in the order of the Live Link Face app's CSV recordings, which is not the packet's: the app
#: writes JawRight before JawLeft and MouthRight before MouthLeft (docs/face.md cites recordings of the app).
LIVELINK_CSV_NAMES: tuple[str, ...] = tuple(
    {"JawLeft": "JawRight", "JawRight": "JawLeft", "MouthLeft": "MouthRight", "MouthRight": "MouthLeft"}.get(n, n)
    for n in LIVELINK_NAMES
)


def index(name: str) -> int:
    """The ARKit index of a blendshape, accepting lower camel case or Live Link names."""
    key = name[0].lower() + name[1:] if name else name
    try:
        return INDEX[key]
    except KeyError:
        raise KeyError(f"unknown ARKit blendshape {name!r}") from None

"""Live Link Face over UDP: the packets Apple's Live Link Face app sends, so Unreal's own Live Link Face source
drives a MetaHuman with no plugin of ours (shared/reference/arkit-and-livelink.md).

One datagram per face frame, all multi-byte fields big-endian:
u8 version (6) · i32 + UTF-8 device id · i32 + UTF-8 subject name · i32 frame number · f32 sub-frame ·
i32 frame rate numerator · i32 denominator · u8 value count (61) · 61 x f32 values
(the 52 ARKit weights in Live Link order, then head yaw/pitch/roll and each eye's yaw/pitch/roll as degrees/180).

The frame number and sub-frame are the frame's pts in frames of the packet's rate (pts * rate, split into whole and
fraction), never a count of frames sent: after a performer overrun skips a slot, the frame number skips it too.

The subject is the avatar's name. Frames are sent at their pts, not when the performer publishes them a
lookahead ahead, because the app's receivers apply a frame when it arrives: early frames would make the face
lead the sound. An `interrupted` event cancels the frames still waiting past the cut.
"""

from __future__ import annotations

import logging
import math
import struct
import uuid
from fractions import Fraction

from bridge.protocol import Event, FaceFrame, StreamMessage
from bridge.sinks import udp
from models.face.arkit import LIVELINK_NAMES

log = logging.getLogger(__name__)

PACKET_VERSION = 6
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 11111
_RADIANS_TO_UNIT = 1.0 / math.pi  # radians -> degrees -> / 180


def livelink_values(weights: list[float] | tuple[float, ...], head: list[float], eyes: list[float]) -> list[float]:
    """The 61 Live Link values of a face: 52 weights, then head yaw, pitch, roll and the left and right eyes'
    yaw, pitch, roll (eyes do not roll), rotations as degrees / 180."""
    rotations = [head[0], head[1], head[2], eyes[0], eyes[1], 0.0, eyes[2], eyes[3], 0.0]
    values = [float(w) for w in weights] + [float(r) * _RADIANS_TO_UNIT for r in rotations]
    assert len(values) == len(LIVELINK_NAMES)
    return values


def frame_rate_fraction(rate: float) -> tuple[int, int]:
    """A frame rate as numerator/denominator (30000 / 1001 -> 30000/1001; 59.94 as typed -> 2997/50)."""
    fraction = Fraction(rate).limit_denominator(1001)
    return fraction.numerator, fraction.denominator


def frame_time(pts: float, rate: float) -> tuple[int, float]:
    """A pts as Live Link's frame number and sub-frame at `rate`, taken as the fraction the packet declares: the
    whole and the fractional frames of pts * rate."""
    numerator, denominator = frame_rate_fraction(rate)
    frames = pts * numerator / denominator
    whole = math.floor(frames + 1e-6)  # a pts on the grid but a rounding error short is that frame, not the one before
    return whole, max(frames - whole, 0.0)


def encode_packet(device_id: str, subject: str, frame_number: int, rate: float, values: list[float],
                  sub_frame: float = 0.0) -> bytes:
    """One Live Link Face datagram (version 6)."""
    if len(values) != len(LIVELINK_NAMES):
        raise ValueError(f"a Live Link Face packet carries {len(LIVELINK_NAMES)} values, got {len(values)}")
    device, name = device_id.encode(), subject.encode()
    numerator, denominator = frame_rate_fraction(rate)
    return b"".join((
        struct.pack(">Bi", PACKET_VERSION, len(device)), device,
        struct.pack(">i", len(name)), name,
        struct.pack(">ifiiB", frame_number & 0x7FFFFFFF, sub_frame, numerator, denominator, len(values)),
        struct.pack(f">{len(values)}f", *values),
    ))


def parse_address(text: str) -> tuple[str, int]:
    """"HOST:PORT", "HOST" or ":PORT" (defaults 127.0.0.1 and 11111). Raises ValueError naming the problem."""
    return udp.parse_address(text, DEFAULT_HOST, DEFAULT_PORT, "Live Link")


class LiveLinkSink(udp.TimedUdpSender):
    """Sends each face frame as a Live Link Face packet to host:port at its pts. Never blocks, never raises."""

    name = "livelink"

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, frame_rate: float = 60.0,
                 device_id: str | None = None, at_pts: bool = True) -> None:
        super().__init__(host, port, at_pts)
        self.frame_rate = frame_rate
        self.device_id = device_id or str(uuid.uuid4()).upper()

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        if isinstance(message, Event) and message.type == "interrupted":
            self.cancel_after(message.avatar, message.pts)
            return
        if not isinstance(message, FaceFrame):
            return
        frame_number, sub_frame = frame_time(message.pts, self.frame_rate)
        packet = encode_packet(self.device_id, message.avatar, frame_number, self.frame_rate,
                               livelink_values(message.weights, message.head, message.eyes), sub_frame)
        self.schedule(message.avatar, message.pts, packet)

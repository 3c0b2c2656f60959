"""Live Link Face UDP packets, decoded by a parser written here from the reference (not the sink's code), field
by field: from the sink directly, and from a real `serve --livelink` while it speaks."""

from __future__ import annotations

import asyncio
import math
import socket
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from bridge.protocol import Event, FaceFrame, face_weights_to_bytes
from bridge.sinks.livelink import LiveLinkSink, encode_packet, frame_rate_fraction, parse_address
from tests.conftest import start_sidecar, stop_sidecar


def parse_livelink(packet: bytes) -> dict:
    """Version 6 per shared/reference/arkit-and-livelink.md: every multi-byte field big-endian."""
    at = 0

    def take(fmt: str) -> tuple:
        nonlocal at
        values = struct.unpack_from(">" + fmt, packet, at)
        at += struct.calcsize(">" + fmt)
        return values

    (version,) = take("B")
    (device_len,) = take("i")
    device = packet[at:at + device_len].decode()
    at += device_len
    (subject_len,) = take("i")
    subject = packet[at:at + subject_len].decode()
    at += subject_len
    frame, sub_frame, numerator, denominator, count = take("ifiiB")
    values = take(f"{count}f")
    assert at == len(packet), "trailing bytes"
    return {"version": version, "device": device, "subject": subject, "frame": frame, "sub_frame": sub_frame,
            "rate": (numerator, denominator), "count": count, "values": values}


def udp_receiver() -> socket.socket:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    return receiver


def frame(seq: int, pts: float, avatar: str = "host") -> FaceFrame:
    weights = [round(i / 51, 4) for i in range(52)]
    return FaceFrame(avatar, seq, pts, face_weights_to_bytes(weights), [0.1, -0.2, 0.05], [0.3, -0.1, 0.25, -0.12])


def test_every_field_of_a_packet() -> None:
    receiver = udp_receiver()
    sink = LiveLinkSink(*receiver.getsockname(), frame_rate=60.0, device_id="0F3A3E62-2B16-4C7E-9C1D-5B5A3B1C2D3E",
                        at_pts=False)
    sink.send(frame(42, 10.0), b"host/face", b"")
    packet = receiver.recv(2048)
    parsed = parse_livelink(packet)
    assert len(packet) == 270 + 36 + len("host")
    assert parsed["version"] == 6
    assert parsed["device"] == "0F3A3E62-2B16-4C7E-9C1D-5B5A3B1C2D3E"
    assert parsed["subject"] == "host"
    assert parsed["frame"] == 42 and parsed["sub_frame"] == 0.0
    assert parsed["rate"] == (60, 1)
    assert parsed["count"] == 61
    values = parsed["values"]
    assert values[:52] == pytest.approx([round(i / 51, 4) for i in range(52)], abs=1e-6)
    degrees = [v * 180.0 for v in values[52:]]
    assert degrees == pytest.approx([math.degrees(r) for r in (0.1, -0.2, 0.05, 0.3, -0.1, 0.0, 0.25, -0.12, 0.0)],
                                    abs=1e-4)
    assert all(-1.0 <= v <= 1.0 for v in values[52:])
    sink.close()
    receiver.close()


def test_other_subjects_frame_rates_and_addresses() -> None:
    packet = parse_livelink(encode_packet("dev", "guest_ü", 7, 59.94, [0.0] * 61))
    assert packet["subject"] == "guest_ü" and packet["rate"] == (2997, 50)
    assert frame_rate_fraction(30000 / 1001) == (30000, 1001)
    with pytest.raises(ValueError, match="61 values"):
        encode_packet("dev", "host", 0, 60.0, [0.0] * 52)
    assert parse_address("10.0.0.5:12000") == ("10.0.0.5", 12000)
    assert parse_address("10.0.0.5") == ("10.0.0.5", 11111)
    assert parse_address(":9000") == ("127.0.0.1", 9000)
    with pytest.raises(ValueError, match="port"):
        parse_address("host:99999")


def test_frames_go_out_at_their_pts_and_an_interrupt_cancels_the_rest() -> None:
    receiver = udp_receiver()
    sink = LiveLinkSink(*receiver.getsockname())

    async def publish() -> tuple[float, list[float]]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        for i in range(6):  # frames 0.1 s ahead, as the performer publishes them
            sink.send(frame(i, now + 0.1 + i / 60), b"", b"")
        sink.send(Event("host", 0, now + 0.1 + 2.5 / 60, "interrupted", "t1"), b"", b"")
        arrivals = []
        receiver.setblocking(False)
        deadline = loop.time() + 0.5
        while loop.time() < deadline:
            try:
                packet = receiver.recv(2048)
                arrivals.append(loop.time())
                assert parse_livelink(packet)["frame"] == len(arrivals) - 1
            except BlockingIOError:
                await asyncio.sleep(0.002)
        return now, arrivals

    now, arrivals = asyncio.run(publish())
    assert len(arrivals) == 3  # frames after the cut never left
    for i, at in enumerate(arrivals):
        assert at >= now + 0.1 + i / 60 - 0.002  # not before its pts
    sink.close()
    receiver.close()


def test_serve_with_livelink_sends_the_face_of_a_speaking_avatar(tmp_path: Path) -> None:
    from bridge.client import BridgeClient

    receiver = udp_receiver()
    host, port = receiver.getsockname()
    sidecar = start_sidecar(tmp_path, "--livelink", f"{host}:{port}")
    try:
        with BridgeClient(sidecar.control, sidecar.stream, timeout=10.0) as client:
            client.say("[happy] Bob bought a maple pie.")
            packets = []
            deadline = time.monotonic() + 6.0
            while time.monotonic() < deadline and len(packets) < 150:
                packets.append(parse_livelink(receiver.recv(2048)))
    finally:
        stop_sidecar(sidecar)
        receiver.close()
    assert len(packets) == 150
    assert {p["version"] for p in packets} == {6} and {p["count"] for p in packets} == {61}
    assert {p["subject"] for p in packets} == {"host"} and len({p["device"] for p in packets}) == 1
    frames = [p["frame"] for p in packets]
    assert frames == list(range(frames[0], frames[0] + len(frames)))  # one packet per frame, in order
    values = np.array([p["values"] for p in packets])
    assert values[:, 17].max() > 0.3  # JawOpen moves: the avatar is speaking
    assert values[:, 23].max() > 0.3  # MouthSmileLeft: the happy tag reached the face
    assert np.abs(values[:, 52:]).max() < 0.2  # head and eyes move a little, normalised

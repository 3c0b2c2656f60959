"""Live Link Face UDP packets, decoded by a parser written here from the reference (not the sink's code), field
by field: from the sink directly, and from a real `serve --livelink` while it speaks."""

from __future__ import annotations

import asyncio
import csv
import math
import socket
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from bridge.protocol import Event, FaceFrame, face_weights_to_bytes
from bridge.render import RenderedTake, livelink_seconds, livelink_timecode, read_livelink_csv, write_take
from bridge.sinks.livelink import LiveLinkSink, encode_packet, frame_rate_fraction, livelink_values, parse_address
from models.face.arkit import LIVELINK_NAMES
from tests.conftest import start_sidecar, stop_sidecar

#: The header of the Live Link Face app's own CSV recordings, copied from takes the app recorded (for example
#: github.com/alexdjulin/LiveLinkFace-CSV-Retarget-For-Motionbuilder anim/S07-001.csv, csv/facial.csv), the order
#: public readers such as nmfisher/blender_livelinkface assume by position.
APP_CSV_HEADER = (
    "Timecode,BlendShapeCount,EyeBlinkLeft,EyeLookDownLeft,EyeLookInLeft,EyeLookOutLeft,EyeLookUpLeft,"
    "EyeSquintLeft,EyeWideLeft,EyeBlinkRight,EyeLookDownRight,EyeLookInRight,EyeLookOutRight,EyeLookUpRight,"
    "EyeSquintRight,EyeWideRight,JawForward,JawRight,JawLeft,JawOpen,MouthClose,MouthFunnel,MouthPucker,MouthRight,"
    "MouthLeft,MouthSmileLeft,MouthSmileRight,MouthFrownLeft,MouthFrownRight,MouthDimpleLeft,MouthDimpleRight,"
    "MouthStretchLeft,MouthStretchRight,MouthRollLower,MouthRollUpper,MouthShrugLower,MouthShrugUpper,"
    "MouthPressLeft,MouthPressRight,MouthLowerDownLeft,MouthLowerDownRight,MouthUpperUpLeft,MouthUpperUpRight,"
    "BrowDownLeft,BrowDownRight,BrowInnerUp,BrowOuterUpLeft,BrowOuterUpRight,CheekPuff,CheekSquintLeft,"
    "CheekSquintRight,NoseSneerLeft,NoseSneerRight,TongueOut,HeadYaw,HeadPitch,HeadRoll,LeftEyeYaw,LeftEyePitch,"
    "LeftEyeRoll,RightEyeYaw,RightEyePitch,RightEyeRoll"
)


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
    sink.send(frame(7, 42 / 60), b"host/face", b"")
    packet = receiver.recv(2048)
    parsed = parse_livelink(packet)
    assert len(packet) == 270 + 36 + len("host")
    assert parsed["version"] == 6
    assert parsed["device"] == "0F3A3E62-2B16-4C7E-9C1D-5B5A3B1C2D3E"
    assert parsed["subject"] == "host"
    assert parsed["frame"] == 42 and parsed["sub_frame"] == pytest.approx(0.0, abs=1e-6)  # pts 0.7 s, not seq 7
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


def test_frame_numbers_follow_pts_across_a_skipped_slot() -> None:
    """A performer overrun skips a slot: pts jumps two periods while the seq moves one. Live Link must see the
    frame number jump two as well, or it runs a frame behind the stream from then on."""
    receiver = udp_receiver()
    for rate, period in ((60.0, 1 / 60), (30000 / 1001, 1001 / 30000), (30.0, 1 / 30)):
        sink = LiveLinkSink(*receiver.getsockname(), frame_rate=rate, at_pts=False)
        slots = [600, 601, 603, 604]  # slot 602 was missed
        for seq, slot in enumerate(slots):
            sink.send(frame(seq, slot * period), b"", b"")
        parsed = [parse_livelink(receiver.recv(2048)) for _ in slots]
        assert [p["frame"] for p in parsed] == slots
        assert all(p["sub_frame"] == pytest.approx(0.0, abs=1e-4) for p in parsed)
        sink.close()
    # off the grid of whole frames (the performer's grid starts wherever its clock was): the sub-frame holds the rest
    sink = LiveLinkSink(*receiver.getsockname(), frame_rate=60.0, at_pts=False)
    for seq, pts in enumerate((1000.25, 1000.25 + 1 / 60, 1000.25 + 3 / 60)):
        sink.send(frame(seq, pts), b"", b"")
    parsed = [parse_livelink(receiver.recv(2048)) for _ in range(3)]
    assert [p["frame"] for p in parsed] == [60015, 60016, 60018]
    assert [p["sub_frame"] for p in parsed] == pytest.approx([0.0, 0.0, 0.0], abs=1e-4)
    sink.close()
    receiver.close()


def synthetic_take(frame_rate: float, frames: int) -> RenderedTake:
    """A take whose every channel carries its own value: channel i of frame f is (i + 1) / 100 + f / 10000."""
    values = np.array([[(i + 1) / 100 + f / 10000 for i in range(52)] for f in range(frames)])
    return RenderedTake(text="", sample_rate=22050, frame_rate=frame_rate, audio=np.zeros(0, dtype=np.int16),
                        phonemes=[], words=[], frame_times=np.arange(frames) / frame_rate,
                        weights=values.astype(np.float32), head=np.full((frames, 3), 0.1, dtype=np.float32),
                        eyes=np.full((frames, 4), -0.2, dtype=np.float32), events=[])


def test_render_csv_has_the_apps_exact_header_and_each_value_under_its_name(tmp_path: Path) -> None:
    take = synthetic_take(60.0, 5)
    write_take(take, tmp_path)
    lines = (tmp_path / "take.livelink.csv").read_text().splitlines()
    assert lines[0] == APP_CSV_HEADER
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for f, row in enumerate(rows):
        assert row[1] == "61"
        for name in ("JawLeft", "JawRight", "MouthLeft", "MouthRight", "JawOpen", "TongueOut"):
            expected = (LIVELINK_NAMES.index(name) + 1) / 100 + f / 10000
            assert float(row[header.index(name)]) == pytest.approx(expected, abs=1e-6), name
    # a reader going by the app's positions finds MouthLeft where the app puts it
    assert float(rows[0][24]) == pytest.approx((LIVELINK_NAMES.index("MouthLeft") + 1) / 100, abs=1e-6)
    times, values = read_livelink_csv(tmp_path / "take.livelink.csv")
    expected = [livelink_values(w.tolist(), h.tolist(), e.tolist()) for w, h, e in zip(take.weights, take.head,
                                                                                          take.eyes, strict=True)]
    assert values == pytest.approx(np.array(expected), abs=1e-6)
    assert times == pytest.approx(take.frame_times, abs=1e-6)


def test_csv_reader_takes_either_count_spelling_and_either_column_order(tmp_path: Path) -> None:
    take = synthetic_take(60.0, 3)
    write_take(take, tmp_path)
    ours = tmp_path / "take.livelink.csv"
    times, values = read_livelink_csv(ours)
    # the layout our renders wrote before: BlendshapeCount, and the pairs in the packet's order
    old = tmp_path / "old.csv"
    with ours.open(newline="") as f:
        rows = list(csv.DictReader(f))
    old.write_text(",".join(["Timecode", "BlendshapeCount", *LIVELINK_NAMES]) + "\n" + "".join(
        ",".join([row["Timecode"], row["BlendShapeCount"], *(row[name] for name in LIVELINK_NAMES)]) + "\n"
        for row in rows))
    old_times, old_values = read_livelink_csv(old)
    assert old_values == pytest.approx(values) and old_times == pytest.approx(times)
    (tmp_path / "bad.csv").write_text(",".join(["Timecode", "Count", *LIVELINK_NAMES]) + "\n")
    with pytest.raises(ValueError, match="BlendShapeCount"):
        read_livelink_csv(tmp_path / "bad.csv")


def test_timecode_is_the_apps_and_never_runs_backwards() -> None:
    # the app counts FF in sixtieths of a second whatever the row rate (its 30 rows/s takes read 47.169, 49.169 ...
    # 59.167, then 01.167 in the next second), the fraction being thousandths of such a frame
    assert [livelink_timecode(i / 30) for i in range(3)] == ["00:00:00:00.000", "00:00:00:02.000", "00:00:00:04.000"]
    assert livelink_timecode(0.5) == "00:00:00:30.000"  # at 30 fps too: FF is not frames of the row rate
    assert livelink_timecode(61.5) == "00:01:01:30.000"
    assert livelink_timecode(3723.0 + 1 / 120) == "01:02:03:00.500"
    assert livelink_timecode((5 + 0.9996) / 60) == "00:00:00:06.000"  # carries, never "05.1000"
    assert livelink_seconds("12:27:47:47.169") == pytest.approx(12 * 3600 + 27 * 60 + 47 + 47.169 / 60)
    app_rows = ["12:27:47:57.168", "12:27:47:59.167", "12:27:48:01.167"]  # consecutive rows of an app recording
    assert np.diff([livelink_seconds(tc) for tc in app_rows]) == pytest.approx([1 / 30, 1 / 30], abs=1e-4)
    for rate in (24.0, 30.0, 59.94, 60.0, 120.0):
        t = np.arange(0, 3 * rate) / rate + 59.0  # across a minute's boundary
        codes = [livelink_timecode(float(x)) for x in t]
        assert all(len(code) == 15 and 0 <= int(code[9:11]) <= 59 for code in codes)
        seconds = np.array([livelink_seconds(code) for code in codes])
        assert np.all(np.diff(seconds) > 0) and seconds == pytest.approx(t, abs=1e-5)


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
                parsed = parse_livelink(packet)
                pts = now + 0.1 + (len(arrivals) - 1) / 60
                assert parsed["frame"] + parsed["sub_frame"] == pytest.approx(pts * 60, abs=1e-3)
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
    assert np.all(np.diff(frames) > 0)  # in order; a gap only where an overrun skipped a slot
    phases = [(p["frame"] + p["sub_frame"] - frames[0] - packets[0]["sub_frame"]) % 1.0 for p in packets]
    assert all(min(d, 1.0 - d) < 1e-3 for d in phases)  # frame + sub-frame: every pts on the performer's one grid
    values = np.array([p["values"] for p in packets])
    assert values[:, 17].max() > 0.3  # JawOpen moves: the avatar is speaking
    assert values[:, 23].max() > 0.3  # MouthSmileLeft: the happy tag reached the face
    assert np.abs(values[:, 52:]).max() < 0.2  # head and eyes move a little, normalised

"""Camera in: what tracking a frame costs, and how long a camera frame takes to show on the wire.

1. Per-frame cost on this machine, frames of a performer video (scikit-image's portrait, 384 x 384): the face alone
   (Face Landmarker, video mode), face + pose + hands (the puppet with its body), and the retargeting alone.
2. A video file as the camera (`serve --camera FILE --puppet` in-process: the real performer on the real clock, the
   real CameraIn with MediaPipe): for each tracked frame, capture (its time on the sidecar clock) → back on the
   event loop, and capture → the first face frame published that shows it; frames a tracked sample came too late
   for; frames tracked and dropped; and the face frames' interval jitter while the camera runs.

    python -m benchmarks.bench_camera [--frames 90] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from avatar_tools.camera_examples import performer_video
from benchmarks.common import percentiles, table, write
from bridge.camera_in import CameraIn, open_camera_source
from bridge.performer import MonotonicClock
from bridge.pipeline import one_avatar
from bridge.protocol import FaceFrame, StreamMessage
from bridge.sinks import Hub
from models.vision.retarget import retarget
from models.vision.sources import VideoFileSource
from models.vision.tracking import Seen, Tracking, Wants, mediapipe_tracking

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_voice import FakeVoice  # noqa: E402  (the voice is not the point)


def cost_ms(tracking: Tracking, frames: list[np.ndarray], body: bool) -> list[float]:
    tracking.wants = Wants(body=body)
    costs = []
    for i, image in enumerate(frames):
        started = time.perf_counter()
        tracking.track(image, i / 30, i / 30)
        if i >= 10:  # the first frames warm the graphs up
            costs.append((time.perf_counter() - started) * 1000)
    return costs


def retarget_ms(tracking: Tracking, frame: np.ndarray, runs: int = 300) -> list[float]:
    body = tracking.body.track(frame, 100.0)
    assert body is not None
    costs = []
    for _ in range(runs):
        started = time.perf_counter()
        retarget(body.world, body.visibility, body.hands)
        costs.append((time.perf_counter() - started) * 1000)
    return costs


class TimedSink:
    """Every message with the monotonic time it was published."""

    name = "timed"

    def __init__(self) -> None:
        self.messages: list[tuple[StreamMessage, float]] = []

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        self.messages.append((message, time.monotonic()))

    def close(self) -> None:
        pass


async def live(video: Path, seconds: float, body: bool | None) -> dict[str, Any]:
    """The performer on the real clock for `seconds` with the video as its camera (the puppet on, with the body or
    not), or without a camera (body None: the baseline of the jitter)."""
    clock = MonotonicClock()
    sink = TimedSink()
    loop = asyncio.get_running_loop()
    pipeline = one_avatar(FakeVoice(), Hub([sink]), clock, frame_rate=60.0, lookahead=0.1)
    camera = CameraIn(pipeline.avatars, clock, lambda fn, *a: loop.call_soon_threadsafe(fn, *a), process=True)
    delivered: list[tuple[Seen, float]] = []
    deliver = camera.deliver

    def timed(seen: Seen, *counts: int) -> None:
        delivered.append((seen, clock.now()))
        deliver(seen, *counts)

    camera.deliver = timed  # type: ignore[method-assign]
    performer = asyncio.create_task(pipeline.performer.run(clock))
    if body is not None:
        camera.use(*open_camera_source(str(video)))
        camera.puppet("host", True, face=True, body=body)
    await asyncio.sleep(seconds)
    stats = camera.stats.to_wire()
    camera.close()
    performer.cancel()
    delay = pipeline.avatars["host"].puppet.delay
    faces = [(m.pts, at) for m, at in sink.messages if isinstance(m, FaceFrame)]
    pts = np.array([p for p, _ in faces])
    published = np.array([at for _, at in faces])
    to_loop, to_wire, late = [], [], 0
    for seen, at in delivered:
        to_loop.append(at - seen.t)
        i = int(np.searchsorted(pts, seen.t + delay - 1e-9))
        if i < len(faces):
            to_wire.append(published[i] - seen.t)
            late += int(at > published[i])  # back on the loop after the frame that should have shown it went out
    intervals = np.diff(published[len(published) // 10:])
    jitter = {"face_interval_jitter_s": percentiles(np.abs(intervals - 1 / 60).tolist(), 50, 99)}
    if body is None:
        return jitter
    return {"stats": stats, "capture_to_loop_s": percentiles(to_loop, 50, 95, 100),
            "capture_to_wire_s": percentiles(to_wire, 50, 95, 100), "late_samples": late,
            "tracked": len(delivered), "delay_s": delay, **jitter}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=90, help="frames per per-frame cost case (default 90)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of video played live (default 8)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        video = performer_video(Path(tmp) / "performer.mp4", max(args.seconds, args.frames / 30) + 1.0,
                                roll=lambda t: 15.0 * math.sin(math.pi * t))
        source = VideoFileSource(video)
        frames = [frame.image for _, frame in zip(range(args.frames), source.frames(), strict=False)]
        source.close()
        tracking = mediapipe_tracking(video=True)
        face = cost_ms(tracking, frames, body=False)
        everything = cost_ms(mediapipe_tracking(video=True), frames, body=True)
        moved = retarget_ms(tracking, frames[0])
        results: dict[str, Any] = {
            "frame_size": list(frames[0].shape[:2]),
            "face_ms": percentiles(face, 50, 95), "face_pose_hands_ms": percentiles(everything, 50, 95),
            "retarget_ms": percentiles(moved, 50, 95),
            "no_camera": asyncio.run(live(video, args.seconds, body=None)),
            "live_face": asyncio.run(live(video, args.seconds, body=False)),
            "live_face_body": asyncio.run(live(video, args.seconds, body=True)),
        }
    ms = 1e3
    rows = [
        ("face, per frame p50 / p95", f"{results['face_ms']['p50']:.1f} / {results['face_ms']['p95']:.1f} ms", ""),
        ("face + pose + hands p50 / p95",
         f"{results['face_pose_hands_ms']['p50']:.1f} / {results['face_pose_hands_ms']['p95']:.1f} ms", ""),
        ("retarget p50 / p95", f"{results['retarget_ms']['p50']:.2f} / {results['retarget_ms']['p95']:.2f} ms", ""),
        ("no camera: face interval jitter p99",
         f"{results['no_camera']['face_interval_jitter_s']['p99'] * ms:.2f} ms", "<= 2 ms"),
    ]
    for name in ("live_face", "live_face_body"):
        live_results = results[name]
        wire, loop_s = live_results["capture_to_wire_s"], live_results["capture_to_loop_s"]
        stats = live_results["stats"]
        label = "face" if name == "live_face" else "face + body"
        rows += [
            (f"{label}: frames tracked / dropped", f"{stats['tracked']} / {stats['dropped']}", "newest kept"),
            (f"{label}: capture -> loop p50 / p95", f"{loop_s['p50'] * ms:.0f} / {loop_s['p95'] * ms:.0f} ms",
             f"< delay - lookahead ({(live_results['delay_s'] - 0.1) * ms:.0f} ms)"),
            (f"{label}: capture -> wire p50 / p95", f"{wire['p50'] * ms:.0f} / {wire['p95'] * ms:.0f} ms", ""),
            (f"{label}: samples too late", str(live_results["late_samples"]), "0"),
            (f"{label}: face interval jitter p99",
             f"{live_results['face_interval_jitter_s']['p99'] * ms:.2f} ms", "<= 2 ms"),
        ]
    print(table(rows, f"camera benchmark ({results['frame_size'][1]} x {results['frame_size'][0]} frames)"))
    print(f"wrote {write('camera', results)}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])

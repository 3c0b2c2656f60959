"""Camera in: one camera per sidecar, its frames tracked in a process of its own, what it sees handed to the loop.

    source (camera index, video file, image folder, image; or a client's `video_in` frames, pushed to the tracker)
        ─► LatestFrame (the tracker's thread: only the newest frame waits; older ones are dropped, never queued)
        ─► track_source: face (FaceTracker, PerformerFace), body (BodyTracker, retarget) ─► its outbox
        ─► a reader thread ─► post ─► event loop: the puppet avatar's Puppet (its PuppetFace and PuppetBody
           layers), the kiosk's Audience

The tracker runs in a process under `serve` (MediaPipe's Python side would otherwise hold the event loop's GIL a
few milliseconds a frame) at a lower priority, in a thread in tests. Times are mapped onto the sidecar's clock: a
camera's frames carry their capture time (time.monotonic), a file's are its pts from the moment it started
playing, a client's are when they arrived (or the sidecar-clock time the client gives, from `ping`)
(docs/performance.md#camera-in).

Events on the puppet or kiosk avatar's stream: `camera` (started, ended, lost: a camera unplugged, a video that
broke off, a client that stopped sending), `puppet` (on, off, lost, found, calibrated) and `visitor_arrived` /
`visitor_left` with a stable visitor id.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import multiprocessing
import multiprocessing.process
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bridge import logs
from bridge.director import Post, run_now
from bridge.music import exit_with_parent
from bridge.performer import Clock
from bridge.pipeline import AvatarPipeline
from models.dialogue.persona import Persona
from models.dialogue.tags import emotion_tag, gesture_tag
from models.errors import RequestError
from models.vision.audience import Audience, AudienceConfig, VisitorEvent
from models.vision.puppet import BODY_DELAY_S, DEFAULT_DELAY_S
from models.vision.tracking import MAX_FACES, Seen, Tracking, Wants, mediapipe_tracking

if TYPE_CHECKING:
    from models.vision.sources import VideoFrame

log = logging.getLogger(__name__)

#: The tracker thread's nice value (Linux, per thread): the performer's tick comes first.
TRACKER_NICE = 10
#: No frame from a client for this long (s): its camera is lost.
CLIENT_TIMEOUT_S = 2.0
#: The kiosk's gaze follows a visitor who moved more than this (m) since she last looked, at most this often (s).
GAZE_MOVE_M, GAZE_EVERY_S = 0.05, 0.2


@dataclass
class CameraStats:
    """The camera for `ping`: frames read, tracked, dropped (a newer one came before the tracker was free), frames
    without a face, frames a client sent that could not be decoded, how long tracking takes."""

    source: str | None = None
    state: str = "off"  # off, running, ended, lost
    frames: int = 0
    tracked: int = 0
    dropped: int = 0
    no_face: int = 0
    bad_frames: int = 0
    track_ms: float = 0.0  # the last frame's
    error: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in dataclasses.asdict(self).items()}


def track_source(spec: str | int, make_tracking: Callable[[], Tracking], inbox: Any, outbox: Any) -> None:
    """The tracker's loop, in a process of its own (serve) or a thread (tests): open the source `spec` (a camera
    index, a file or folder, or "client": frames pushed through `inbox`), track its newest
    frame again and again, and put what it finds in `outbox`; take requests from `inbox` (queue-like both):
    ("wants", Wants), ("calibrate",), ("frame", data, fmt, width, height, t, seq) for a client's frame, and
    ("stop",). Times go out on time.monotonic: a camera's capture time, a file's pts from when it started playing,
    a client frame's time as given. Out: ("seen", Seen, read, dropped, bad) per frame, then ("ended", state,
    reason) once: "ended" (the source ran out), "lost" (it broke off, or the models could not load)."""
    from models.vision.sources import LatestFrame, PushSource, open_source  # PyAV, OpenCV: with the first camera

    # Below the event loop's priority, and so are the threads it starts (MediaPipe's graphs, the frame pump: a
    # new thread inherits its creator's nice value on Linux): on a busy machine the performer's tick comes first,
    # and a frame tracked a little later only waits out more of the puppet's delay.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRACKER_NICE)
    try:
        tracking = make_tracking()
        frames = PushSource() if spec == "client" else open_source(spec)
    except Exception as exc:  # noqa: BLE001 - the models or the source: said once, the show goes on without
        outbox.put(("ended", "lost", f"{type(exc).__name__}: {exc}"))
        return
    pump = LatestFrame(frames, realtime=True)
    start: float | None = None  # time.monotonic() minus a file's pts
    try:
        while True:
            while True:  # the loop's requests first: a frame is tracked with what is asked now
                try:
                    request = inbox.get_nowait()
                except queue.Empty:
                    break
                if request[0] == "stop":
                    return
                if request[0] == "wants":
                    tracking.wants = request[1]
                elif request[0] == "calibrate":
                    tracking.calibrate()
                elif request[0] == "frame" and isinstance(frames, PushSource):
                    frames.put(*request[1:])
            frame = pump.get(timeout=0.02 if isinstance(frames, PushSource) else 0.1)
            if frame is None:
                if pump.done:
                    outbox.put(("ended", "lost" if pump.error else "ended", pump.error))
                    return
                continue
            if frames.live:
                t = frame.t
            else:
                start = time.monotonic() - frame.t if start is None else start
                t = start + frame.t
            try:
                seen = tracking.track(frame.image, frame.t, t)
            except Exception:  # one frame that breaks the tracker costs that frame
                log.exception("camera frame failed")
                continue
            bad = frames.bad if isinstance(frames, PushSource) else 0
            outbox.put(("seen", seen, pump.read, pump.dropped, bad))

    finally:
        pump.close(timeout=0.5)


class CameraIn:
    """The sidecar's camera. Its methods run on the event loop; the tracker (`track_source`) runs in a process of its
    own (`process`: serve, so MediaPipe's Python side never holds the loop's GIL) or a thread (tests), and a reader
    thread hands what it found back through `post`. `tracking` makes the trackers where they run (a picklable
    function for a process)."""

    def __init__(self, avatars: Mapping[str, AvatarPipeline], clock: Clock, post: Post = run_now,
                 tracking: Callable[[], Tracking] = mediapipe_tracking, process: bool = False) -> None:
        self.avatars = dict(avatars)
        self.clock = clock
        self.post = post
        self._make_tracking = tracking
        self.process = process
        self.tracking: Tracking | None = None  # `track`'s own, for frames tracked on the caller's thread
        self.stats = CameraStats()
        self.puppet_avatar: str | None = None
        self.kiosk_avatar: str | None = None
        self.audience: Audience | None = None
        self.greeting: Callable[[], str] | None = None
        self.wants = Wants()  # what the loop asks of the tracker
        self.source: str | None = None  # the label of the source open, if one is
        self.client = False  # the source is "client": video_in frames go to the tracker
        self.client_frames = 0
        self.last_client_frame = time.monotonic()
        self._inbox: Any = None
        self._host: threading.Thread | multiprocessing.process.BaseProcess | None = None
        self._reader: threading.Thread | None = None
        self._run = 0  # sources opened: messages of a source switched away from are ignored
        self._offset = 0.0  # the clock minus time.monotonic(): the tracker's times onto the clock
        self._present = (False, False)  # the performer's face, body seen lately (for lost/found events)
        self._gazed: tuple[str, np.ndarray, float] | None = None  # visitor, point, when she last looked

    # -- the loop's side ---------------------------------------------------------------------------------------

    def use(self, spec: str | int, label: str) -> None:
        """Read `spec` from now on (checked by `open_camera_source` first, off the loop), in place of the one before:
        the tracker starts (its models load: a second or two) and then reads it."""
        self.close_source()
        self._run += 1
        self.source, self.client = label, spec == "client"
        self.stats = CameraStats(source=label, state="running")
        self._offset = self.clock.now() - time.monotonic()
        self.last_client_frame = time.monotonic()
        inbox: Any
        outbox: Any
        if self.process:
            context = multiprocessing.get_context("spawn")
            inbox, outbox = context.Queue(), context.Queue()
            self._host = context.Process(target=_tracker_process,
                                         args=(spec, self._make_tracking, inbox, outbox, os.getpid()),
                                         name="camera", daemon=True)
        else:
            inbox, outbox = queue.Queue(), queue.Queue()
            self._host = threading.Thread(target=track_source, args=(spec, self._make_tracking, inbox,
                                                                      outbox), name="camera", daemon=True)
        self._inbox = inbox
        self._host.start()
        self._reader = threading.Thread(target=self._read, args=(outbox, self._run, self._host),
                                        name="camera-reader", daemon=True)
        self._reader.start()
        self._ask()
        self._event("camera", state="started", source=label)
        log.info("camera started", extra={"source": label, "own_process": self.process})

    def _ask(self) -> None:
        if self._inbox is not None:
            self._inbox.put(("wants", self.wants))

    def close_source(self) -> None:
        """Stop the tracker and its source (it ends after the frame in hand; the loop never waits for it)."""
        if self._inbox is not None:
            self._inbox.put(("stop",))
        self._inbox, self.source, self.client = None, None, False
        self._run += 1
        if self.stats.state == "running":
            self.stats.state = "off"

    def close(self) -> None:
        """At shutdown: stop the tracker and wait for it a little."""
        host = self._host
        self.close_source()
        if isinstance(host, threading.Thread):
            host.join(timeout=2.0)
        elif host is not None:
            host.join(timeout=2.0)
            if host.is_alive():
                host.terminate()
        self._host = None
    def puppet(self, avatar: str, on: bool, face: bool = True, body: bool = True, blend: float = 1.0,
               mirror: bool = False) -> float:
        """Hand `avatar` to the performer (on) or back to her own layers (off), with a fade; returns the pts it
        starts at. `mirror`: the camera's image is mirrored (a selfie view). Raises RequestError when no source is
        open."""
        if on and self.source is None:
            raise RequestError("no_source", "no camera source is open: give `source` (a camera index, a video file, "
                                            "an image folder or \"client\")", "source")
        pipeline = self.avatars[avatar]
        if on and self.puppet_avatar not in (None, avatar):
            self._switch(self.puppet_avatar, False)
        pts = pipeline.now_pts()
        if on:  # the body's trackers take longer: its frames need more time to reach the loop (bench_camera)
            pipeline.puppet.delay = BODY_DELAY_S if body else DEFAULT_DELAY_S
        pipeline.puppet.switch(pts, on and face, on and body, blend)
        self.puppet_avatar = avatar if on else (None if self.puppet_avatar == avatar else self.puppet_avatar)
        self.wants = dataclasses.replace(self.wants, body=self.puppet_avatar is not None and body,
                                         mirror=mirror if on else self.wants.mirror)
        self._ask()
        pipeline.timeline.event("puppet", pts, None, state="on" if on else "off", face=on and face, body=on and body,
                                blend=blend, mirror=self.wants.mirror)
        return pts

    def _switch(self, avatar: str, on: bool) -> None:
        pipeline = self.avatars[avatar]
        pts = pipeline.now_pts()
        pipeline.puppet.switch(pts, on, on)
        pipeline.timeline.event("puppet", pts, None, state="on" if on else "off", face=on, body=on, blend=1.0)

    def calibrate(self) -> None:
        """Take the performer's next second of frames as their neutral face (they rest their face and look at the
        camera)."""
        if self.source is None:
            raise RequestError("no_source", "no camera source is open to calibrate from", "source")
        self._inbox.put(("calibrate",))

    def kiosk(self, avatar: str | None, audience: Audience | None = None,
              greeting: Callable[[], str] | None = None) -> None:
        """Audience awareness for `avatar` (None: off): she looks at visitors, says `greeting()` to each who arrives
        while she is free (None: nothing), and `visitor_arrived` / `visitor_left` go out on her stream."""
        self.kiosk_avatar = avatar
        self.audience = (audience or Audience(AudienceConfig(mirror=self.wants.mirror))) if avatar is not None else None
        self.greeting = greeting
        self.wants = dataclasses.replace(self.wants, faces=MAX_FACES if avatar is not None else 1)
        self._ask()
        self._gazed = None

    def frame(self, data: bytes, fmt: str, width: int | None, height: int | None, t: float | None, seq: int) -> dict:
        """A client's frame (`video_in`): checked here (its header), decoded on the tracker thread (the newest only).
        Raises RequestError naming the field: the camera's source is not the client, a frame that is not what its
        format says or over the limits, a time that is not the sidecar's."""
        if not self.client:
            raise RequestError("no_source", "the camera is not reading client frames: send puppet or kiosk with "
                                            "source \"client\" first", "source")
        now = self.clock.now()
        if t is not None and not now - 5.0 <= t <= now + 1.0:
            raise RequestError("out_of_range", f"t must be the sidecar clock's time of the frame (from ping: now is "
                                               f"{now:.3f}), within the last 5 s, got {t}", "t")
        from models.vision.sources import check_image

        check_image(data, fmt, width, height)  # a bad frame is refused by field; decoding waits for the tracker
        self._inbox.put(("frame", data, fmt, width, height, (now if t is None else t) - self._offset, seq))
        self.client_frames += 1
        self.last_client_frame = time.monotonic()
        return {"dropped": self.stats.dropped, "bad_frames": self.stats.bad_frames}

    def check(self, now: float) -> None:
        """A client that stopped sending: its camera is lost (called every few ms by the sidecar)."""
        if not self.client:
            return
        silent = time.monotonic() - self.last_client_frame > CLIENT_TIMEOUT_S
        if self.stats.state == "running" and silent:
            self._ended("lost", f"no frame from the client for {CLIENT_TIMEOUT_S:g} s")
        elif self.stats.state == "lost" and not silent:  # the client sends again
            self.stats.state = "running"
            self._event("camera", state="started", source="client")

    # -- between the tracker and the loop -----------------------------------------------------------------------

    def _read(self, outbox: Any, run: int, host: threading.Thread | multiprocessing.process.BaseProcess) -> None:
        """The reader thread: the tracker's messages onto the loop, until its last (or its tracker is gone)."""
        while True:
            try:
                message = outbox.get(timeout=1.0)
            except queue.Empty:
                if not host.is_alive():  # gone without a word (a crash): the camera is lost, if it is still the one
                    code = getattr(host, "exitcode", None)
                    self.post(self._receive, run, ("ended", "lost", f"the tracker stopped (exit code {code})"))
                    return
                continue
            except (EOFError, OSError):  # the tracker process is gone
                return
            self.post(self._receive, run, message)
            if message[0] == "ended":
                return

    def _receive(self, run: int, message: tuple) -> None:
        if run != self._run:
            return  # a source switched away from
        if message[0] == "ended":
            self._ended(message[1], message[2])
            return
        _, seen, read, dropped, bad = message
        # The tracker's times are time.monotonic's: onto the sidecar's clock (the same clock under serve: offset 0).
        seen = dataclasses.replace(seen, t=seen.t + self._offset,
                                   sample=dataclasses.replace(seen.sample, t=seen.sample.t + self._offset))
        if seen.calibrated:
            self._event("puppet", "calibrated")
        self.deliver(seen, read, dropped, bad)

    def track(self, frame: VideoFrame) -> Seen:
        """Track one frame on the caller's thread, with what the loop asks for now (tests; `frame.t` is its time on
        the clock)."""
        if self.tracking is None:
            self.tracking = self._make_tracking()
        self.tracking.wants = self.wants
        return self.tracking.track(frame.image, frame.t, frame.t)

    # -- back on the loop --------------------------------------------------------------------------------------

    def deliver(self, seen: Seen, read: int = 0, dropped: int = 0, bad: int = 0) -> None:
        """What a frame showed, on the loop: the puppet's sightings, the kiosk's visitors, the counters."""
        stats = self.stats
        stats.frames, stats.dropped, stats.bad_frames = max(read, self.client_frames), dropped, bad
        stats.tracked += 1
        stats.no_face += seen.sample.face is None
        stats.track_ms = seen.track_ms
        if self.puppet_avatar is not None:
            self._puppet_sees(seen)
        if self.kiosk_avatar is not None and self.audience is not None:
            self._kiosk_sees(seen)

    def _puppet_sees(self, seen: Seen) -> None:
        assert self.puppet_avatar is not None
        self.avatars[self.puppet_avatar].puppet.add(seen.sample)
        present = (seen.sample.face is not None, seen.sample.body is not None or not self.wants.body)
        if any(present) != any(self._present):
            self._event("puppet", "found" if any(present) else "lost")
        self._present = present

    def _kiosk_sees(self, seen: Seen) -> None:
        assert self.kiosk_avatar is not None and self.audience is not None
        avatar = self.avatars[self.kiosk_avatar]
        self._visitors(self.audience.update(seen.t, seen.people))
        focus = self.audience.focus(seen.t)
        if focus is None:
            if self._gazed is not None:
                avatar.look_at("camera")
                self._gazed = None
            return
        point = np.asarray(self.audience.gaze_point(focus), np.float64)
        last = self._gazed
        if last is None or last[0] != focus.id or (
                float(np.linalg.norm(point - last[1])) > GAZE_MOVE_M and seen.t - last[2] >= GAZE_EVERY_S):
            try:
                avatar.look_at([float(v) for v in point])
            except ValueError:  # a point she cannot look at (behind her): keep the gaze she has
                return
            self._gazed = (focus.id, point, seen.t)

    def _visitors(self, events: list[VisitorEvent]) -> None:
        """Visitors who arrived or left: events on the kiosk avatar's stream, a greeting when she is free, and her
        gaze back on the camera when no one is left."""
        assert self.kiosk_avatar is not None and self.audience is not None
        avatar = self.avatars[self.kiosk_avatar]
        for event in events:
            avatar.timeline.event(event.type, avatar.now_pts(), None, **event.to_wire())
            log.info(event.type, extra={"avatar": avatar.name, **event.to_wire()})
            if event.type == "visitor_arrived" and self.greeting is not None and avatar.timeline.current is None:
                avatar.director.say(self.greeting())
        if events and not self.audience.visitors and self._gazed is not None:
            avatar.look_at("camera")
            self._gazed = None

    def _ended(self, state: str, reason: str | None = None) -> None:
        self.stats.state, self.stats.error = state, reason
        self._event("camera", state=state, source=self.stats.source, reason=reason)
        if self.kiosk_avatar is not None and self.audience is not None:  # no camera, no visitors
            self._visitors(self.audience.clear(self.clock.now()))
        log.warning("camera " + state, extra={"source": self.stats.source, "reason": reason})

    def _event(self, type_: str, state: str | None = None, **data: Any) -> None:
        """An event on the stream of the avatar the camera serves (the puppet's, else the kiosk's, else the first)."""
        name = self.puppet_avatar or self.kiosk_avatar or next(iter(self.avatars))
        avatar = self.avatars[name]
        if state is not None:
            data["state"] = state
        avatar.timeline.event(type_, avatar.now_pts(), None, **data)


@dataclass(frozen=True)
class CameraSetup:
    """What `serve --camera` asks for at start: the source (opened before the models load, so a missing camera fails
    early), and whether the first avatar (or `avatar`) is puppeteered or a kiosk host from the start."""

    source: str | int  # checked by open_camera_source
    label: str
    puppet: bool = False
    kiosk: bool = False
    greeting: str | None = None  # None: the persona's greeting lines; "": none
    avatar: str | None = None
    mirror: bool = False  # the camera's image is mirrored (a selfie view)

    def start(self, camera: CameraIn, personas: Mapping[str, Persona]) -> None:
        camera.use(self.source, self.label)
        name = self.avatar or next(iter(camera.avatars))
        if self.kiosk:
            camera.kiosk(name, Audience(AudienceConfig(mirror=self.mirror)),
                         greeter(self.greeting, personas.get(name)))
        if self.puppet:
            camera.puppet(name, True, mirror=self.mirror)


def greeter(text: str | None, persona: Persona | None) -> Callable[[], str] | None:
    """What the kiosk says to a visitor: `text`; without one the persona's greeting lines in turn, with a smile and
    a wave; "" (or no persona): nothing."""
    if text is not None:
        return (lambda: text) if text else None
    if persona is None:
        return None
    turns = itertools.count()
    return lambda: f"{emotion_tag('happy')} {gesture_tag('wave')} {persona.phrase('greeting', next(turns))}"


def open_camera_source(spec: str | int) -> tuple[str | int, str]:
    """A source for the camera, checked (a camera opened, a video's first frame decoded, then closed again: the
    tracker opens it for good), and its label: "client" (frames by `video_in`), a camera index, a video file, an
    image folder or an image. Call it off the event loop. Raises RequestError naming `source` when it cannot be
    opened."""
    from models.vision.sources import SourceError, open_source

    if spec == "client":
        return spec, "client"
    try:
        open_source(spec).close()
    except SourceError as exc:
        raise RequestError("bad_source", str(exc), "source") from None
    return spec, str(spec)


def _tracker_process(spec: str | int, make_tracking: Callable[[], Tracking], inbox: Any, outbox: Any,
                     parent: int) -> None:
    """A tracker process's main: `track_source`, ending with the sidecar (SIGTERM) if it is killed."""
    exit_with_parent(parent)
    logs.setup("json", "warning")
    track_source(spec, make_tracking, inbox, outbox)

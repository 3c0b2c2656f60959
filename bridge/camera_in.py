"""Camera in: one camera per sidecar, its frames tracked on a worker thread, what it sees handed to the event loop.

    source (camera index, video file, image folder, image; or a client's `video_in` frames)
        ─► LatestFrame (its own thread: only the newest frame waits; older ones are dropped, never queued)
        ─► the tracker thread: face (FaceTracker, PerformerFace), body (BodyTracker, retarget) ─► post
        ─► event loop: the puppet avatar's Puppet (its PuppetFace and PuppetBody layers), the kiosk's Audience

Times are mapped onto the sidecar's clock: a camera's frames carry their capture time on it already
(time.monotonic), a file's are its pts from the moment it started playing, a client's are when they arrived (or
the sidecar-clock time the client gives, from `ping`). MediaPipe releases the GIL while it runs, so the tracker
thread costs the performer's tick little (docs/performance.md#camera-in).

Events on the puppet or kiosk avatar's stream: `camera` (started, ended, lost: a camera unplugged, a video that
broke off, a client that stopped sending), `puppet` (on, off, lost, found, calibrated) and `visitor_arrived` /
`visitor_left` with a stable visitor id.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridge.director import Post, run_now
from bridge.performer import Clock
from bridge.pipeline import AvatarPipeline
from models.dialogue.persona import Persona
from models.dialogue.tags import emotion_tag, gesture_tag
from models.errors import RequestError
from models.vision.audience import Audience, VisitorEvent
from models.vision.sources import (
    FrameSource,
    LatestFrame,
    SourceError,
    VideoFrame,
    check_image,
    decode_image,
    open_source,
)
from models.vision.tracking import MAX_FACES, Seen, Tracking, mediapipe_tracking

log = logging.getLogger(__name__)

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


class ClientFrames:
    """Frames a client streams (`video_in`), as a live FrameSource: encoded bytes wait here (the newest only) and are
    decoded on the tracker thread, so a large frame never holds up the event loop."""

    live = True
    fps: float | None = None
    error: str | None = None  # a client's stream has no end of its own: it stops, or the camera switches

    def __init__(self) -> None:
        self._slot: tuple[bytes, str, int | None, int | None, float, int] | None = None
        self._ready = threading.Condition()
        self._closed = False
        self.size = (0, 0)
        self.dropped = 0
        self.bad = 0
        self.last = time.monotonic()

    def put(self, data: bytes, fmt: str, width: int | None, height: int | None, t: float, index: int) -> None:
        with self._ready:
            if self._slot is not None:
                self.dropped += 1
            self._slot = (data, fmt, width, height, t, index)
            self.last = time.monotonic()
            self._ready.notify()

    def frames(self):  # noqa: ANN201 - Iterator[VideoFrame]
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._slot is not None or self._closed, timeout=0.5)
                if self._closed:
                    return
                if self._slot is None:
                    continue
                data, fmt, width, height, t, index = self._slot
                self._slot = None
            try:
                image = decode_image(data, fmt, width, height)
            except (RequestError, ValueError) as exc:
                self.bad += 1
                log.warning("client frame not decoded", extra={"reason": str(exc)})
                continue
            self.size = (image.shape[1], image.shape[0])
            yield VideoFrame(image, t, index)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()


class CameraIn:
    """The sidecar's camera. Its methods run on the event loop; tracking runs on its own thread and hands what it
    found back through `post`. `trackers` makes the face and body trackers on that thread (tests give their own)."""

    def __init__(self, avatars: Mapping[str, AvatarPipeline], clock: Clock, post: Post = run_now,
                 tracking: Callable[[], Tracking] = mediapipe_tracking) -> None:
        self.avatars = dict(avatars)
        self.clock = clock
        self.post = post
        self._make_tracking = tracking
        self.tracking: Tracking | None = None  # made on the tracker thread, when the first source opens
        self.stats = CameraStats()
        self.puppet_avatar: str | None = None
        self.kiosk_avatar: str | None = None
        self.audience: Audience | None = None
        self.greeting: Callable[[], str] | None = None
        self._wanted = (False, 1)  # body, faces: what the loop last asked for (handed to the tracker thread)
        self._calibrate = False
        self.source: FrameSource | None = None
        self.client: ClientFrames | None = None
        self._pump: LatestFrame | None = None
        self._lock = threading.Lock()  # the pump: made on the tracker thread, closed from the loop
        self._tracking_lock = threading.Lock()  # the trackers: one frame at a time
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._offset: float | None = None  # sidecar clock minus a file's pts
        self._present = (False, False)  # the performer's face, body seen lately (for lost/found events)
        self._gazed: tuple[str, np.ndarray, float] | None = None  # visitor, point, when she last looked

    # -- the loop's side ---------------------------------------------------------------------------------------

    def use(self, source: FrameSource, label: str) -> None:
        """Read `source` from now on (made by `open_camera_source`, off the loop), in place of the one before."""
        self.close_source()
        self.source = source
        self.client = source if isinstance(source, ClientFrames) else None
        self.stats = CameraStats(source=label, state="running")
        self._offset = None
        self._stop = stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(source, stop), name="camera", daemon=True)
        self._thread.start()
        self._event("camera", state="started", source=label)
        log.info("camera started", extra={"source": label})

    def close_source(self) -> None:
        """Stop reading the source (the tracker thread ends after the frame in hand)."""
        with self._lock:  # the tracker thread makes the pump once the models are loaded
            self._stop.set()
            if self._pump is not None:
                self._pump.close(timeout=0.0)  # never wait on the loop: the pump ends on its own
        if self.client is not None:
            self.client.close()
        self._pump, self.client, self.source = None, None, None
        if self.stats.state == "running":
            self.stats.state = "off"

    def close(self) -> None:
        self.close_source()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def puppet(self, avatar: str, on: bool, face: bool = True, body: bool = True, blend: float = 1.0) -> float:
        """Hand `avatar` to the performer (on) or back to her own layers (off), with a fade; returns the pts it
        starts at. Raises RequestError when no source is open."""
        if on and self.source is None:
            raise RequestError("no_source", "no camera source is open: give `source` (a camera index, a video file, "
                                            "an image folder or \"client\")", "source")
        pipeline = self.avatars[avatar]
        if on and self.puppet_avatar not in (None, avatar):
            self._switch(self.puppet_avatar, False)
        pts = pipeline.now_pts()
        pipeline.puppet.switch(pts, on and face, on and body, blend)
        self.puppet_avatar = avatar if on else (None if self.puppet_avatar == avatar else self.puppet_avatar)
        self._wanted = (self.puppet_avatar is not None and body, self._wanted[1])
        pipeline.timeline.event("puppet", pts, None, state="on" if on else "off", face=on and face, body=on and body,
                                blend=blend)
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
        self._calibrate = True

    def kiosk(self, avatar: str | None, audience: Audience | None = None,
              greeting: Callable[[], str] | None = None) -> None:
        """Audience awareness for `avatar` (None: off): she looks at visitors, says `greeting()` to each who arrives
        while she is free (None: nothing), and `visitor_arrived` / `visitor_left` go out on her stream."""
        self.kiosk_avatar = avatar
        self.audience = (audience or Audience()) if avatar is not None else None
        self.greeting = greeting
        self._wanted = (self._wanted[0], MAX_FACES if avatar is not None else 1)
        self._gazed = None

    def frame(self, data: bytes, fmt: str, width: int | None, height: int | None, t: float | None, seq: int) -> dict:
        """A client's frame (`video_in`): checked here (its header), decoded on the tracker thread (the newest only).
        Raises RequestError naming the field: the camera's source is not the client, a frame that is not what its
        format says or over the limits, a time that is not the sidecar's."""
        if self.client is None:
            raise RequestError("no_source", "the camera is not reading client frames: send puppet or kiosk with "
                                            "source \"client\" first", "source")
        now = self.clock.now()
        if t is not None and not now - 5.0 <= t <= now + 1.0:
            raise RequestError("out_of_range", f"t must be the sidecar clock's time of the frame (from ping: now is "
                                               f"{now:.3f}), within the last 5 s, got {t}", "t")
        check_image(data, fmt, width, height)  # a bad frame is refused by field; decoding waits for the tracker
        self.client.put(data, fmt, width, height, now if t is None else t, seq)
        return {"dropped": self.client.dropped, "bad_frames": self.client.bad}

    def check(self, now: float) -> None:
        """A client that stopped sending: its camera is lost (called every few ms by the sidecar)."""
        if self.client is not None and self.stats.state == "running" and \
                time.monotonic() - self.client.last > CLIENT_TIMEOUT_S:
            self._ended("lost", f"no frame from the client for {CLIENT_TIMEOUT_S:g} s")
            self.client.last = float("inf")  # told once; a new frame starts it again
        elif self.client is not None and self.stats.state == "lost" and self.client.last != float("inf"):
            self.stats.state = "running"
            self._event("camera", state="started", source="client")

    # -- the tracker thread ------------------------------------------------------------------------------------

    def _run(self, source: FrameSource, stop: threading.Event) -> None:
        try:
            with self._tracking_lock:
                if self.tracking is None:
                    self.tracking = self._make_tracking()
        except Exception as exc:  # the models cannot load: say so once, the show goes on without the camera
            log.exception("camera trackers failed to load")
            source.close()
            self.post(self._ended, "lost", f"the trackers could not load: {type(exc).__name__}: {exc}")
            return
        # The source is read from now on, with the models ready: a file plays from its first frame.
        with self._lock:
            if stop.is_set():
                source.close()
                return
            self._pump = pump = LatestFrame(source, realtime=True)
        while not stop.is_set():
            frame = pump.get(timeout=0.25)
            if frame is None:
                if pump.done:
                    self.post(self._ended, "lost" if pump.error else "ended", pump.error)
                    return
                continue
            try:
                seen = self.track(frame)
            except Exception:  # one frame that breaks the tracker costs that frame
                log.exception("camera frame failed")
                continue
            self.post(self.deliver, seen, pump.read, pump.dropped)

    def track(self, frame: VideoFrame) -> Seen:
        """Track one frame with what the loop asks for now (the tracker thread's work; tests call it directly)."""
        with self._tracking_lock:  # the thread of a source switched away from may still finish a frame
            return self._track(frame)

    def _track(self, frame: VideoFrame) -> Seen:
        if self.tracking is None:
            self.tracking = self._make_tracking()
        wants = self.tracking.wants
        wants.body, wants.faces = self._wanted  # one tuple read: the loop swaps it whole
        if self._calibrate:
            self._calibrate = False
            self.tracking.calibrate()
        seen = self.tracking.track(frame.image, frame.t, self._clock_time(frame))
        if seen.calibrated:
            self.post(self._event, "puppet", "calibrated")
        return seen

    def _clock_time(self, frame: VideoFrame) -> float:
        if self.source is not None and not self.source.live:  # a file: its pts from when it started playing
            if self._offset is None:
                self._offset = self.clock.now() - frame.t
            return frame.t + self._offset
        return frame.t  # a camera's capture time, or a client frame's time: on the sidecar's clock already

    # -- back on the loop --------------------------------------------------------------------------------------

    def deliver(self, seen: Seen, read: int = 0, dropped: int = 0) -> None:
        stats = self.stats
        stats.frames, stats.dropped = read, dropped + (self.client.dropped if self.client else 0)
        stats.tracked += 1
        stats.no_face += seen.sample.face is None
        stats.bad_frames = self.client.bad if self.client else 0
        stats.track_ms = seen.track_ms
        if self.puppet_avatar is not None:
            self._puppet_sees(seen)
        if self.kiosk_avatar is not None and self.audience is not None:
            self._kiosk_sees(seen)

    def _puppet_sees(self, seen: Seen) -> None:
        assert self.puppet_avatar is not None
        self.avatars[self.puppet_avatar].puppet.add(seen.sample)
        present = (seen.sample.face is not None, seen.sample.body is not None or not self._wanted[0])
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

    source: FrameSource
    label: str
    puppet: bool = False
    kiosk: bool = False
    greeting: str | None = None  # None: the persona's greeting lines; "": none
    avatar: str | None = None

    def start(self, camera: CameraIn, personas: Mapping[str, Persona]) -> None:
        camera.use(self.source, self.label)
        name = self.avatar or next(iter(camera.avatars))
        if self.kiosk:
            camera.kiosk(name, greeting=greeter(self.greeting, personas.get(name)))
        if self.puppet:
            camera.puppet(name, True)


def greeter(text: str | None, persona: Persona | None) -> Callable[[], str] | None:
    """What the kiosk says to a visitor: `text`; without one the persona's greeting lines in turn, with a smile and
    a wave; "" (or no persona): nothing."""
    if text is not None:
        return (lambda: text) if text else None
    if persona is None:
        return None
    turns = itertools.count()
    return lambda: f"{emotion_tag('happy')} {gesture_tag('wave')} {persona.phrase('greeting', next(turns))}"


def open_camera_source(spec: str | int) -> tuple[FrameSource, str]:
    """A source for the camera and its label: "client" (frames by `video_in`), a camera index, a video file, an image
    folder or an image. Opens files (reads a video's header): call it off the event loop. Raises RequestError
    naming `source` when it cannot be opened."""
    if spec == "client":
        return ClientFrames(), "client"  # type: ignore[return-value]
    try:
        return open_source(spec), str(spec)
    except SourceError as exc:
        raise RequestError("bad_source", str(exc), "source") from None

"""The audience: a kiosk's visitors, from the people its camera's trackers report each frame.

A camera beside the screen sees people; the trackers (elsewhere) report each as a `Person` (a face, or only a
body). `Audience.update(t, people)` follows them from frame to frame as tracks, and says when a visitor arrives
(near enough for long enough: not a face flashing by) and when they leave (gone, or stepped back out of range, for
long enough: not a tracker missing them for a few frames). `focus(t)` picks whom the avatar looks at, and
`gaze_point(visitor)` says where that is in her face frame (models/face/life.py), for `Gaze.look_at`.

Everything is a pure function of the frames given, in order: no threads, no clock of its own, the same events
every run.

Timers count what the camera saw, not the wall clock: a frame interval longer than FRAME_GAP_S (the camera or the
trackers stalled) counts as FRAME_GAP_S. A stall is no evidence that anyone left or stayed, so a visitor who is
still there when frames resume keeps their id, and one who is gone leaves LEAVE_S of frames later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from models.errors import RequestError

Point = tuple[float, float, float]

#: Kinds of detection: a face seen, or only a body (from behind, turned away, too small for the face tracker).
KINDS: tuple[str, ...] = ("face", "pose")
#: Widths the size of a detection is read against (m): an adult's face (ear to ear, as face trackers box it)
#: and shoulders (acromion to acromion). A child's or a profile's are narrower and read as farther away.
FACE_WIDTH_M, SHOULDER_WIDTH_M = 0.15, 0.40

#: A visitor arrives after being seen in range this long (s): a face flashing by for a frame is nobody.
ARRIVE_S = 0.5
#: Sightings towards an arrival stay one run across misses this long (s): a dropped frame or two, not a gap.
ARRIVE_MISS_S = 0.3
#: A visitor leaves after not being seen in range (plus RANGE_HYSTERESIS_M) this long (s); a track not seen at
#: all this long is dropped.
LEAVE_S = 1.5
#: Once arrived, a visitor stays in range until this much farther than `max_distance_m` (m): the size of a face
#: jitters by about 10 %, a quarter metre at 2.5 m, and a visitor at the edge must not arrive and leave in turn.
RANGE_HYSTERESIS_M = 0.5
#: The longest frame interval the timers count whole (s); a longer one (a stall) counts as this.
FRAME_GAP_S = 0.25

#: A detection can continue a track within this distance (m) of where the track was predicted to be...
GATE_M = 0.4
#: ...plus this much per second since the track was last seen (m/s, up to LEAVE_S): a visitor walks on unseen.
GATE_GROWTH_M_S = 1.0
#: Weight of a depth difference against a sideways one: depth from size is far noisier than position in the image.
DEPTH_WEIGHT = 0.5
#: A track's velocity is extrapolated at most this long (s), and is forgotten over a longer miss: past that it
#: guesses more than it predicts.
PREDICT_S = 0.5
#: Timer readings this close to a limit count as reaching it (s): frame intervals summed in floating point.
EPS = 1e-6
#: Share of each new measurement in a track's smoothed distance.
SMOOTHING = 0.5
#: A track's velocity is averaged over about this long (s): a measurement over an interval dt weighs
#: dt / VELOCITY_S (at most 1), so frames close together do not turn a jitter of the box into speed.
VELOCITY_S = 0.2

#: Focus switches to another visitor only when they are at most this share of the focused one's distance
#: (25 % nearer): two visitors at about the same distance do not trade her gaze every frame...
FOCUS_SWITCH_RATIO = 0.75
#: ...and not within this long (s) of the last switch, unless the focused visitor leaves.
FOCUS_HOLD_S = 1.0


def _check_number(name: str, value: object, low: float, high: float, *, low_open: bool = False) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise RequestError("out_of_range", f"{name} must be a finite number, got {value!r}", name)
    if value > high or value < low or (low_open and value == low):
        bound = f"({low}, {high}]" if low_open else f"[{low}, {high}]"
        raise RequestError("out_of_range", f"{name} must be in {bound}, got {value}", name)
    return float(value)


@dataclass(frozen=True)
class Person:
    """One person a tracker saw in one frame.

    `box` is (x0, y0, x1, y1) in normalized image coordinates, (0, 0) the image's top-left and (1, 1) its
    bottom-right. `kind` is "face" (a face box) or "pose" (a body box, from the pose landmarks: its top is about
    the eyes, the highest landmarks). `size` is the face's width (face) or the shoulders' width (pose) as a
    fraction of the image's width. Raises RequestError (a ValueError) naming the field at fault.
    """

    box: tuple[float, float, float, float]
    kind: str
    size: float

    def __post_init__(self) -> None:
        if not isinstance(self.box, tuple) or len(self.box) != 4:
            raise RequestError("bad_type", f"box must be a tuple (x0, y0, x1, y1), got {self.box!r}", "box")
        for value in self.box:
            _check_number("box", value, 0.0, 1.0)
        x0, y0, x1, y1 = self.box
        if not (x0 < x1 and y0 < y1):
            raise RequestError("out_of_range", f"box must have x0 < x1 and y0 < y1, got {self.box}", "box")
        if self.kind not in KINDS:
            raise RequestError("out_of_range", f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}", "kind")
        _check_number("size", self.size, 0.0, 1.0, low_open=True)

    @property
    def head(self) -> tuple[float, float]:
        """Where their eyes are in the image (normalized): a face box's centre, a body box's top centre."""
        x0, y0, x1, y1 = self.box
        return ((x0 + x1) / 2, (y0 + y1) / 2 if self.kind == "face" else y0)


@dataclass(frozen=True)
class AudienceConfig:
    """The kiosk's camera and range.

    `hfov_deg`: the camera's horizontal field of view; `aspect`: its image's width over height. `max_distance_m`:
    how near a visitor must come to arrive. `camera_offset`: where the camera is in the avatar's face frame
    (metres from the point between her eyes on the screen, +x the viewer's right, +y up, +z towards the viewer);
    it is taken to look straight out of the screen, as she does. `mirror`: the image is already mirrored (a
    selfie view), so its right is the viewer's right.
    """

    hfov_deg: float = 60.0
    aspect: float = 16 / 9
    max_distance_m: float = 2.5
    camera_offset: Point = (0.0, 0.0, 0.0)
    mirror: bool = False

    def __post_init__(self) -> None:
        _check_number("hfov_deg", self.hfov_deg, 1.0, 170.0)
        _check_number("aspect", self.aspect, 0.1, 10.0)
        _check_number("max_distance_m", self.max_distance_m, 0.0, 100.0, low_open=True)
        if not isinstance(self.camera_offset, tuple) or len(self.camera_offset) != 3:
            raise RequestError("bad_type", "camera_offset must be a tuple (x, y, z) in metres", "camera_offset")
        for value in self.camera_offset:
            _check_number("camera_offset", value, -10.0, 10.0)


def _focal(hfov_deg: float) -> float:
    """The focal length in image widths: a point at lateral offset X and depth Z is X / Z * focal from the centre."""
    return 0.5 / math.tan(math.radians(hfov_deg) / 2)


def distance_m(person: Person, hfov_deg: float = 60.0) -> float:
    """How far the person is from the camera (m), from their apparent size, with a pinhole camera of this
    horizontal field of view.

    Assumes an adult facing the camera: a face FACE_WIDTH_M wide, shoulders SHOULDER_WIDTH_M wide. The result is
    the depth along the camera's axis (what apparent size measures), which is the straight-line distance in the
    middle of the image and up to 15 % less than it at the edge of a 60° one. A child, a profile or a turned
    body looks narrower and reads as farther away: the error is on the side of not greeting.
    """
    width = FACE_WIDTH_M if person.kind == "face" else SHOULDER_WIDTH_M
    return _focal(hfov_deg) * width / person.size


def _camera_point(head: tuple[float, float], depth: float, config: AudienceConfig) -> Point:
    """A point in the image at a depth, in the camera's frame (m): x the image's right, y its down, z forward."""
    scale = depth / _focal(config.hfov_deg)
    return ((head[0] - 0.5) * scale, (head[1] - 0.5) / config.aspect * scale, depth)


@dataclass(frozen=True)
class Visitor:
    """A visitor present now: their id (one per visit), when they arrived and were last seen (the times given
    to `update`), their smoothed distance from the camera (m) and the last detection of them."""

    id: str
    arrived_t: float
    last_seen_t: float
    distance_m: float
    person: Person


@dataclass(frozen=True)
class VisitorEvent:
    """A visitor arrived or left, at frame time `t`. `distance_m` and `position` (their head in the avatar's face
    frame, m: `Audience.gaze_point`) are as last seen; `stayed_s` (on leaving) is how long they were seen in range,
    from the first sighting of the run that made them arrive to the last sighting in range."""

    type: Literal["visitor_arrived", "visitor_left"]
    id: str
    t: float
    distance_m: float
    position: Point
    stayed_s: float | None = None

    def to_wire(self) -> dict[str, Any]:
        """The stream event's data (its `type` goes in the event itself): mm, cm and ms are precision enough."""
        data: dict[str, Any] = {"id": self.id, "t": round(self.t, 3), "distance_m": round(self.distance_m, 2),
                                "position": [round(v, 3) for v in self.position]}
        if self.stayed_s is not None:
            data["stayed_s"] = round(self.stayed_s, 2)
        return data


class _Track:
    """One person followed from frame to frame; a visitor while `visitor_id` is set.

    Times with `_clock` in their name are on the audience's evidence clock (stalls shortened), the others are the
    frame times given to `update`.
    """

    def __init__(self, t: float, clock: float, person: Person, config: AudienceConfig) -> None:
        self.config = config
        self.person = person
        self.distance = distance_m(person, config.hfov_deg)
        self.point = _camera_point(person.head, self.distance, config)
        self.velocity: Point = (0.0, 0.0, 0.0)
        self.seen_t, self.seen_clock = t, clock
        self.run_clock: float | None = None  # start of the run of sightings in range towards an arrival
        self.run_t = t
        self.visitor_id: str | None = None
        self.arrived_t = t
        self.near_t, self.near_clock = t, clock  # last seen in range (with the hysteresis), while a visitor
        self._note_range(t, clock, gap=0.0)

    def predict(self, t: float) -> Point:
        """Where the track should be at t: its last point, moved on at its velocity for at most PREDICT_S."""
        dt = min(t - self.seen_t, PREDICT_S)
        return (self.point[0] + self.velocity[0] * dt, self.point[1] + self.velocity[1] * dt,
                self.point[2] + self.velocity[2] * dt)

    def observe(self, t: float, clock: float, person: Person) -> None:
        """A detection continues this track at t."""
        dt, gap = t - self.seen_t, clock - self.seen_clock
        self.distance += SMOOTHING * (distance_m(person, self.config.hfov_deg) - self.distance)
        point = _camera_point(person.head, self.distance, self.config)
        if dt > PREDICT_S:
            self.velocity = (0.0, 0.0, 0.0)
        elif dt > 0.0:  # two reports at one time say nothing about speed
            weight = min(dt / VELOCITY_S, 1.0)
            (vx, vy, vz), (px, py, pz), (qx, qy, qz) = self.velocity, point, self.point
            self.velocity = (vx + weight * ((px - qx) / dt - vx), vy + weight * ((py - qy) / dt - vy),
                             vz + weight * ((pz - qz) / dt - vz))
        self.person, self.point, self.seen_t, self.seen_clock = person, point, t, clock
        self._note_range(t, clock, gap)

    def _note_range(self, t: float, clock: float, gap: float) -> None:
        """Advance the arrival run or the visitor's last time in range, for a sighting `gap` after the last."""
        if self.visitor_id is not None:
            if self.distance <= self.config.max_distance_m + RANGE_HYSTERESIS_M:
                self.near_t, self.near_clock = t, clock
        elif self.distance > self.config.max_distance_m:
            self.run_clock = None
        elif self.run_clock is None or gap > ARRIVE_MISS_S:
            self.run_clock, self.run_t = clock, t

    def due_to_arrive(self, t: float, clock: float) -> bool:
        """Not a visitor yet, seen at t, and seen in range for ARRIVE_S (the evidence clock's) up to it."""
        return (self.visitor_id is None and self.run_clock is not None and self.seen_t == t
                and clock - self.run_clock >= ARRIVE_S - EPS)

    def snapshot(self) -> Visitor:
        assert self.visitor_id is not None
        return Visitor(self.visitor_id, self.arrived_t, self.seen_t, self.distance, self.person)


class Audience:
    """A kiosk's visitors, from the people its camera's trackers report each frame; see the module's docstring.

    `update` once per processed frame, in time order; `focus` and `gaze_point` whenever the avatar needs them.
    Times are seconds on one clock, never going backwards.
    """

    def __init__(self, config: AudienceConfig = AudienceConfig()) -> None:
        self.config = config
        self._tracks: list[_Track] = []
        self._t: float | None = None  # the latest time given, to update or focus
        self._frame_t: float | None = None  # the latest frame's
        self._clock = 0.0  # evidence time: frame intervals summed, each at most FRAME_GAP_S
        self._visits = 0
        self._focus_id: str | None = None
        self._focus_since = -math.inf

    def _check_time(self, t: float) -> None:
        _check_number("t", t, -math.inf, math.inf)
        if self._t is not None and t < self._t:
            raise RequestError("out_of_range", f"t went backwards: {t} after {self._t}", "t")

    def update(self, t: float, people: Sequence[Person]) -> list[VisitorEvent]:
        """Take one frame's detections at time t; return the visitors who arrived or left with it, arrivals first
        then departures, each in the order of their tracks' creation. Raises RequestError (a ValueError) naming
        `t` if it is not finite or goes backwards."""
        self._check_time(t)
        if self._frame_t is not None:
            self._clock += min(t - self._frame_t, FRAME_GAP_S)
        self._t = self._frame_t = t
        self._associate(t, people)
        events: list[VisitorEvent] = []
        departures: list[VisitorEvent] = []
        for track in self._tracks:
            if track.due_to_arrive(t, self._clock):
                self._visits += 1
                track.visitor_id, track.arrived_t = f"v{self._visits}", t
                track.near_t, track.near_clock = t, self._clock
                events.append(self._event("visitor_arrived", track, t))
            elif track.visitor_id is not None and self._clock - track.near_clock >= LEAVE_S - EPS:
                departures.append(self._event("visitor_left", track, t, stayed_s=track.near_t - track.run_t))
                track.visitor_id, track.run_clock = None, None
        self._tracks = [track for track in self._tracks if self._clock - track.seen_clock < LEAVE_S - EPS]
        return events + departures

    def clear(self, t: float) -> list[VisitorEvent]:
        """The camera stopped (its source ended or was lost): every visitor present leaves at t, and tracking starts
        afresh. Raises RequestError naming `t` as `update` does."""
        self._check_time(t)
        self._t = t
        departures = [self._event("visitor_left", track, t, stayed_s=track.near_t - track.run_t)
                      for track in self._tracks if track.visitor_id is not None]
        self._tracks, self._frame_t, self._focus_id = [], None, None
        return departures

    def _associate(self, t: float, people: Sequence[Person]) -> None:
        """Continue tracks with the detections nearest their predictions, greedily, nearest pair first, within a
        gate (so two people crossing do not swap); a detection left over starts a track."""
        points = [_camera_point(p.head, distance_m(p, self.config.hfov_deg), self.config) for p in people]
        pairs: list[tuple[float, int, int]] = []
        for i, track in enumerate(self._tracks):
            predicted = track.predict(t)
            gate = GATE_M + GATE_GROWTH_M_S * min(t - track.seen_t, LEAVE_S)
            for j, point in enumerate(points):
                cost = math.hypot(point[0] - predicted[0], point[1] - predicted[1],
                                  DEPTH_WEIGHT * (point[2] - predicted[2]))
                if cost <= gate:
                    pairs.append((cost, i, j))
        taken_tracks: set[int] = set()
        taken_people: set[int] = set()
        for _, i, j in sorted(pairs):
            if i not in taken_tracks and j not in taken_people:
                taken_tracks.add(i)
                taken_people.add(j)
                self._tracks[i].observe(t, self._clock, people[j])
        self._tracks += [_Track(t, self._clock, person, self.config)
                         for j, person in enumerate(people) if j not in taken_people]

    def _event(self, kind: Literal["visitor_arrived", "visitor_left"], track: _Track, t: float,
               stayed_s: float | None = None) -> VisitorEvent:
        visitor = track.snapshot()
        return VisitorEvent(kind, visitor.id, t, visitor.distance_m, self.gaze_point(visitor), stayed_s)

    @property
    def visitors(self) -> list[Visitor]:
        """The visitors present now, in the order they arrived."""
        present = [track.snapshot() for track in self._tracks if track.visitor_id is not None]
        return sorted(present, key=lambda v: int(v.id[1:]))

    def focus(self, t: float) -> Visitor | None:
        """Whom to look at at t: the nearest visitor present, but sticky. Focus moves to another visitor only when
        they are clearly nearer (at most FOCUS_SWITCH_RATIO of the focused one's distance) and the focus has held
        FOCUS_HOLD_S, or when the focused one leaves. None while nobody is there.

        It remembers whom it chose: call it on the clock `update` uses (t never before the last frame's)."""
        self._check_time(t)
        self._t = t
        present = self.visitors
        if not present:
            self._focus_id = None
            return None
        nearest = min(present, key=lambda v: v.distance_m)  # the first to arrive, of equals
        current = next((v for v in present if v.id == self._focus_id), None)
        if current is None or (nearest.distance_m <= FOCUS_SWITCH_RATIO * current.distance_m
                               and t - self._focus_since >= FOCUS_HOLD_S):
            self._focus_id, self._focus_since = nearest.id, t
            return nearest
        return current

    def gaze_point(self, visitor: Visitor) -> Point:
        """The visitor's eyes as a point in the avatar's face frame (m from the point between her eyes: +x the
        viewer's right, i.e. her left; +y up; +z out of the screen towards the viewer), for `Gaze.look_at`.

        Picture the camera facing the visitor, as she does. The right of its (non-mirrored) image is the camera's
        own right, like a photo's; facing the way she faces, that is her right, which is the viewer's left: -x.
        So a visitor on the image's right stands on the viewer's left, and she looks to her right to meet them.
        A mirrored image (`mirror`, a selfie view) has it the other way: its right is the viewer's right, +x.
        Higher in the image is +y; nearer is a smaller z. The camera is taken to look straight out of the screen
        from `camera_offset`.
        """
        x, y_down, z = _camera_point(visitor.person.head, visitor.distance_m, self.config)
        offset = self.config.camera_offset
        return (offset[0] + (x if self.config.mirror else -x), offset[1] - y_down, offset[2] + z)

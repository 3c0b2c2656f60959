"""The audience: visitors tracked from per-frame detections, arriving after a debounce and leaving after a while
unseen, with stable ids through misses, crossings and frame gaps; a sticky focus; gaze points in the face frame."""

from __future__ import annotations

import math
import random

import pytest

from models.vision.audience import (
    ARRIVE_S,
    FOCUS_HOLD_S,
    FRAME_GAP_S,
    LEAVE_S,
    RANGE_HYSTERESIS_M,
    Audience,
    AudienceConfig,
    Person,
    Visitor,
    VisitorEvent,
    distance_m,
)

#: The default camera's focal length in image widths (60° horizontal field of view).
FOCAL = 0.5 / math.tan(math.radians(30.0))
#: Frame interval of the tests' camera (s): 10 processed frames a second.
DT = 0.1


def face(x: float, distance: float, y: float = 0.4) -> Person:
    """A face whose centre is at (x, y) in the image, at `distance` metres from the default camera."""
    size = FOCAL * 0.15 / distance
    half_h = size * 16 / 9 * 0.6  # a face is a little taller than wide; box heights are in image heights
    return Person((max(x - size / 2, 0.0), max(y - half_h, 0.0), min(x + size / 2, 1.0), min(y + half_h, 1.0)),
                  "face", size)


def feed(audience: Audience, frames: list[tuple[float, list[Person]]]) -> list[VisitorEvent]:
    """Every event of these frames, in order."""
    return [event for t, people in frames for event in audience.update(t, people)]


def times(start: float, end: float, step: float = DT) -> list[float]:
    return [round(start + i * step, 6) for i in range(int(round((end - start) / step)))]


def first_time(frames: list[tuple[float, list[Person]]], condition) -> float:  # noqa: ANN001
    return next(t for t, people in frames if people and condition(people[0]))


def test_distance_from_size_follows_the_pinhole_camera() -> None:
    assert distance_m(Person((0.45, 0.4, 0.55, 0.6), "face", 0.1)) == pytest.approx(0.15 * FOCAL / 0.1)
    assert distance_m(Person((0.3, 0.3, 0.7, 1.0), "pose", 0.2)) == pytest.approx(0.40 * FOCAL / 0.2)
    # A face twice as wide is half as far; the same share of a wider view is nearer.
    near, far = Person((0.4, 0.4, 0.6, 0.6), "face", 0.2), Person((0.45, 0.4, 0.55, 0.6), "face", 0.1)
    assert distance_m(near) == pytest.approx(distance_m(far) / 2)
    assert distance_m(far, hfov_deg=90.0) < distance_m(far, hfov_deg=60.0)


def test_a_visitor_walks_up_stays_and_walks_away() -> None:
    frames = [(t, [face(0.5, 5.0 - 1.75 * t)]) for t in times(0.0, 2.0)]  # 5 m to 1.5 m
    frames += [(t, [face(0.5, 1.5)]) for t in times(2.0, 5.0)]
    frames += [(t, [face(0.5, 1.5 + 1.75 * (t - 5.0))]) for t in times(5.0, 7.0)]  # back to 5 m
    frames += [(t, [face(0.5, 5.0)]) for t in times(7.0, 10.0)]  # still seen, out of range
    events = feed(Audience(), frames)

    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v1"), ("visitor_left", "v1")]
    arrived, left = events
    in_range = first_time(frames, lambda p: distance_m(p) <= 2.5)
    # The debounce: not before ARRIVE_S in range, and within two frames of it (the distance is smoothed).
    assert in_range + ARRIVE_S <= arrived.t <= in_range + ARRIVE_S + 2 * DT + 1e-9
    assert arrived.distance_m <= 2.5
    last_near = max(t for t, people in frames if distance_m(people[0]) <= 2.5 + RANGE_HYSTERESIS_M)
    assert last_near + LEAVE_S <= left.t <= last_near + LEAVE_S + 2 * DT + 1e-9
    assert left.stayed_s == pytest.approx(last_near - in_range, abs=2 * DT)


def test_a_visitor_who_vanishes_leaves_after_leave_s_and_a_return_is_a_new_visit() -> None:
    audience = Audience()
    events = feed(audience, [(t, [face(0.5, 1.5)]) for t in times(0.0, 2.0)])
    assert [e.type for e in events] == ["visitor_arrived"]
    assert events[0].t == pytest.approx(ARRIVE_S)  # seen from t = 0, in range at once
    empty = feed(audience, [(t, []) for t in times(2.0, 2.0 + LEAVE_S - DT)])
    assert empty == [] and [v.id for v in audience.visitors] == ["v1"]
    events = feed(audience, [(t, []) for t in times(2.0 + LEAVE_S - DT, 5.0)])
    assert [(e.type, e.id) for e in events] == [("visitor_left", "v1")]
    assert events[0].t == pytest.approx(1.9 + LEAVE_S)  # last seen at 1.9
    assert audience.visitors == [] and audience.focus(5.0) is None
    events = feed(audience, [(t, [face(0.5, 1.5)]) for t in times(5.0, 6.0)])
    assert [(e.type, e.id, e.t) for e in events] == [("visitor_arrived", "v2", pytest.approx(5.0 + ARRIVE_S))]


def test_a_face_flashing_by_is_nobody() -> None:
    audience = Audience()
    assert feed(audience, [(0.0, [face(0.5, 1.0)])] + [(t, []) for t in times(0.1, 5.0)]) == []
    # Nor a few frames, short of ARRIVE_S.
    frames = [(t, [face(0.5, 1.0)]) for t in times(5.0, 5.0 + ARRIVE_S - DT)] + [(t, []) for t in times(5.4, 9.0)]
    assert feed(audience, frames) == []
    # Someone who comes to where a flash was is debounced from when they came, not from the flash.
    feed(audience, [(9.0, [face(0.5, 1.0)]), (9.1, []), (9.2, []), (9.3, []), (9.4, []), (9.5, [])])
    events = feed(audience, [(t, [face(0.5, 1.0)]) for t in times(9.6, 11.0)])
    assert [(e.type, e.t) for e in events] == [("visitor_arrived", pytest.approx(9.6 + ARRIVE_S))]


def test_someone_out_of_range_never_arrives_and_the_range_has_hysteresis() -> None:
    audience = Audience()
    assert feed(audience, [(t, [face(0.5, 2.9)]) for t in times(0.0, 5.0)]) == []
    # Arrived at 2.4 m, then swaying between 2.35 and 2.95 m, out of range 2 s at a time but within the
    # hysteresis: one visit.
    frames = [(t, [face(0.5, 2.4)]) for t in times(5.0, 6.0)]
    frames += [(t, [face(0.5, 2.65 + 0.3 * math.sin(2.0 * t))]) for t in times(6.0, 14.0)]
    events = feed(audience, frames)
    assert [e.type for e in events] == ["visitor_arrived"]


def test_a_few_missed_frames_keep_the_id() -> None:
    audience = Audience()
    frames = [(t, [face(0.4 + 0.02 * t, 1.8)]) for t in times(0.0, 2.0)]
    frames += [(t, []) for t in times(2.0, 2.0 + LEAVE_S - 2 * DT)]  # the tracker lost them a while
    frames += [(t, [face(0.4 + 0.02 * t, 1.8)]) for t in times(3.3, 5.0)]  # walked on slowly meanwhile
    events = feed(audience, frames)
    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v1")]
    assert [v.id for v in audience.visitors] == ["v1"]
    assert audience.visitors[0].last_seen_t == pytest.approx(4.9)


def test_someone_else_appearing_elsewhere_does_not_take_a_lost_visitors_id() -> None:
    audience = Audience()
    feed(audience, [(t, [face(0.2, 1.5)]) for t in times(0.0, 1.0)])
    # v1 is lost on the image's left; 0.3 s later someone comes in on its right (1.6 m away from v1).
    events = feed(audience, [(1.0, []), (1.1, []), (1.2, [])] + [(t, [face(0.8, 1.5)]) for t in times(1.3, 3.0)])
    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v2"), ("visitor_left", "v1")]
    assert events[0].t == pytest.approx(1.3 + ARRIVE_S) and events[1].t == pytest.approx(0.9 + LEAVE_S)


def test_a_visitor_who_turns_away_is_followed_by_their_body() -> None:
    audience = Audience()
    feed(audience, [(t, [face(0.5, 1.5)]) for t in times(0.0, 1.0)])
    shoulders = FOCAL * 0.40 / 1.5
    body = Person((0.5 - shoulders / 2, 0.4, 0.5 + shoulders / 2, 1.0), "pose", shoulders)  # eyes where the face was
    assert feed(audience, [(t, [body]) for t in times(1.0, 4.0)]) == []
    assert [(v.id, v.person.kind, round(v.distance_m, 2)) for v in audience.visitors] == [("v1", "pose", 1.5)]


def test_frames_close_together_do_not_turn_jitter_into_speed() -> None:
    # Two trackers report 2 ms apart, every 0.1 s, with the box jittering by a hundredth of the image.
    frames = []
    for i in range(40):
        frames += [(i * DT, [face(0.495, 1.5)]), (i * DT + 0.002, [face(0.505, 1.5)])]
    audience = Audience()
    assert [(e.type, e.id) for e in feed(audience, frames)] == [("visitor_arrived", "v1")]
    assert [v.id for v in audience.visitors] == ["v1"]


def test_two_visitors_get_two_ids_and_a_sticky_focus() -> None:
    audience = Audience()
    # people[0] stays at 1.5 m on the left; people[1] comes to 2 m on the right.
    events = feed(audience, [(t, [face(0.3, 1.5), face(0.7, 2.0)]) for t in times(0.0, 1.0)])
    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v1"), ("visitor_arrived", "v2")]
    assert events[0].position[0] > 0 > events[1].position[0]  # left of the image: the viewer's right
    focus = audience.focus(1.0)
    assert focus is not None and focus.id == "v1"

    def focus_over(start: float, end: float, second_m: float) -> set[str]:
        ids = set()
        for t in times(start, end):
            audience.update(t, [face(0.3, 1.5 + 0.05 * math.sin(7.0 * t)), face(0.7, second_m)])
            chosen = audience.focus(t)
            assert chosen is not None
            ids.add(chosen.id)
        return ids

    # v2 comes a little nearer than v1 (less than 25 %): the focus stays.
    assert focus_over(1.0, 4.0, 1.35) == {"v1"}
    # v2 comes clearly nearer: the focus moves to them (within a frame: the distance is smoothed), and stays
    # while they are within 25 % again.
    assert focus_over(4.0, 4.1, 1.0) == {"v1"}
    assert focus_over(4.1, 4.5, 1.0) == {"v2"}
    assert focus_over(4.5, 7.0, 1.4) == {"v2"}
    # v2 leaves: back to v1.
    for t in times(7.0, 7.0 + LEAVE_S + DT):
        audience.update(t, [face(0.3, 1.5)])
    last = audience.focus(7.0 + LEAVE_S + DT)
    assert last is not None and last.id == "v1"
    assert [v.id for v in audience.visitors] == ["v1"]


def test_focus_holds_a_while_after_a_switch() -> None:
    audience = Audience()
    feed(audience, [(t, [face(0.3, 1.5), face(0.7, 2.0)]) for t in times(0.0, 1.0)])
    assert audience.focus(1.0).id == "v1"  # type: ignore[union-attr]
    for t in times(1.0, 1.0 + FOCUS_HOLD_S):  # v2 steps up, clearly nearer in 0.3 s, but the focus is new
        audience.update(t, [face(0.3, 1.5), face(0.7, max(2.0 - 4.0 * (t - 1.0), 0.8))])
        assert audience.focus(t).id == "v1"  # type: ignore[union-attr]
    audience.update(1.0 + FOCUS_HOLD_S, [face(0.3, 1.5), face(0.7, 0.8)])
    assert audience.focus(1.0 + FOCUS_HOLD_S).id == "v2"  # type: ignore[union-attr]


@pytest.mark.parametrize("occluded", [False, True])
def test_crossing_paths_keep_ids(occluded: bool) -> None:
    # Two people at the same distance and height walk across each other, 0.08 image widths a frame (0.18 m at
    # 2 m: brisk walking at 10 frames a second): at the crossing each is nearer to where the other was.
    audience = Audience()
    frames = []
    for i in range(24):
        t = i * DT
        walker, other = face(0.06 + 0.04 * i, 2.0), face(0.94 - 0.04 * i, 2.0)
        people = [walker] if occluded and 11 <= i <= 12 else [walker, other]  # the walker hides the other
        frames.append((t, people))
    events = feed(audience, frames)
    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v1"), ("visitor_arrived", "v2")]
    assert events[0].position[0] > 0  # v1 began on the image's left
    visitors = {v.id: v for v in audience.visitors}
    assert visitors["v1"].person.head[0] > 0.9 and visitors["v2"].person.head[0] < 0.1  # v1 walked right


def test_a_stall_in_frames_is_no_evidence() -> None:
    audience = Audience()
    # Seen twice, then the camera stalls: no arrival on the next sighting however long the stall was.
    assert feed(audience, [(0.0, [face(0.5, 1.5)]), (0.1, [face(0.5, 1.5)]), (10.0, [face(0.5, 1.5)])]) == []
    events = feed(audience, [(t, [face(0.5, 1.5)]) for t in times(10.1, 12.0)])
    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v1")]
    # 0.1 s seen before the stall, FRAME_GAP_S for it, then 0.1 s a frame: 0.55 s at 10.2.
    assert FRAME_GAP_S == 0.25 and events[0].t == pytest.approx(10.2)
    # A long stall with them still there: they stay.
    assert feed(audience, [(t, [face(0.5, 1.5)]) for t in times(30.0, 31.0)]) == []
    assert [v.id for v in audience.visitors] == ["v1"]
    # A long stall and they are gone: they leave after LEAVE_S of frames, the stall counting FRAME_GAP_S: 0.25 s
    # for it and 1.3 s of frames, at 61.3 s.
    events = feed(audience, [(t, []) for t in times(60.0, 63.0)])
    assert [(e.type, e.id) for e in events] == [("visitor_left", "v1")]
    assert LEAVE_S == 1.5 and events[0].t == pytest.approx(61.3)


def test_irregular_frames_give_one_visit() -> None:
    rng = random.Random(7)
    t, frames = 0.0, []
    while t < 12.0:
        distance = 1.6 if 2.0 <= t < 8.0 else 6.0
        frames.append((t, [face(0.5 + 0.05 * math.sin(t), distance)] if rng.random() > 0.2 else []))
        t += rng.uniform(0.01, 0.2)
    events = feed(Audience(), frames)
    assert [(e.type, e.id) for e in events] == [("visitor_arrived", "v1"), ("visitor_left", "v1")]
    # Two frames missed at 2.3-2.6 s restart the debounce: the arrival comes at 3.2 s.
    assert 2.0 + ARRIVE_S <= events[0].t < 3.5 and 8.0 + LEAVE_S - 0.2 <= events[1].t < 8.0 + LEAVE_S + 0.5


def gaze(x: float, y: float, distance: float, **config: object) -> tuple[float, float, float]:
    visitor = Visitor("v1", 0.0, 0.0, distance, face(x, distance, y))
    return Audience(AudienceConfig(**config)).gaze_point(visitor)  # type: ignore[arg-type]


def test_gaze_point_sign_conventions() -> None:
    # The image's right is the camera's right; it faces the visitor as she does: her right, the viewer's left, -x.
    assert gaze(0.8, 0.5, 2.0)[0] == pytest.approx(-(0.8 - 0.5) * 2.0 / FOCAL)
    assert gaze(0.2, 0.5, 2.0)[0] > 0
    # A mirrored image's right is the viewer's right.
    assert gaze(0.8, 0.5, 2.0, mirror=True)[0] == pytest.approx((0.8 - 0.5) * 2.0 / FOCAL)
    centre = gaze(0.5, 0.5, 2.0)
    assert centre == pytest.approx((0.0, 0.0, 2.0))
    # Higher in the image is up: +y, by the image's aspect.
    assert gaze(0.5, 0.2, 2.0)[1] == pytest.approx(0.3 * 2.0 / FOCAL * 9 / 16)
    assert gaze(0.5, 0.8, 2.0)[1] < 0
    # Nearer is a smaller z; the camera's offset moves the point with it.
    assert gaze(0.5, 0.5, 1.0)[2] < gaze(0.5, 0.5, 2.0)[2]
    assert gaze(0.5, 0.5, 2.0, camera_offset=(0.1, 0.25, 0.02)) == pytest.approx((0.1, 0.25, 2.02))


def test_a_body_is_looked_at_by_the_top_of_its_box() -> None:
    body = Person((0.4, 0.2, 0.6, 0.9), "pose", 0.2)
    point = Audience().gaze_point(Visitor("v1", 0.0, 0.0, 2.0, body))
    assert point == pytest.approx((0.0, 0.3 * 2.0 / FOCAL * 9 / 16, 2.0))


def test_events_on_the_wire() -> None:
    event = VisitorEvent("visitor_left", "v3", 12.34567, 1.23456, (0.12345, -0.0678901, 1.98765), 9.87654)
    assert event.to_wire() == {"id": "v3", "t": 12.346, "distance_m": 1.23, "position": [0.123, -0.068, 1.988],
                               "stayed_s": 9.88}
    assert "stayed_s" not in VisitorEvent("visitor_arrived", "v3", 1.0, 1.0, (0.0, 0.0, 1.0)).to_wire()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"box": (0.1, 0.1, math.nan, 0.3)}, "box"),
    ({"box": (0.1, 0.1, 1.2, 0.3)}, "box"),
    ({"box": (-0.1, 0.1, 0.2, 0.3)}, "box"),
    ({"box": (0.3, 0.1, 0.2, 0.3)}, "box"),
    ({"box": (0.1, 0.1, 0.2)}, "box"),
    ({"size": math.inf}, "size"),
    ({"size": 0.0}, "size"),
    ({"size": 1.5}, "size"),
    ({"kind": "hand"}, "kind"),
])
def test_bad_detections_name_their_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"box": (0.1, 0.1, 0.2, 0.3), "kind": "face", "size": 0.1, **kwargs}
    with pytest.raises(ValueError, match=field) as raised:
        Person(**args)  # type: ignore[arg-type]
    assert raised.value.field == field  # type: ignore[attr-defined]


def test_time_must_not_go_backwards() -> None:
    audience = Audience()
    audience.update(1.0, [face(0.5, 1.5)])
    audience.update(1.0, [face(0.5, 1.5)])  # the same time twice is allowed
    with pytest.raises(ValueError, match="t went backwards"):
        audience.update(0.9, [])
    with pytest.raises(ValueError, match="t must be a finite number"):
        audience.update(math.nan, [])
    with pytest.raises(ValueError, match="t went backwards"):
        audience.focus(0.5)
    with pytest.raises(ValueError, match="hfov_deg"):
        AudienceConfig(hfov_deg=0.0)

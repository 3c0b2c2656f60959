"""Dance to music: a sequence of dance moves locked to the beats the tracker heard (models/body/beats.py).

The dance is a pure function of time: the time becomes a beat position b (beat i at b = i, interpolated between
tracked beats, so tempo changes are followed), and every move is a function of cos(πb), so each joint comes to
rest exactly on each beat - the kinematic beats of the dance are the music's beats. Moves change on bar starts
(downbeats), in phrases of 8 beats (4 when the energy changes within one), cross-fading over the last beats of a
phrase; each beat's energy (loudness and onset density) sets the intensity and whether the moves are calm or
energetic. Where the drums rest (an intro, a break) she sways on the beat and hits the first drum beat with a
move; on the last beat she lands in an ending pose and holds it. A track with no clear pulse gets a gentle sway
at a slow tempo and a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.body.authoring import PoseBuilder, side_axis, side_vector, stance_feet, standing
from models.body.beats import MAX_MUSIC_S, SWAY_BPM, BeatGrid, Tracker, load_music, runs, track_beats, track_file
from models.body.pose import BodyPose, compose, smoothstep
from models.body.skeleton import mask

#: Shortest hand-over from one move to the next (s).
TRANSITION_S = 0.8


# -- moves -------------------------------------------------------------------------------------------------------

#: A move poses a builder (starting from the stance) at beat position b with intensity a in [0, 1]. Every
#: quantity is a function of c = cos(πb) (and c² = cos²(πb)), so velocity is zero on every beat.
Move = Callable[[PoseBuilder, float, float], None]

_FEET = stance_feet()


def _legs(b: PoseBuilder, hips: tuple[float, float, float], left: tuple[float, float, float] = (0, 0, 0),
          right: tuple[float, float, float] = (0, 0, 0)) -> None:
    """Move the hips by `hips` and put the ankles at the stance plus offsets (legs by IK)."""
    b.move_root(hips)
    b.leg("Left", _FEET["Left"] + np.asarray(left))
    b.leg("Right", _FEET["Right"] + np.asarray(right))


def _arms_bent(b: PoseBuilder, lift: dict[str, float], forward: dict[str, float], fist: bool = True) -> None:
    """Elbows bent at the sides, forearms forward; `lift` and `forward` move each wrist (m)."""
    for side in ("Left", "Right"):
        b.fist(side) if fist else b.relaxed_hand(side)
        shoulder = b.position(f"{side}UpperArm")
        wrist = shoulder + side_vector((-0.08, -0.34 + lift[side], 0.22 + forward[side]), side)
        b.place_hand(side, wrist, fingers=side_vector((0.35, 0.1, 1.0), side), palm=side_vector((1.0, 0.0, 0.0), side),
                     pole=side_vector((-0.5, -1.0, -0.4), side))


def bounce(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    down = c * c
    _legs(b, (0.0, -(0.02 + 0.04 * a) * down, 0.0))
    b.spread(("Spine", "Chest"), "X", 4.0 * a * down)
    b.spread(("Neck", "Head"), "X", 5.0 * a * down)
    _arms_bent(b, {"Left": 0.05 * a * c, "Right": -0.05 * a * c}, {"Left": 0.0, "Right": 0.0})


def step_touch(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    on_right, on_left = ((1 + c) / 2) ** 2, ((1 - c) / 2) ** 2
    _legs(b, (0.07 * a * c, -0.03 * a * c * c, 0.0), left=(0.08 * a * on_right, 0.02 * a * on_right, 0.0),
          right=(-0.08 * a * on_left, 0.02 * a * on_left, 0.0))
    b.spread(("Spine", "Chest"), "Z", -5.0 * a * c)
    _arms_bent(b, {"Left": 0.08 * a * on_left, "Right": 0.08 * a * on_right},
               {"Left": 0.05 * a * c, "Right": -0.05 * a * c}, fist=False)


def arm_pump(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    up = {"Left": ((1 + c) / 2) ** 2, "Right": ((1 - c) / 2) ** 2}
    _legs(b, (0.0, -0.035 * a * c * c, 0.0))
    for side in ("Left", "Right"):
        b.fist(side)
        shoulder = b.position(f"{side}UpperArm")
        wrist = shoulder + side_vector((-0.12, -0.2 + 0.6 * a * up[side], 0.2 - 0.08 * up[side]), side)
        b.place_hand(side, wrist, fingers=side_vector((0.0, 1.0, 0.3), side), palm=side_vector((1.0, 0.0, 0.0), side),
                     pole=side_vector((-1.0, -0.6, -0.2), side))
    b.spread(("Neck", "Head"), "X", 6.0 * a * c * c)


def body_roll(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    _legs(b, (0.0, -0.035 * a * c * c, -0.03 * a * c))
    b.rotate("Spine", "X", 7.0 * a * c)
    b.rotate("Chest", "X", -6.0 * a * c)
    b.rotate("UpperChest", "X", -4.0 * a * c)
    b.spread(("Neck", "Head"), "X", 6.0 * a * c)
    for side in ("Left", "Right"):
        b.relaxed_hand(side)
        shoulder = b.position(f"{side}UpperArm")
        b.place_hand(side, shoulder + side_vector((-0.3, -0.36 - 0.06 * a * c, 0.12), side),
                     fingers=side_vector((-0.8, -0.4, 0.3), side), palm=(0.0, -1.0, 0.0),
                     pole=side_vector((-0.3, -0.2, -1.0), side))


def overhead_clap(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    together = (1 + c) / 2  # the hands meet on the downbeat and beat 3, wide open on 2 and 4
    _legs(b, (0.0, -0.03 * a * c * c, 0.0))
    for side in ("Left", "Right"):
        inward = 1.0 if side == "Left" else -1.0
        b.open_hand(side, splay=0.0)
        apart = 0.018 + (0.08 + 0.12 * a) * (1.0 - together)
        b.place_hand(side, (-inward * apart, 1.75 + 0.07 * a, 0.16), fingers=(0.0, 1.0, 0.2), palm=(inward, 0.0, 0.0),
                     pole=side_vector((-1.0, 0.0, -0.2), side))
    b.spread(("Neck", "Head"), "X", -6.0)


def disco_point(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    u = (1 + c) / 2  # 1: pointing up and out, 0: down and across
    _legs(b, (0.04 * a * c, -0.03 * a * (1 - u), 0.0))
    b.fist("Right").finger("Right", "Index", (0.0, 0.0, 0.0))
    # Wrist targets within reach (a straightened arm at the end of a sweep would make the elbow snap when
    # the target comes back into reach); the wrist sweeps out and forward in an arc, not past the shoulder.
    shoulder = b.position("RightUpperArm")
    up, down = shoulder + np.array([0.28, 0.38, 0.15]), shoulder + np.array([-0.18, -0.38, 0.25])
    wrist = down + (up - down) * u + np.array([0.15, 0.0, 0.15]) * 4 * u * (1 - u)
    point = np.array([0.5, 1.0, 0.2]) * u + np.array([-0.6, -1.0, 0.4]) * (1 - u)
    # Palm forward when pointing up, down when pointing across: the forearm turns through half a turn at
    # most (a palm kept forward all the way down would need more twist than a forearm has).
    palm = np.array([-0.3, 0.0, 1.0]) * u + np.array([0.0, -1.0, 0.0]) * (1 - u)
    b.place_hand("Right", wrist, fingers=point, palm=palm, pole=(1.0, -0.5, -0.3))
    b.relaxed_hand("Left")
    b.place_hand("Left", (-0.21, 0.98, 0.04), fingers=(0.6, -0.6, 0.3), palm=(1.0, 0.2, 0.0), pole=(-1.0, 0.0, -0.5))
    b.spread(("Spine", "Chest"), "Z", -6.0 * a * c)


def arm_wave(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    _legs(b, (-0.04 * a * c, -0.02 * a * c * c, 0.0))
    b.spread(("Spine", "Chest", "UpperChest"), "Z", 6.0 * a * c)
    for side in ("Left", "Right"):
        b.open_hand(side, splay=8.0)
        x = side_vector((-0.28, 0.0, 0.0), side)[0] + 0.22 * a * c
        b.place_hand(side, (x, 1.8, 0.12), fingers=(0.5 * c, 1.0, 0.0), palm=(0.0, 0.0, 1.0),
                     pole=side_vector((-1.0, 0.0, 0.0), side))


def shoulder_shimmy(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    up = {"Left": ((1 + c) / 2) ** 2, "Right": ((1 - c) / 2) ** 2}
    _legs(b, (0.0, -0.03 * a * c * c, 0.0))
    b.spread(("Chest", "UpperChest"), "Y", 10.0 * a * c)
    for side in ("Left", "Right"):
        b.rotate(f"{side}Shoulder", side_axis((0.0, 0.0, -1.0), side), 14.0 * a * up[side])
    _arms_bent(b, {"Left": 0.05, "Right": 0.05}, {"Left": -0.04 * a * c, "Right": 0.04 * a * c})


def twist(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    b.rotate("Hips", "Y", 18.0 * a * c)
    _legs(b, (0.0, -0.05 * a, 0.0))
    b.spread(("Spine", "Chest"), "Y", -14.0 * a * c)
    _arms_bent(b, {"Left": 0.1, "Right": 0.1}, {"Left": 0.08 * a * c, "Right": -0.08 * a * c})


def march(b: PoseBuilder, beat: float, a: float) -> None:
    c = np.cos(np.pi * beat)
    lift = {"Left": ((1 + c) / 2) ** 2, "Right": ((1 - c) / 2) ** 2}
    _legs(b, (0.02 * a * c, -0.015 * a, 0.0), left=(0.0, 0.14 * a * lift["Left"], 0.06 * a * lift["Left"]),
          right=(0.0, 0.14 * a * lift["Right"], 0.06 * a * lift["Right"]))
    # Arms swing against the legs: the right arm forward when the left knee is up.
    _arms_bent(b, {"Left": 0.06 * lift["Right"], "Right": 0.06 * lift["Left"]},
               {"Left": 0.12 * a * (lift["Right"] - lift["Left"]), "Right": 0.12 * a * (lift["Left"] - lift["Right"])})


def sway(b: PoseBuilder, beat: float, a: float) -> None:
    """The no-beat fallback: weight from side to side, arms loose."""
    c = np.cos(np.pi * beat)
    _legs(b, (0.03 * a * c, -0.01 * a * c * c, 0.0))
    b.spread(("Spine", "Chest"), "Z", -3.0 * a * c)
    b.spread(("Neck", "Head"), "Z", 2.0 * a * c)


def finale(b: PoseBuilder, beat: float, a: float) -> None:
    """The ending pose, held from the last beat on: weight on one leg, both arms up and out in a V, chin up.
    Still: it does not move with the beat."""
    _legs(b, (0.03, -0.02, 0.0), right=(0.05, 0.0, 0.04))
    b.spread(("Spine", "Chest"), "Z", 4.0)
    b.spread(("Neck", "Head"), "X", -8.0)
    for side in ("Left", "Right"):
        inward = 1.0 if side == "Left" else -1.0
        b.open_hand(side, splay=10.0)
        b.place_hand(side, (-inward * 0.5, 1.78, 0.14), fingers=(-inward * 0.5, 1.0, 0.2), palm=(inward, 0.0, 0.3),
                     pole=side_vector((-1.0, 0.0, -0.2), side))


MOVES: dict[str, Move] = {
    "bounce": bounce, "step_touch": step_touch, "arm_pump": arm_pump, "body_roll": body_roll,
    "overhead_clap": overhead_clap, "disco_point": disco_point, "arm_wave": arm_wave,
    "shoulder_shimmy": shoulder_shimmy, "twist": twist, "march": march,
}
#: Moves by the energy they suit.
CALM = ("bounce", "step_touch", "body_roll", "twist", "shoulder_shimmy")
ENERGETIC = ("overhead_clap", "arm_pump", "arm_wave", "disco_point", "march")
STYLES: dict[str, tuple[str, ...]] = {"pop": tuple(MOVES), "calm": CALM, "hype": ENERGETIC}
#: Moves that are not in a style's palette: the sway where the drums rest, and the ending pose.
SPECIAL: dict[str, Move] = {"sway": sway, "finale": finale}
_ALL = mask("all")


# -- the dance ---------------------------------------------------------------------------------------------------


def _blend_planted(a: BodyPose, b: BodyPose, w: float) -> BodyPose:
    """`a` handing over to `b` by weight w, the ankles moving in a straight line from one move's place to the
    other's and the feet kept flat: slerping two leg IK solutions that put the hips in different places (a
    twist, a roll) would swing the ankles off both, up to 3.4 mm through the floor."""
    pose = PoseBuilder(compose(a, b, _ALL, w))
    for side in ("Left", "Right"):
        ankle = f"{side}Foot"
        pose.leg(side, (1.0 - w) * PoseBuilder(a).position(ankle) + w * PoseBuilder(b).position(ankle))
    return pose.build()


@dataclass(frozen=True)
class Phrase:
    """A run of beats danced with one move: beats [start, start + length)."""

    start: int
    length: int
    move: str
    energy: float


@dataclass(frozen=True)
class Dance:
    """A dance to one piece of music: a pure function of time (seconds from the music's start)."""

    grid: BeatGrid
    phrases: tuple[Phrase, ...]
    intensity: np.ndarray  # per beat, in [0, 1]
    blend_beats: int = 1  # beats over which one move hands over to the next
    downbeat: int = 0  # index of the first downbeat (the first phrase with a move starts there or at a drum hit)

    @property
    def warning(self) -> str | None:
        return self.grid.warning

    @property
    def beat_times(self) -> np.ndarray:
        """The beats the dance hits: the music's, or the sway's own when there was no clear beat."""
        if self.grid.clear:
            return self.grid.beats
        return np.arange(0.0, self.grid.duration, 60.0 / SWAY_BPM)

    @property
    def duration(self) -> float:
        return self.grid.duration

    def beat_position(self, t: float) -> float:
        """Beat i of `beat_times` is at b = i; linear in between, the mean period beyond the ends."""
        beats = self.beat_times
        if len(beats) < 2:
            return t * SWAY_BPM / 60.0
        period = float(np.median(np.diff(beats)))
        if t <= beats[0]:
            return (t - beats[0]) / period
        if t >= beats[-1]:
            return len(beats) - 1 + (t - beats[-1]) / period
        return float(np.interp(t, beats, np.arange(len(beats))))

    def _intensity(self, b: float) -> float:
        i = int(np.clip(np.floor(b), 0, len(self.intensity) - 1))
        j = min(i + 1, len(self.intensity) - 1)
        return float(self.intensity[i] + (self.intensity[j] - self.intensity[i]) * smoothstep(b - np.floor(b)))

    def _pose(self, phrase: Phrase, b: float, a: float) -> BodyPose:
        """A phrase's move at beat position b: it counts its beats from the phrase's start (c = +1 there)."""
        builder = standing()
        (MOVES.get(phrase.move) or SPECIAL[phrase.move])(builder, b - phrase.start, a)
        return builder.build()

    def sample(self, t: float) -> BodyPose:
        """The dance pose at t. A move hands over to the next over the last `blend_beats` of its phrase, the
        blend weight eased within each beat so that the blend, too, is at rest on every beat."""
        b = self.beat_position(t)
        a = self._intensity(b)
        i = int(np.clip(np.floor(b), 0, self.phrases[-1].start + self.phrases[-1].length - 1))
        p = int(np.searchsorted([ph.start for ph in self.phrases], i, side="right") - 1)
        phrase = self.phrases[p]
        pose = self._pose(phrase, b, a)
        end = phrase.start + phrase.length
        # The ending pose is hit in one beat, as a dancer snaps into it: a longer hand-over would slow the last
        # beats down and blur them.
        last = p + 1 < len(self.phrases) and self.phrases[p + 1].move == "finale"
        blend = 1 if last else min(self.blend_beats, phrase.length)
        if p + 1 < len(self.phrases) and i >= end - blend and b >= 0:
            w = (i - (end - blend) + float(smoothstep(b - i))) / blend
            pose = _blend_planted(pose, self._pose(self.phrases[p + 1], b, a), w)
        return pose

    def weight(self, t: float) -> float:
        """Layer weight: eases in over the beat before the first beat and out over the beat after the music."""
        beats = self.beat_times
        period = float(np.median(np.diff(beats))) if len(beats) >= 2 else 60.0 / SWAY_BPM
        start = (beats[0] if len(beats) else 0.0) - period
        end = self.duration + period
        return float(min(smoothstep((t - start) / period), smoothstep((end - t) / period)))


def plan_dance(grid: BeatGrid, seed: int = 0, style: str | None = None) -> Dance:
    """Choose the moves: a sway where the drums rest; where they play, phrases from bar starts (the first drum
    beat starts one too: she hits it), two bars long (one when the energy changes between them), energetic
    moves for loud phrases, no move twice in a row, all moves of the style used before any repeats; the ending
    pose on the last beat. Without a clear beat: one long sway."""
    palette = STYLES.get(style or "pop")
    if palette is None:
        raise ValueError(f"unknown dance style {style!r}; known: {', '.join(STYLES)}")
    if not grid.clear:
        count = max(1, len(np.arange(0.0, grid.duration, 60.0 / SWAY_BPM)))
        return Dance(grid, (Phrase(0, count, "sway", 0.0),), np.full(count, 0.4))
    n = len(grid.beats)
    energy = grid.energy
    # Intensity follows the energy, smoothed over a bar so one loud hit does not jerk the dance; where the drums
    # rest, a gentle sway.
    smooth = np.convolve(np.pad(energy, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    drummed = grid.drummed
    intensity = np.where(drummed, np.clip(0.35 + 0.65 * smooth, 0.0, 1.0), 0.4)
    bar_starts = set(np.searchsorted(grid.beats, grid.downbeats).tolist())
    rng = np.random.default_rng(seed)
    phrases: list[Phrase] = []
    unused: list[str] = []
    last = n - 1  # the ending pose's beat
    for start, stop, drums in runs(drummed[:last]):
        if not drums:
            phrases.append(Phrase(start, stop - start, "sway", float(energy[start:stop].mean())))
            continue
        for a, b in _phrase_bounds(start, stop, bar_starts, energy):
            level = float(energy[a:b].mean())
            if not unused:
                unused = list(palette)
            suited = [m for m in unused if (m in ENERGETIC) == (level > 0.6)] or unused
            options = [m for m in suited if not phrases or m != phrases[-1].move] or suited
            move = options[int(rng.integers(len(options)))]
            unused.remove(move)
            phrases.append(Phrase(a, b - a, move, level))
    phrases.append(Phrase(last, 1, "finale", float(energy[last])))
    # Hand over between moves over at least TRANSITION_S (more beats at fast tempi): a whole-body change in
    # one short beat would be a lurch, faster than the dance itself.
    period = 60.0 / grid.tempo
    blend = int(np.clip(np.ceil(TRANSITION_S / period), 1, 4))
    first = min(bar_starts) if bar_starts else 0
    return Dance(grid, tuple(phrases), intensity, blend, int(first))


def _phrase_bounds(start: int, stop: int, bar_starts: set[int], energy: np.ndarray) -> list[tuple[int, int]]:
    """Phrases of beats [start, stop): cut on every other bar start (8 counts), on every bar start where the
    energy changes between two bars (4 counts); a lead-in shorter than a bar joins the first phrase."""
    bars = sorted(k for k in bar_starts if start < k < stop)
    if not bars:
        return [(start, stop)]
    ends = [*bars[1:], stop]
    cuts, k = [], 0
    while k < len(bars):
        cuts.append(bars[k])
        this, following = energy[bars[k]:ends[k]], energy[ends[k]:ends[k + 1]] if k + 1 < len(bars) else energy[0:0]
        # Two bars make a phrase unless the second is louder or quieter than the first.
        changes = len(following) > 0 and abs(float(this.mean()) - float(following.mean())) > 0.2
        k += 1 if changes else 2
    cuts = [start, *cuts] if cuts[0] - start >= 4 else [start, *cuts[1:]]
    return [(a, b) for a, b in zip(cuts, [*cuts[1:], stop], strict=True) if b > a]


def dance_to(path: str | Path, seed: int = 0, style: str | None = None, max_seconds: float = MAX_MUSIC_S,
             tracker: Tracker = "auto") -> tuple[Dance, np.ndarray, int]:
    """Track a music file and plan its dance. Returns (dance, audio, sample rate) so the caller can stream
    the very audio that was tracked."""
    audio, sr = load_music(path, max_seconds)
    return plan_dance(track_beats(audio, sr, tracker), seed, style), audio, sr


def plan_for_file(path: str | Path, seed: int = 0, style: str | None = None, tracker: Tracker = "auto") -> Dance:
    """The dance of a music file (without its audio: small enough to return from a worker process); the file's
    beats are tracked once per version of it (`track_file`)."""
    return plan_dance(track_file(path, tracker), seed, style)

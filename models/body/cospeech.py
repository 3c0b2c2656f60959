"""Speech co-gestures: beat gestures on stressed words and small hand motion while talking.

A beat gesture is the quick down-flick of a hand that speakers make on the words they stress (McNeill's
"beats"); its hit (the bottom of the flick, where the hand stops) lands on the stressed vowel. Stress comes
from the phoneme timeline: espeak marks primary stress with "ˈ" on the stressed vowel. Between beats the
hands drift a little while words are being spoken and settle in pauses. Everything is computed ahead from
the word and phoneme times and sampled as a pure function of time (an additive layer over the arms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from models.body import quat
from models.body.authoring import ELBOW_AXIS_LEFT, side_axis
from models.body.idle import SmoothNoise, _sines
from models.body.pose import BodyPose, one_hemisphere, smoothstep
from models.body.skeleton import INDEX, NUM_JOINTS
from models.tts import PhonemeSpan, WordSpan

#: Words that carry no beat however they are stressed.
FUNCTION_WORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is am are was were be been being it its this that "
    "these those i you he she we they me him her us them my your his our their do does did have has had will "
    "would can could shall should may might must not no so than then there here what which who whom whose".split()
)
#: At most one beat in this many seconds: beats on every word read as nervous.
MIN_BEAT_GAP_S = 0.6
#: The beat's shape, as (time from the hit, elevation) keys: a slow lift, a quick drop to the hit, a small
#: rebound. Eased between keys, so the hand stops exactly at the hit.
BEAT_KEYS = ((-0.42, 0.0), (-0.16, 1.0), (0.0, 0.0), (0.12, 0.12), (0.32, 0.0))
#: How long talking motion takes to settle after the last word and to start before the first (s).
SETTLE_S = 0.4


@dataclass(frozen=True)
class Beat:
    """A beat gesture: its hit time (the stressed vowel's onset), the hand(s) and strength in [0, 1]."""

    time: float
    hands: tuple[str, ...]
    strength: float


def _stress_times(words: Sequence[WordSpan], phonemes: Sequence[PhonemeSpan]) -> list[tuple[float, float, str]]:
    """(onset of the stressed vowel, its duration, word) for every content word that has a primary stress."""
    out = []
    for w in words:
        if w.word.lower().strip(".,!?;:'\"") in FUNCTION_WORDS:
            continue
        stressed = [p for p in phonemes if "ˈ" in p.phoneme and w.start - 1e-3 <= p.start < w.end]
        if stressed:
            out.append((stressed[0].start, stressed[0].end - stressed[0].start, w.word))
    return out


def choose_beats(words: Sequence[WordSpan], phonemes: Sequence[PhonemeSpan], seed: int = 0,
                 intensity: float = 1.0) -> list[Beat]:
    """Beats on the stressed syllables of content words, the longest (most emphatic) first, no closer than
    MIN_BEAT_GAP_S; each picks a hand (mostly the right, sometimes the left or both) from the seed."""
    candidates = sorted(_stress_times(words, phonemes), key=lambda c: (-c[1] * len(c[2]), c[0]))
    rng = np.random.default_rng(seed)
    chosen: list[tuple[float, float, str]] = []
    for c in candidates:
        if all(abs(c[0] - k[0]) >= MIN_BEAT_GAP_S for k in chosen):
            chosen.append(c)
    chosen.sort()
    longest = max((c[1] for c in chosen), default=1.0)
    beats = []
    for time, duration, _ in chosen:
        pick = rng.random()
        hands = ("Right",) if pick < 0.6 else ("Left",) if pick < 0.8 else ("Left", "Right")
        beats.append(Beat(time, hands, intensity * float(0.6 + 0.4 * duration / longest)))
    return beats


_KEY_TIMES = np.array([k[0] for k in BEAT_KEYS])
_KEY_VALUES = np.array([k[1] for k in BEAT_KEYS])


def beat_elevation(tau: float | np.ndarray) -> np.ndarray:
    """The beat's hand lift at tau seconds from the hit (0 outside the gesture)."""
    times, values = _KEY_TIMES, _KEY_VALUES
    tau = np.asarray(tau, dtype=np.float64)
    i = np.clip(np.searchsorted(times, tau, side="right") - 1, 0, len(times) - 2)
    u = smoothstep((tau - times[i]) / (times[i + 1] - times[i]))
    out = values[i] + (values[i + 1] - values[i]) * u
    return np.where((tau <= times[0]) | (tau >= times[-1]), 0.0, out)


@dataclass(frozen=True)
class CoSpeech:
    """Co-speech motion of one utterance: an additive layer (`sample`) over the arms and head."""

    beats: tuple[Beat, ...]
    talk: tuple[tuple[float, float], ...]  # spans of continuous speech (start, end)
    seed: int = 0
    intensity: float = 1.0
    _noise: SmoothNoise = field(init=False, repr=False)
    _times: np.ndarray = field(init=False, repr=False, compare=False)
    _strengths: np.ndarray = field(init=False, repr=False, compare=False)
    _hands: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)
    _starts: np.ndarray = field(init=False, repr=False, compare=False)
    _ends: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_noise", SmoothNoise(8, self.seed + 101, 0.2, 0.9, partials=3))
        # The beats as arrays: a frame evaluates every beat in one numpy pass, not one Python loop turn each.
        object.__setattr__(self, "_times", np.array([b.time for b in self.beats], dtype=np.float64))
        object.__setattr__(self, "_strengths", np.array([b.strength for b in self.beats], dtype=np.float64))
        object.__setattr__(self, "_starts", np.array([start for start, _ in self.talk], dtype=np.float64))
        object.__setattr__(self, "_ends", np.array([end for _, end in self.talk], dtype=np.float64))
        object.__setattr__(self, "_hands", {side: np.array([side in b.hands for b in self.beats], dtype=bool)
                                            for side in ("Left", "Right")})

    def talking(self, t: float) -> float:
        """How much the speaker is mid-speech at t, in [0, 1], eased in and out around each span."""
        rise = smoothstep((t - self._starts + SETTLE_S) / SETTLE_S)
        fall = smoothstep((self._ends + SETTLE_S - t) / SETTLE_S)
        return float(np.max(np.minimum(rise, fall), initial=0.0))

    def sample(self, t: float) -> BodyPose:
        """Additive deltas at t: rotations in each joint's parent frame, root displacement zero."""
        return BodyPose(np.zeros(3, dtype=np.float32), sample_many([self], np.array([t]))[0])


def sample_many(motions: Sequence[CoSpeech], taus: np.ndarray) -> np.ndarray:
    """Rotations [L, J, 4] of CoSpeech.sample of motions[i] at taus[i]: every beat, talk span and noise channel of
    every motion in one numpy pass (a performer's co-speech layers of all its avatars in a tick)."""
    count = len(motions)
    lift = {side: np.zeros(count) for side in ("Left", "Right")}
    nod = np.zeros(count)
    beats = np.repeat(np.arange(count), [len(m.beats) for m in motions])  # each beat's motion
    if len(beats):
        times = np.concatenate([m._times for m in motions])
        strengths = np.concatenate([m._strengths for m in motions])
        lifts = beat_elevation(taus[beats] - times) * strengths
        for side, hands in lift.items():  # a maximum over each motion's beats, starting at 0
            mine = np.concatenate([m._hands[side] for m in motions])
            np.maximum.at(hands, beats[mine], lifts[mine])
        np.maximum.at(nod, beats, strengths * np.exp(-0.5 * ((taus[beats] - times) / 0.09) ** 2))
    spans = np.repeat(np.arange(count), [len(m.talk) for m in motions])
    level = np.zeros(count)
    if len(spans):
        rise = smoothstep((taus[spans] - np.concatenate([m._starts for m in motions]) + SETTLE_S) / SETTLE_S)
        fall = smoothstep((np.concatenate([m._ends for m in motions]) + SETTLE_S - taus[spans]) / SETTLE_S)
        np.maximum.at(level, spans, np.minimum(rise, fall))
    talk = level * np.array([m.intensity for m in motions])
    n = _sines(np.stack([m._noise._amp for m in motions]), np.stack([m._noise._freq for m in motions]),
               np.stack([m._noise._phase for m in motions]), taus[:, None, None])  # [L, 8]
    # Forearm flexion, upper-arm swing and outward turn, wrist cock per side, then the head's nod: one call.
    degrees = []
    for k, side in enumerate(("Left", "Right")):
        # Forearm: only ever more flexion (drift and lift are >= 0), so an elbow never over-extends.
        degrees.append(22.0 * lift[side] + 7.0 * talk * (0.5 + 0.5 * n[:, 4 * k]))
        degrees += [-4.0 * lift[side] - 3.0 * talk * n[:, 4 * k + 1], 3.0 * talk * n[:, 4 * k + 2]]
        # The wrist cocks up during the lift and snaps through on the hit.
        degrees.append(12.0 * lift[side] + 5.0 * talk * n[:, 4 * k + 3])
    # The head dips on the hit, a small nod that goes with the stress.
    degrees.append(3.0 * nod)
    q = quat.from_axis_angle(_DELTA_AXES, np.radians(np.stack(degrees, axis=-1)))  # [L, 9, 4]
    rotations = quat.identity(count, NUM_JOINTS)
    for k, side in enumerate(("Left", "Right")):
        rotations[:, INDEX[f"{side}LowerArm"]] = q[:, 4 * k]
        rotations[:, INDEX[f"{side}UpperArm"]] = quat.mul(q[:, 4 * k + 1], q[:, 4 * k + 2])
        rotations[:, INDEX[f"{side}Hand"]] = q[:, 4 * k + 3]
    rotations[:, INDEX["Head"]] = q[:, 8]
    return one_hemisphere(rotations)


#: The axes of `degrees` in CoSpeech.sample: per side forearm hinge, upper-arm swing and turn out, wrist; the nod.
_DELTA_AXES = np.array([axis for side in ("Left", "Right") for axis in (
    side_axis(ELBOW_AXIS_LEFT, side), np.array([1.0, 0.0, 0.0]), side_axis((0.0, 0.0, 1.0), side),
    side_axis((0.0, 0.0, -1.0), side))] + [np.array([1.0, 0.0, 0.0])])


def co_speech(words: Sequence[WordSpan], phonemes: Sequence[PhonemeSpan], seed: int = 0,
              intensity: float = 1.0, pause_s: float = 0.35) -> CoSpeech:
    """Co-speech motion for an utterance's word and phoneme timeline (seconds on the take's clock)."""
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"co-speech intensity must be between 0 and 1, got {intensity}")
    spans: list[list[float]] = []
    for w in sorted(words, key=lambda w: w.start):
        if spans and w.start - spans[-1][1] < pause_s:
            spans[-1][1] = max(spans[-1][1], w.end)
        else:
            spans.append([w.start, w.end])
    return CoSpeech(tuple(choose_beats(words, phonemes, seed, intensity)), tuple((a, b) for a, b in spans), seed,
                    intensity)

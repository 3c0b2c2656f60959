"""Dance to music: beat tracking (librosa) and a sequence of dance moves locked to the beats.

The music is tracked once, ahead: tempo, beat times (refined to the onset they sit on), downbeats (the
strongest of the four beat phases, assuming 4/4), the energy of each beat and whether there is a clear
pulse at all. The dance is then a pure function of time: the time becomes a beat position b (beat i at
b = i, interpolated between tracked beats), and every move is a function of cos(πb), so each joint comes
to rest exactly on each beat - the kinematic beats of the dance are the music's beats. Moves change in
phrases of 8 beats (4 when the energy changes mid-phrase), starting on a downbeat, cross-fading over the
last beat of a phrase; each beat's energy sets the intensity. A track with no clear pulse gets a gentle
sway at a slow tempo and a warning.

librosa's beat tracker JIT-compiles (numba) on its first call in a process: several seconds, tens of
seconds on a small machine. Call `warm_up()` at start, off the real-time path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from models.body.authoring import PoseBuilder, side_axis, side_vector, stance_feet, standing
from models.body.pose import BodyPose, compose, smoothstep
from models.body.skeleton import mask
from models.errors import RequestError

#: Formats we accept (libsndfile reads all of them).
SUPPORTED_FORMATS = (".wav", ".ogg", ".mp3", ".flac")
#: The longest music we track: 10 minutes (a 2-hour file would take minutes and much memory).
MAX_MUSIC_S = 600.0
#: The shortest music we dance to (s): a beat needs a few periods to be heard.
MIN_MUSIC_S = 2.0
#: The tempo range we dance to; a tracked tempo outside is folded in by octaves.
MIN_BPM, MAX_BPM = 60.0, 180.0
#: Analysis rate and hop: 11.6 ms frames.
SAMPLE_RATE = 22050
HOP = 256
#: A beat is moved onto the onset it sits on when one starts within this distance (s).
SNAP_S = 0.06
#: Pulse clarity (autocorrelation of the detrended onset strength at the beat period) below which the
#: track has no clear beat. Click tracks and pop/house measure 0.7-0.95, noise and ambient pads below 0.15.
MIN_PULSE_CLARITY = 0.3
#: Beat energy (relative to the loud parts) below which a leading or trailing beat is silence.
SILENCE = 0.02
#: Shortest hand-over from one move to the next (s).
TRANSITION_S = 0.8
#: Tempo of the sway when there is no clear beat (BPM).
SWAY_BPM = 60.0


class MusicError(RequestError):
    """Music we cannot dance to: missing, unreadable, unsupported or too long; the message says which."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_music", message, "music")


@dataclass(frozen=True)
class BeatGrid:
    """What the tracker heard."""

    tempo: float  # BPM
    beats: np.ndarray  # seconds
    downbeats: np.ndarray  # seconds, a subset of beats
    energy: np.ndarray  # per beat, in [0, 1]
    duration: float  # seconds of music
    pulse_clarity: float
    clear: bool

    @property
    def warning(self) -> str | None:
        if self.clear:
            return None
        return (f"no clear beat (pulse clarity {self.pulse_clarity:.2f} < {MIN_PULSE_CLARITY}); "
                "dancing a gentle sway instead")


def check_music(path: str | Path, max_seconds: float = MAX_MUSIC_S) -> float:
    """Check a music file from its header alone (exists, supported, readable, not too long): its duration in s.
    Cheap enough to answer a request with; `load_music` decodes."""
    p = Path(path)
    if not p.is_file():
        raise MusicError(f"music file not found: {p}")
    if p.suffix.lower() not in SUPPORTED_FORMATS:
        raise MusicError(f"unsupported music format {p.suffix or '(none)'!r} for {p.name}; "
                         f"supported: {', '.join(SUPPORTED_FORMATS)}")
    try:
        info = soundfile.info(str(p))
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise MusicError(f"cannot read music file {p}: {exc}") from None
    if info.duration > max_seconds:
        raise MusicError(f"music file {p.name} is {info.duration:.0f} s long; the limit is {max_seconds:.0f} s "
                         f"({max_seconds / 60:.0f} minutes): cut the part to dance to")
    if info.duration < MIN_MUSIC_S:
        raise MusicError(f"music file {p.name} is {info.duration:.2f} s long; a dance needs at least "
                         f"{MIN_MUSIC_S:.0f} s of music" if info.frames else f"music file {p} holds no audio")
    return float(info.duration)


def load_music(path: str | Path, max_seconds: float = MAX_MUSIC_S) -> tuple[np.ndarray, int]:
    """Mono float32 audio at SAMPLE_RATE, after checking the file exists, is supported and not too long."""
    check_music(path, max_seconds)
    p = Path(path)
    try:
        audio, rate = soundfile.read(str(p), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise MusicError(f"cannot decode music file {p}: {exc}") from None
    if len(audio) == 0:
        raise MusicError(f"music file {p} holds no audio")
    mono = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE).astype(np.float32)
    return mono, SAMPLE_RATE


def warm_up() -> None:
    """Run the beat tracker once on a short click track so numba compiles it now, not on the first dance."""
    rate = SAMPLE_RATE
    y = np.zeros(rate * 4, dtype=np.float32)
    for k in range(8):
        y[int((0.25 + 0.5 * k) * rate):][:200] = 1.0
    track_beats(y, rate)


def track_beats(y: np.ndarray, sr: int) -> BeatGrid:
    """Tempo, beats, downbeats and per-beat energy of mono audio."""
    import librosa
    from scipy.ndimage import uniform_filter1d

    y = np.asarray(y, dtype=np.float32)
    duration = len(y) / sr
    fps = sr / HOP
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)
    # Pulse clarity: autocorrelation of the onset strength (slow loudness changes removed) at the best beat
    # period in our tempo range.
    detrended = onset - uniform_filter1d(onset, max(1, int(fps)))
    ac = librosa.autocorrelate(detrended)
    lags = np.arange(int(fps * 60.0 / MAX_BPM), min(int(fps * 60.0 / MIN_BPM) + 1, len(ac)))
    clarity = float(ac[lags].max() / ac[0]) if ac[0] > 1e-12 and len(lags) else 0.0
    tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=HOP))[0])
    # trim=False: librosa would drop the beats of a quiet intro; we trim only silence, below.
    _, frames = librosa.beat.beat_track(onset_envelope=onset, sr=sr, hop_length=HOP, bpm=tempo, units="frames",
                                        trim=False)
    beats = librosa.frames_to_time(frames, sr=sr, hop_length=HOP)
    # The tracker places beats on onset-strength peaks, which trail the sound's start by a frame or two;
    # move each beat onto the start of its onset (backtracked to the preceding strength minimum).
    onsets = librosa.onset.onset_detect(onset_envelope=onset, sr=sr, hop_length=HOP, units="time", backtrack=True)
    if len(onsets) and len(beats):
        nearest = onsets[np.argmin(np.abs(onsets[None, :] - beats[:, None]), axis=1)]
        beats = np.where(np.abs(nearest - beats) <= SNAP_S, nearest, beats)
    strength = np.array([onset[max(0, f - 2):f + 3].max() for f in frames]) if len(frames) else np.zeros(0)
    beats, first = np.unique(beats, return_index=True)  # two beats snapped onto one onset count once
    beats, strength = _fold_tempo(beats, strength[first], onset, fps)
    if len(beats) >= 2:
        tempo = 60.0 / float(np.median(np.diff(beats)))
    clear = clarity >= MIN_PULSE_CLARITY and len(beats) >= 4 and MIN_BPM * 0.97 <= tempo <= MAX_BPM * 1.03
    # Energy of each beat: RMS from this beat to the next, relative to the loud parts of the track.
    edges = np.concatenate([beats, [duration]]) if len(beats) else np.zeros(1)
    rms = np.array([np.sqrt(np.mean(y[int(a * sr):max(int(b * sr), int(a * sr) + 1)] ** 2))
                    for a, b in zip(edges[:-1], edges[1:], strict=True)])
    loud = float(np.percentile(rms, 95)) if len(rms) else 1.0
    energy = np.clip(rms / max(loud, 1e-9), 0.0, 1.0)
    # Beats in leading or trailing silence (the tracker keeps its pulse going there) are dropped.
    sounding = np.flatnonzero(energy >= SILENCE)
    if len(sounding):
        keep = slice(sounding[0], sounding[-1] + 1)
        beats, energy, strength = beats[keep], energy[keep], strength[keep]
    # Downbeats: of the four phases of a 4/4 bar, the one whose beats are loudest.
    phase = int(np.argmax([strength[k::4].mean() if len(strength[k::4]) else 0.0 for k in range(4)]))
    return BeatGrid(tempo, beats, beats[phase::4], energy, duration, clarity, bool(clear))


def _fold_tempo(beats: np.ndarray, strength: np.ndarray, onset: np.ndarray,
                fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Bring the beat rate into MIN_BPM..MAX_BPM by octaves: drop every other beat (keeping the stronger
    phase) when too fast, add the midpoints when too slow."""
    while len(beats) >= 3 and 60.0 / np.median(np.diff(beats)) > MAX_BPM * 1.03:
        keep = int(np.argmax([strength[0::2].mean(), strength[1::2].mean()]))
        beats, strength = beats[keep::2], strength[keep::2]
    while len(beats) >= 2 and 60.0 / np.median(np.diff(beats)) < MIN_BPM * 0.97:
        mids = (beats[:-1] + beats[1:]) / 2
        mid_strength = onset[np.clip((mids * fps).astype(int), 0, len(onset) - 1)]
        order = np.argsort(np.concatenate([beats, mids]))
        beats = np.concatenate([beats, mids])[order]
        strength = np.concatenate([strength, mid_strength])[order]
    return beats, strength


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


MOVES: dict[str, Move] = {
    "bounce": bounce, "step_touch": step_touch, "arm_pump": arm_pump, "body_roll": body_roll,
    "overhead_clap": overhead_clap, "disco_point": disco_point, "arm_wave": arm_wave,
    "shoulder_shimmy": shoulder_shimmy, "twist": twist, "march": march,
}
#: Moves by the energy they suit.
CALM = ("bounce", "step_touch", "body_roll", "twist", "shoulder_shimmy")
ENERGETIC = ("overhead_clap", "arm_pump", "arm_wave", "disco_point", "march")
STYLES: dict[str, tuple[str, ...]] = {"pop": tuple(MOVES), "calm": CALM, "hype": ENERGETIC}
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
    downbeat: int = 0  # index of the first downbeat: moves count their beats from it (c = +1 on downbeats)

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

    def _pose(self, move: str, b: float, a: float) -> BodyPose:
        builder = standing()
        MOVES.get(move, sway)(builder, b - self.downbeat, a)
        return builder.build()

    def sample(self, t: float) -> BodyPose:
        """The dance pose at t. A move hands over to the next over the last `blend_beats` of its phrase, the
        blend weight eased within each beat so that the blend, too, is at rest on every beat."""
        b = self.beat_position(t)
        a = self._intensity(b)
        i = int(np.clip(np.floor(b), 0, self.phrases[-1].start + self.phrases[-1].length - 1))
        p = int(np.searchsorted([ph.start for ph in self.phrases], i, side="right") - 1)
        phrase = self.phrases[p]
        pose = self._pose(phrase.move, b, a)
        end = phrase.start + phrase.length
        blend = min(self.blend_beats, phrase.length)
        if p + 1 < len(self.phrases) and i >= end - blend and b >= 0:
            w = (i - (end - blend) + float(smoothstep(b - i))) / blend
            pose = _blend_planted(pose, self._pose(self.phrases[p + 1].move, b, a), w)
        return pose

    def weight(self, t: float) -> float:
        """Layer weight: eases in over the beat before the first beat and out over the beat after the music."""
        beats = self.beat_times
        period = float(np.median(np.diff(beats))) if len(beats) >= 2 else 60.0 / SWAY_BPM
        start = (beats[0] if len(beats) else 0.0) - period
        end = self.duration + period
        return float(min(smoothstep((t - start) / period), smoothstep((end - t) / period)))


def plan_dance(grid: BeatGrid, seed: int = 0, style: str | None = None) -> Dance:
    """Choose the moves: phrases of 8 beats from the first downbeat (4 when the energy changes mid-phrase),
    energetic moves for loud phrases, no move twice in a row, all moves of the style used before any
    repeats. Without a clear beat: one long sway."""
    palette = STYLES.get(style or "pop")
    if palette is None:
        raise ValueError(f"unknown dance style {style!r}; known: {', '.join(STYLES)}")
    if not grid.clear:
        count = max(1, len(np.arange(0.0, grid.duration, 60.0 / SWAY_BPM)))
        return Dance(grid, (Phrase(0, count, "sway", 0.0),), np.full(count, 0.4))
    n = len(grid.beats)
    energy = grid.energy
    # Intensity follows the energy, smoothed over a bar so one loud hit does not jerk the dance.
    smooth = np.convolve(np.pad(energy, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    intensity = np.clip(0.35 + 0.65 * smooth, 0.0, 1.0)
    first = int(np.searchsorted(grid.beats, grid.downbeats[0])) if len(grid.downbeats) else 0
    rng = np.random.default_rng(seed)
    phrases: list[Phrase] = []
    if first > 0:
        phrases.append(Phrase(0, first, "bounce" if "bounce" in palette else palette[0], float(energy[:first].mean())))
    unused: list[str] = []
    start = first
    while start < n:
        length = min(8, n - start)
        if length == 8 and abs(energy[start:start + 4].mean() - energy[start + 4:start + 8].mean()) > 0.2:
            length = 4
        level = float(energy[start:start + length].mean())
        if not unused:
            unused = list(palette)
        suited = [m for m in unused if (m in ENERGETIC) == (level > 0.6)] or unused
        options = [m for m in suited if not phrases or m != phrases[-1].move] or suited
        move = options[int(rng.integers(len(options)))]
        unused.remove(move)
        phrases.append(Phrase(start, length, move, level))
        start += length
    # Hand over between moves over at least TRANSITION_S (more beats at fast tempi): a whole-body change in
    # one short beat would be a lurch, faster than the dance itself.
    period = 60.0 / grid.tempo
    blend = int(np.clip(np.ceil(TRANSITION_S / period), 1, 4))
    return Dance(grid, tuple(phrases), intensity, blend, first)


def dance_to(path: str | Path, seed: int = 0, style: str | None = None,
             max_seconds: float = MAX_MUSIC_S) -> tuple[Dance, np.ndarray, int]:
    """Track a music file and plan its dance. Returns (dance, audio, sample rate) so the caller can stream
    the very audio that was tracked."""
    audio, sr = load_music(path, max_seconds)
    return plan_dance(track_beats(audio, sr), seed, style), audio, sr


def plan_for_file(path: str | Path, seed: int = 0, style: str | None = None) -> Dance:
    """The dance of a music file (without its audio: small enough to return from a worker process)."""
    return dance_to(path, seed, style)[0]

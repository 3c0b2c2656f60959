"""Score mouth curves from audio against the truth, and the two baselines the audio-to-face model must beat.

Every method gives, per 10 ms frame of 16 kHz audio, the model's outputs: 15 viseme probabilities, the mouth
channels (models.face.audio_face.MOUTH_CHANNELS) and the lip contact. The truth is what the phoneme driver makes
of the utterance's own phoneme timings (avatar_tools/audio_face_data.py `targets`).

Baselines, computed in the same run on the same audio:
- `LoudnessJaw`: the jaw follows the loudness (what many avatar tools do), calibrated on training data by a
  least-squares fit of jawOpen to dB; lips shut when it is quiet.
- `MfccTemplates`: the uLipSync / HeadAudio approach: MFCCs (the DCT of our log-mel frames, c0 dropped) matched
  to one template per viseme (the mean of the training frames of that viseme), gated by loudness; the viseme's
  shape scaled by the loudness gives the curves.

Metrics (`score`):
- viseme accuracy: frames whose most likely viseme is the true one;
- bilabial closure hits: true p b m whose span (±30 ms) has a predicted contact ≥ 0.5; f/v contact hits likewise;
- closure precision: predicted contact onsets inside speech that fall on a true contact or pause (±30 ms);
- jaw correlation: Pearson r of predicted and true jawOpen;
- onset lead: the lag (ms) that best aligns predicted with true jawOpen, positive when the prediction leads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.face.audio_face import MOUTH_CHANNELS, MOUTH_INDEX, NUM_OUTPUTS, NUM_VISEMES
from models.face.audio_features import HOP, SAMPLE_RATE, WINDOW
from models.face.visemes import VISEME_INDEX, VISEME_TARGETS, VISEMES

JAW = NUM_VISEMES + MOUTH_CHANNELS.index("jawOpen")
CONTACT = NUM_OUTPUTS - 1
PP, FF, SIL = VISEME_INDEX["PP"], VISEME_INDEX["FF"], VISEME_INDEX["sil"]
TOLERANCE_FRAMES = 3  # ±30 ms
MAX_LAG_FRAMES = 15


def frame_db(audio: np.ndarray) -> np.ndarray:
    """Loudness (dBFS) of each 10 ms frame, over a 25 ms window centred on it (frames as features_of)."""
    padded = np.concatenate([np.zeros(WINDOW // 2, np.float32), audio, np.zeros(WINDOW // 2, np.float32)])
    count = len(audio) // HOP + 1
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(count)[:, None]
    power = np.mean(np.square(padded[index], dtype=np.float64), axis=1)
    return 10.0 * np.log10(power + 1e-10)


def mfcc(features: np.ndarray) -> np.ndarray:
    """MFCC 1..12 of log-mel frames (the DCT-II of each frame, c0, the level, dropped)."""
    from scipy.fft import dct

    return dct(features.astype(np.float64), type=2, norm="ortho", axis=1)[:, 1:13]


def _curves_from_visemes(classes: np.ndarray, jaw: np.ndarray) -> np.ndarray:
    """Outputs for hard viseme choices: one-hot probabilities, the viseme's shape (its jaw replaced by `jaw`), and
    contact on p b m / f v."""
    out = np.zeros((len(classes), NUM_OUTPUTS), np.float32)
    out[np.arange(len(classes)), classes] = 1.0
    shapes = VISEME_TARGETS[classes][:, MOUTH_INDEX]
    out[:, NUM_VISEMES:CONTACT] = shapes
    out[:, JAW] = jaw
    out[:, CONTACT] = np.isin(classes, [PP, FF]).astype(np.float32)
    return out


@dataclass
class LoudnessJaw:
    """jawOpen = a * dB + b, clipped to 0..1; below the gate the mouth is at rest with the lips together."""

    slope: float = 0.02
    offset: float = 0.9
    gate_db: float = -45.0

    def fit(self, audio: list[np.ndarray], truth: list[np.ndarray]) -> LoudnessJaw:
        db = np.concatenate([frame_db(a) for a in audio])
        jaw = np.concatenate([t[:, JAW] for t in truth])
        voiced = db > self.gate_db
        self.slope, self.offset = (float(v) for v in np.polyfit(db[voiced], jaw[voiced], 1))
        return self

    def outputs(self, audio: np.ndarray, features: np.ndarray) -> np.ndarray:
        db = frame_db(audio)
        jaw = np.clip(self.slope * db + self.offset, 0.0, 1.0) * (db > self.gate_db)
        classes = np.where(jaw > 0.05, VISEME_INDEX["aa"], SIL)
        out = _curves_from_visemes(classes, jaw)
        out[:, CONTACT] = (db > self.gate_db) * (jaw <= 0.05)  # lips together when quiet inside speech
        return out


@dataclass
class MfccTemplates:
    """Nearest viseme template by MFCC (z-scored), silence below the loudness gate; jaw from the loudness."""

    gate_db: float = -45.0
    templates: np.ndarray | None = None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    loudness: LoudnessJaw | None = None

    def fit(self, features: np.ndarray, classes: np.ndarray, loudness: LoudnessJaw) -> MfccTemplates:
        coefficients = mfcc(features)
        self.mean, self.std = coefficients.mean(0), coefficients.std(0) + 1e-6
        z = (coefficients - self.mean) / self.std
        self.templates = np.stack([z[classes == v].mean(0) if np.any(classes == v) else np.full(z.shape[1], 1e3)
                                   for v in range(NUM_VISEMES)])
        self.loudness = loudness
        return self

    def outputs(self, audio: np.ndarray, features: np.ndarray) -> np.ndarray:
        assert self.templates is not None and self.loudness is not None
        z = (mfcc(features) - self.mean) / self.std
        distance = ((z[:, None, :] - self.templates[None]) ** 2).sum(-1)
        distance[:, SIL] = np.inf  # silence is the gate's call
        classes = distance.argmin(1)
        db = frame_db(audio)
        classes = np.where(db > self.gate_db, classes, SIL)
        jaw = np.clip(self.loudness.slope * db + self.loudness.offset, 0.0, 1.0) * (classes != SIL)
        jaw *= VISEME_TARGETS[classes][:, MOUTH_INDEX[0]] > 0.0  # closures and silence keep the jaw shut
        return _curves_from_visemes(classes, jaw)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _hits(classes: np.ndarray, contact: np.ndarray, viseme: int) -> tuple[int, int]:
    runs = _runs(classes == viseme)
    hit = sum(bool(np.any(contact[max(a - TOLERANCE_FRAMES, 0):b + TOLERANCE_FRAMES] >= 0.5)) for a, b in runs)
    return hit, len(runs)


def _lag(predicted: np.ndarray, truth: np.ndarray) -> int | None:
    """Frames by which `predicted` leads `truth` (best correlation within ±MAX_LAG_FRAMES)."""
    if truth.std() < 1e-3 or predicted.std() < 1e-3 or len(truth) < 4 * MAX_LAG_FRAMES:
        return None
    best, best_r = 0, -np.inf
    for lag in range(-MAX_LAG_FRAMES, MAX_LAG_FRAMES + 1):
        # predicted[t - lag] against truth[t]: lag > 0 when the prediction comes early
        p = predicted[max(lag, 0):len(predicted) + min(lag, 0)]
        t = truth[max(-lag, 0):len(truth) - max(lag, 0)]
        r = float(np.corrcoef(p, t)[0, 1])
        if r > best_r:
            best, best_r = lag, r
    return best


def score(predicted: list[np.ndarray], classes: list[np.ndarray], curves: list[np.ndarray]) -> dict[str, float]:
    """The metrics over utterances (outputs [frames, NUM_OUTPUTS], true classes [frames], true curves)."""
    p_all, c_all = np.concatenate(predicted), np.concatenate(classes)
    jaw_p, jaw_t = p_all[:, JAW], np.concatenate([c[:, JAW - NUM_VISEMES] for c in curves])
    bilabial = np.sum([_hits(c, p[:, CONTACT], PP) for p, c in zip(predicted, classes, strict=True)], axis=0)
    labiodental = np.sum([_hits(c, p[:, CONTACT], FF) for p, c in zip(predicted, classes, strict=True)], axis=0)
    onsets = good = 0
    for p, c in zip(predicted, classes, strict=True):
        allowed = np.isin(c, [PP, FF, SIL])
        for a, _ in _runs(p[:, CONTACT] >= 0.5):
            if c[max(a - 1, 0)] == SIL and c[min(a + 1, len(c) - 1)] == SIL:
                continue  # a closure in a pause is the mouth at rest, not a claim about a consonant
            onsets += 1
            good += bool(np.any(allowed[max(a - TOLERANCE_FRAMES, 0):a + TOLERANCE_FRAMES + 1]))
    lags = [lag for p, c in zip(predicted, curves, strict=True)
            if (lag := _lag(p[:, JAW], c[:, JAW - NUM_VISEMES])) is not None]
    speech = c_all != SIL
    return {
        "viseme_accuracy": float(np.mean(p_all[:, :NUM_VISEMES].argmax(1) == c_all)),
        "viseme_accuracy_speech": float(np.mean(p_all[speech, :NUM_VISEMES].argmax(1) == c_all[speech])),
        "bilabial_closure_hits": float(bilabial[0] / max(bilabial[1], 1)),
        "bilabial_count": int(bilabial[1]),
        "fv_contact_hits": float(labiodental[0] / max(labiodental[1], 1)),
        "fv_count": int(labiodental[1]),
        "closure_precision": float(good / max(onsets, 1)),
        "jaw_correlation": float(np.corrcoef(jaw_p, jaw_t)[0, 1]) if jaw_p.std() > 0 else 0.0,
        "onset_lead_ms": float(np.median(lags) * 1000 / (SAMPLE_RATE / HOP)) if lags else float("nan"),
    }


def confusion(predicted: list[np.ndarray], classes: list[np.ndarray]) -> dict[str, dict[str, float]]:
    """Per true viseme, the share of its frames given each viseme (rows sum to 1; shares under 5 % left out)."""
    p, c = np.concatenate(predicted)[:, :NUM_VISEMES].argmax(1), np.concatenate(classes)
    rows = {}
    for v, name in enumerate(VISEMES):
        if np.any(c == v):
            shares = np.bincount(p[c == v], minlength=NUM_VISEMES) / np.sum(c == v)
            rows[name] = {VISEMES[k]: round(float(s), 3) for k, s in enumerate(shares) if s >= 0.05}
    return rows

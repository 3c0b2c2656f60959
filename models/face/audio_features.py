"""What the audio-to-face model hears: any audio made into 16 kHz mono, then log-mel frames every 10 ms.

One implementation serves training (avatar_tools/audio_face_data.py), offline clips and the live stream, so the
model sees the same features everywhere. `MelStream` is causal: frame t is centred on sample t * HOP and needs
WINDOW / 2 samples after it, so it is emitted once those have arrived (12.5 ms of the model's lookahead).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000
HOP = 160  # 10 ms: the model's frame rate is 100 Hz
WINDOW = 400  # 25 ms
N_MELS = 40
FMIN, FMAX = 60.0, 7600.0
FRAME_RATE = SAMPLE_RATE / HOP
#: The DC blocker's one-pole coefficient (a 20 Hz corner).
_DC_ALPHA = 1.0 - float(np.exp(-2.0 * np.pi * 20.0 / SAMPLE_RATE))
#: Mel power floor: silence, and the value a stream starts from.
FLOOR = 1e-6


def _mel_filters() -> np.ndarray:
    """Slaney-style triangular mel filters [N_MELS, WINDOW // 2 + 1], area-normalized."""
    def hz_to_mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def mel_to_hz(mel: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)

    bins = np.fft.rfftfreq(WINDOW, 1.0 / SAMPLE_RATE)
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(FMIN)), hz_to_mel(np.array(FMAX)), N_MELS + 2))
    filters = np.zeros((N_MELS, len(bins)))
    for m in range(N_MELS):
        lo, centre, hi = edges[m], edges[m + 1], edges[m + 2]
        rising = (bins - lo) / (centre - lo)
        falling = (hi - bins) / (hi - centre)
        filters[m] = np.maximum(0.0, np.minimum(rising, falling)) * 2.0 / (hi - lo)
    return filters.astype(np.float32)


_FILTERS = _mel_filters()
_WINDOW_FN = np.hanning(WINDOW + 1)[:WINDOW].astype(np.float32)


def to_model_audio(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Any audio as the model takes it: float32 mono at 16 kHz, DC removed. Stereo ([samples, channels]) is
    downmixed, integer PCM scaled to [-1, 1], other rates resampled (soxr)."""
    audio = np.asarray(audio)
    if np.issubdtype(audio.dtype, np.integer):
        audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max + 1)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    audio = audio.astype(np.float32, copy=False)
    if sample_rate != SAMPLE_RATE and len(audio):
        import soxr

        audio = soxr.resample(audio, sample_rate, SAMPLE_RATE).astype(np.float32)
    return audio


def log_mel(frames: np.ndarray) -> np.ndarray:
    """Log-mel features [n, N_MELS] of windows [n, WINDOW]."""
    spectrum = np.fft.rfft(frames * _WINDOW_FN, axis=1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
    return np.log(power @ _FILTERS.T + FLOOR).astype(np.float32)


#: The features of silence: what a stream starts from and what pads a clip's ends.
SILENCE = np.log(np.full(N_MELS, FLOOR, dtype=np.float32))


@dataclass
class MelStream:
    """Causal log-mel frames of a stream of 16 kHz audio, pushed in chunks of any size. Frame t (centred on
    sample t * HOP, from t = 0) comes out once sample t * HOP + WINDOW / 2 has arrived; DC is removed by a
    slow one-pole high-pass (20 Hz), the same in every chunking."""

    _buffer: np.ndarray = field(default_factory=lambda: np.zeros(WINDOW // 2, np.float32))
    _dc_state: np.ndarray = field(default_factory=lambda: np.zeros(1))
    frames_out: int = 0

    def push(self, audio: np.ndarray) -> np.ndarray:
        """The frames that the audio so far completes: [n, N_MELS]."""
        audio = self._remove_dc(np.asarray(audio, np.float32))
        self._buffer = np.concatenate([self._buffer, audio])
        count = max((len(self._buffer) - WINDOW) // HOP + 1, 0)
        if count == 0:
            return np.zeros((0, N_MELS), np.float32)
        index = np.arange(WINDOW)[None, :] + HOP * np.arange(count)[:, None]
        features = log_mel(self._buffer[index])
        self._buffer = self._buffer[count * HOP:]
        self.frames_out += count
        return features

    def flush(self) -> np.ndarray:
        """The frames still waiting for their future half-window, completed with silence."""
        return self.push(np.zeros(WINDOW // 2, np.float32))

    def _remove_dc(self, audio: np.ndarray) -> np.ndarray:
        # dc[n] = dc[n-1] + a (x[n] - dc[n-1]); y = x - dc. lfilter carries its state across chunks exactly.
        if not len(audio):
            return audio
        from scipy.signal import lfilter

        dc, self._dc_state = lfilter([_DC_ALPHA], [1.0, _DC_ALPHA - 1.0], audio, zi=self._dc_state)
        return (audio - dc).astype(np.float32)


def features_of(audio: np.ndarray) -> np.ndarray:
    """The features of a whole clip of 16 kHz audio: frame t for every t with t * HOP inside the clip (the last
    ones completed with silence)."""
    stream = MelStream()
    return np.concatenate([stream.push(audio), stream.flush()])

"""The one test double of the audio-to-face model (models.face.audio_face.AudioFaceModel): the real streaming code
around it (log-mel features, lookahead, LiveFace) with a network whose answer a test knows.

Its jawOpen is the frame's loudness: 0 for digital silence, rising to 1 for a tone at -10 dBFS or louder; every
other output is 0. `stuck_open` instead holds jawOpen at 0.7 whatever it hears: a model that gets silence wrong.
"""

from __future__ import annotations

import numpy as np

from models.face.audio_face import MOUTH_CHANNELS, NUM_OUTPUTS, NUM_VISEMES, AudioFaceStream
from models.face.audio_features import SILENCE
from models.face.drivers import AudioDriver

JAW = NUM_VISEMES + MOUTH_CHANNELS.index("jawOpen")
#: Mean log-mel of silence; of a loud tone about 10 above it.
_QUIET = float(SILENCE.mean())


class FakeAudioFaceModel:
    receptive_field = 9
    lookahead_frames = 6
    provider = "CPUExecutionProvider"

    def __init__(self, stuck_open: bool = False) -> None:
        self.stuck_open = stuck_open
        self.lookahead_s = 0.0725

    def run(self, features: np.ndarray) -> np.ndarray:
        n = len(features) - self.receptive_field + 1
        outputs = np.zeros((max(n, 0), NUM_OUTPUTS), np.float32)
        if n > 0:
            heard = features[self.receptive_field - 1 - self.lookahead_frames:][:n]
            outputs[:, JAW] = 0.7 if self.stuck_open else np.clip((heard.mean(axis=1) - _QUIET) / 10.0, 0.0, 1.0)
        return outputs

    def stream(self) -> AudioFaceStream:
        return AudioFaceStream(self)  # type: ignore[arg-type]


def fake_live_driver(stuck_open: bool = False) -> AudioDriver:
    return AudioDriver(FakeAudioFaceModel(stuck_open))  # type: ignore[arg-type]

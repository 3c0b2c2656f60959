"""The audio-to-face model: mouth curves from audio alone, for voices that give no phoneme timings (TTS servers,
a microphone, a recording).

A compact causal network (a dilated temporal convolution stack, trained by avatar_tools/train_audio_face.py on
speech that our phoneme driver animated exactly; model card: models/face/data/audio_face.md) maps log-mel
frames (models.face.audio_features) to, every 10 ms: the 15 viseme probabilities, the mouth's ARKit channels
(`CHANNELS`) and the lip contact. It looks LOOKAHEAD_FRAMES frames ahead (plus half a 25 ms window): the face of
time t is known once the audio of t + ~72 ms has arrived.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from models.device import Device, fastest, onnx_uses_cuda, requested_device
from models.face.arkit import INDEX
from models.face.audio_features import FRAME_RATE, SAMPLE_RATE, SILENCE, WINDOW, MelStream
from models.face.visemes import VISEMES

log = logging.getLogger(__name__)

#: The ARKit channels the phoneme driver moves when speaking (models.face.lipsync), in the model's output order.
MOUTH_CHANNELS: tuple[str, ...] = (
    "jawOpen", "jawForward", "mouthClose", "mouthFunnel", "mouthPucker", "mouthRollLower", "mouthRollUpper",
    "mouthShrugUpper", "mouthPressLeft", "mouthPressRight", "mouthDimpleLeft", "mouthDimpleRight",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight", "tongueOut",
)
MOUTH_INDEX = tuple(INDEX[name] for name in MOUTH_CHANNELS)
#: The model's outputs per frame: viseme logits, then the mouth channels, then the lip contact.
NUM_VISEMES = len(VISEMES)
NUM_CURVES = len(MOUTH_CHANNELS) + 1
NUM_OUTPUTS = NUM_VISEMES + NUM_CURVES
#: Frames of audio after a frame that the model may hear before it answers for it.
LOOKAHEAD_FRAMES = 6
#: The lookahead in seconds: LOOKAHEAD_FRAMES frames and the future half of the analysis window.
LOOKAHEAD_S = LOOKAHEAD_FRAMES / FRAME_RATE + WINDOW / 2 / SAMPLE_RATE

#: The shipped model (trained by avatar_tools/train_audio_face.py; its card: audio_face.md beside it).
DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "audio_face.onnx"
#: What a device probe runs: 2 s of frames.
_PROBE_FRAMES = 200


class AudioFaceModel:
    """The audio-to-face network on onnxruntime: log-mel frames in, per-frame viseme probabilities, mouth
    curves and lip contact out (`NUM_OUTPUTS` columns). Loaded once and shared: `run` is thread-safe."""

    def __init__(self, path: str | Path | None = None, device: Device | None = None) -> None:
        import onnxruntime

        self.path = Path(path) if path is not None else DEFAULT_MODEL
        if not self.path.is_file():
            raise FileNotFoundError(f"audio-to-face model {self.path} not found: reinstall avatar-bridge, or train "
                                    "one (python -m avatar_tools.train_audio_face)")
        device = device or requested_device()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # a few hundred frames a call: one core is plenty, and leaves the rest
        options.inter_op_num_threads = 1

        def session(providers: list[str]) -> Any:
            return onnxruntime.InferenceSession(str(self.path), options, providers=providers)

        cuda = onnx_uses_cuda(device)
        self.session = session(["CUDAExecutionProvider", "CPUExecutionProvider"] if cuda else ["CPUExecutionProvider"])
        self.provider = self.session.get_providers()[0]
        meta = self.session.get_modelmeta().custom_metadata_map
        self.receptive_field = int(meta["receptive_field"])
        self.lookahead_frames = int(meta["lookahead_frames"])
        if int(meta["num_visemes"]) != NUM_VISEMES or int(meta["num_curves"]) != NUM_CURVES:
            raise ValueError(f"{self.path}: outputs {meta['num_visemes']} visemes and {meta['num_curves']} curves, "
                             f"this version needs {NUM_VISEMES} and {NUM_CURVES}")
        if device == "auto" and self.provider == "CUDAExecutionProvider":
            self._keep_the_faster(session(["CPUExecutionProvider"]))
        self.lookahead_s = self.lookahead_frames / FRAME_RATE + WINDOW / 2 / SAMPLE_RATE
        log.info("audio-to-face model loaded", extra={"model": self.path.name, "provider": self.provider,
                                                       "lookahead_ms": round(self.lookahead_s * 1e3, 1)})

    def _keep_the_faster(self, cpu_session: Any) -> None:
        features = np.tile(SILENCE, (_PROBE_FRAMES + self.receptive_field, 1))[None]
        sessions = {"CUDAExecutionProvider": self.session, "CPUExecutionProvider": cpu_session}
        def probe(candidate: Any) -> Callable[[], object]:
            return lambda: candidate.run(None, {"features": features})

        chosen, medians = fastest({name: probe(candidate) for name, candidate in sessions.items()})
        self.session, self.provider = sessions[chosen], chosen
        log.info("audio-to-face device probed", extra={"chosen": chosen,
                                                        **{f"{k}_ms": round(v * 1e3, 2) for k, v in medians.items()}})

    def run(self, features: np.ndarray) -> np.ndarray:
        """Outputs [n - receptive_field + 1, NUM_OUTPUTS] of features [n, N_MELS]: row i is the frame heard by
        features[i + receptive_field - 1 - lookahead_frames]."""
        if len(features) < self.receptive_field:
            return np.zeros((0, NUM_OUTPUTS), np.float32)
        return self.session.run(None, {"features": features[None].astype(np.float32)})[0][0]

    def frames_of(self, audio: np.ndarray) -> np.ndarray:
        """Outputs for every 10 ms frame of a whole clip of 16 kHz audio (silence assumed before and after)."""
        stream = self.stream()
        return np.concatenate([stream.push(audio), stream.flush()])

    def stream(self) -> AudioFaceStream:
        return AudioFaceStream(self)


@functools.cache
def shared_model(path: str | None = None, device: Device | None = None) -> AudioFaceModel:
    """The model at `path` (None: the shipped one), loaded once per process and shared by every avatar."""
    return AudioFaceModel(path, device)


class AudioFaceStream:
    """The model over a live stream of 16 kHz audio: `push` any chunk, get the frames it completes (frame t once
    the audio of t + lookahead has arrived); `flush` at the stream's end completes the rest with silence."""

    def __init__(self, model: AudioFaceModel) -> None:
        self.model = model
        self.mel = MelStream()
        self.history = np.tile(SILENCE, (model.receptive_field - 1 - model.lookahead_frames, 1))
        self.frames_out = 0

    def push(self, audio: np.ndarray) -> np.ndarray:
        return self._run(self.mel.push(audio))

    def flush(self) -> np.ndarray:
        silence = np.tile(SILENCE, (self.model.lookahead_frames, 1))
        return self._run(np.concatenate([self.mel.flush(), silence]))

    def _run(self, features: np.ndarray) -> np.ndarray:
        self.history = np.concatenate([self.history, features])
        outputs = self.model.run(self.history)
        self.history = self.history[len(outputs):]
        self.frames_out += len(outputs)
        return outputs

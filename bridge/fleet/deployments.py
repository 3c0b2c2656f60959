"""The Serve application "avatar-bridge": the sidecars' stateless heavy work as Ray Serve deployments.

    Synthesis   a Piper voice by source (None: the bundled voice; else a .onnx path present on the cluster's
                nodes): text + VoiceStyle -> the SpeechSegments, phonemes and words included
    AudioFace   the shipped audio-to-face model: log-mel features -> per-frame visemes and mouth curves
    Embeddings  all-MiniLM-L6-v2, the dialogue's retrieval encoder: texts -> normalized vectors
    Fleet       the ingress: what is deployed (sidecars check it on connect)

Every model loads once per replica, when the replica starts (a voice not yet asked for: on its first line). A
replica does one request at a time (`max_ongoing_requests=1` for the CPU-bound ones): Serve then queues a request
at the router until a replica is free, so a slow replica holds up only the request it is on. The cluster's
nodes need avatar-bridge installed (the image of docs/scaling.md); nothing here imports the sidecar's runtime.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ray import serve
from ray.serve.handle import DeploymentHandle

from bridge.fleet import APP_NAME, AUDIO_FACE, EMBEDDINGS, INGRESS, SYNTHESIS
from models.tts import SpeechSegment, VoiceStyle

log = logging.getLogger(__name__)


#: Said once by each replica as it loads a voice.
WARM_UP = "Warm up, one two three."


class Synthesis:
    """Piper voices, each loaded once per replica by source."""

    def __init__(self) -> None:
        self._voices: dict[str | None, Any] = {}
        self._lock = threading.Lock()  # a Piper voice says one line at a time
        self.voice(None)

    def voice(self, source: str | None) -> Any:
        from models.tts.piper_voice import PiperTTS

        with self._lock:
            if source not in self._voices:
                config = Path(f"{source}.json") if source is not None else None
                voice = PiperTTS(source, config if config is not None and config.is_file() else None)
                list(voice.synthesize(WARM_UP))  # onnxruntime's first run sets up its memory: not on a host's line
                self._voices[source] = voice
            return self._voices[source]

    def describe(self, source: str | None) -> dict[str, Any]:
        """The voice's name, sample rate and provider (loading it on this replica if it is not yet)."""
        voice = self.voice(source)
        return {"name": voice.name, "sample_rate": voice.sample_rate, "provider": voice.provider}

    def synthesize(self, source: str | None, text: str, style: VoiceStyle) -> list[SpeechSegment]:
        voice = self.voice(source)
        with self._lock:
            return list(voice.synthesize(text, style))


class AudioFace:
    """The shipped audio-to-face model (thread-safe: onnxruntime runs concurrent calls)."""

    def __init__(self) -> None:
        from models.face.audio_face import shared_model

        self.model = shared_model()

    def describe(self) -> dict[str, Any]:
        return {"receptive_field": self.model.receptive_field, "lookahead_frames": self.model.lookahead_frames,
                "lookahead_s": self.model.lookahead_s, "provider": self.model.provider}

    def run(self, features: np.ndarray) -> np.ndarray:
        return self.model.run(features)

    def frames_of(self, audio: np.ndarray) -> np.ndarray:
        return self.model.frames_of(audio)


class Embeddings:
    """The MiniLM sentence encoder of the dialogue's retrieval."""

    def __init__(self) -> None:
        from models.dialogue.retrieval import load_embedder

        self.embedder = load_embedder()
        self._lock = threading.Lock()  # torch modules are not re-entrant across threads

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self.embedder.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                           show_progress_bar=False)
        return np.asarray(vectors, np.float32)


class Fleet:
    """The application's ingress: answers what is deployed."""

    def __init__(self, synthesis: DeploymentHandle, audio_face: DeploymentHandle, embeddings: DeploymentHandle
                 ) -> None:
        # Bound to it, the three are deployed with it; sidecars call them by name, not through here.
        self.deployments = (SYNTHESIS, AUDIO_FACE, EMBEDDINGS)

    def describe(self) -> dict[str, Any]:
        return {"app": APP_NAME, "deployments": list(self.deployments)}


@dataclass(frozen=True)
class Scale:
    """How one deployment scales: a fixed `replicas`, or autoscaling between `min_replicas` and `max_replicas`
    (when max is given); each replica reserves `num_cpus` and `num_gpus` (None: the deployment's default)."""

    replicas: int = 1
    min_replicas: int | None = None
    max_replicas: int | None = None
    num_cpus: float | None = None
    num_gpus: float | None = None

    def options(self) -> dict[str, Any]:
        actor: dict[str, float] = {}
        if self.num_cpus is not None:
            actor["num_cpus"] = self.num_cpus
        if self.num_gpus is not None:
            actor["num_gpus"] = self.num_gpus
        options: dict[str, Any] = {"ray_actor_options": actor} if actor else {}
        if self.max_replicas is not None:
            low = self.min_replicas if self.min_replicas is not None else 1
            if not 0 <= low <= self.max_replicas:
                raise ValueError(f"min_replicas {low} must be between 0 and max_replicas {self.max_replicas}")
            # One request at a time per replica: scale out when requests wait.
            options["autoscaling_config"] = {"min_replicas": low, "max_replicas": self.max_replicas,
                                             "target_ongoing_requests": 1}
        else:
            if self.replicas < 1:
                raise ValueError(f"replicas must be at least 1, got {self.replicas}")
            options["num_replicas"] = self.replicas
        return options


@dataclass(frozen=True)
class FleetScale:
    """The application's shape: one `Scale` per deployment."""

    synthesis: Scale = field(default_factory=Scale)
    audio_face: Scale = field(default_factory=Scale)
    embeddings: Scale = field(default_factory=Scale)


#: Each deployment's name, requests at once per replica and CPUs per replica unless its `Scale` says otherwise.
DEFAULTS: dict[type, tuple[str, int, float]] = {
    Synthesis: (SYNTHESIS, 1, 1.0), AudioFace: (AUDIO_FACE, 4, 0.5), Embeddings: (EMBEDDINGS, 4, 0.5)}


def _deployment(cls: type, scale: Scale) -> Any:
    name, ongoing, cpus = DEFAULTS[cls]
    options = scale.options()
    actor = {"num_cpus": cpus, **options.pop("ray_actor_options", {})}
    return serve.deployment(cls, name=name, max_ongoing_requests=ongoing, ray_actor_options=actor, **options)


def build_app(scale: FleetScale = FleetScale()) -> Any:
    """The Serve application, bound, at `scale`."""
    parts = [_deployment(cls, part).bind() for cls, part in
             ((Synthesis, scale.synthesis), (AudioFace, scale.audio_face), (Embeddings, scale.embeddings))]
    ingress: Any = serve.deployment(Fleet, name=INGRESS, num_replicas=1, ray_actor_options={"num_cpus": 0})
    return ingress.bind(*parts)


def deploy(scale: FleetScale = FleetScale()) -> DeploymentHandle:
    """Deploy (or update in place) the application on the cluster `ray.init` connected to; returns when every
    replica is up. No HTTP route: sidecars call it through deployment handles."""
    return serve.run(build_app(scale), name=APP_NAME, route_prefix=None)


def status() -> dict[str, Any]:
    """The application's state and each deployment's replicas by state ({} when it is not deployed)."""
    app = serve.status().applications.get(APP_NAME)
    if app is None:
        return {}
    return {"app": APP_NAME, "status": str(app.status), "message": app.message,
            "deployments": {name: {"status": str(d.status), "replicas": dict(d.replica_states), "message": d.message}
                            for name, d in app.deployments.items()}}


def down() -> bool:
    """Delete the application (its replicas stop); False when it was not deployed."""
    if APP_NAME not in serve.status().applications:
        return False
    serve.delete(APP_NAME)
    return True


#: The application at the default scale, for a Serve config file's `import_path: bridge.fleet.deployments:app`
#: (KubeRay's RayService, `serve deploy`); the file's `deployments:` entries set the scale there.
app = build_app()

"""The sidecar's side of the fleet: remote stand-ins for its voice, audio-to-face model and embedder that call the
Serve application (bridge.fleet.deployments) through deployment handles.

Every remote call is bounded: it waits `timeout_s` plus `TIMEOUT_PER_CHAR_S` per character of its text, and a call
that fails (a timeout, a dead replica, a lost cluster) is tried once more, which Serve routes to a healthy replica.
A call that fails twice marks the link lost: listeners hear a `fleet` event (state lost), the work in flight fails
(the director ends the take with the error), and with `fallback` later work runs on in-process models until a
probe reaches the deployment again (state restored). Calls block: they run on the voice's, the live audio's and
the dialogue's worker threads, never on the event loop.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bridge.fleet import APP_NAME, AUDIO_FACE, EMBEDDINGS, NAMESPACE, SYNTHESIS, FleetConfig
from models.face.audio_face import AudioFaceModel
from models.tts import SpeechSegment, Voice, VoiceError, VoiceStyle, split_for_streaming

log = logging.getLogger(__name__)

#: A remote call's wait grows by this per character of its text: a 240-character piece, the most a voice gets
#: (models.tts.MAX_PIECE_CHARS), takes ~3.5 s on 2 busy cores, so its wait is timeout_s + 12 s.
TIMEOUT_PER_CHAR_S = 0.05
#: How often a lost link probes the deployment that failed (s).
PROBE_S = 2.0

#: What a lost link calls to learn that a deployment answers again: (method, args).
PROBES: dict[str, tuple[str, tuple[Any, ...]]] = {SYNTHESIS: ("describe", (None,)), AUDIO_FACE: ("describe", ()),
                                                  EMBEDDINGS: ("encode", (["probe"],))}

#: Hears the link's state changes: (state: lost / restored, details).
Listener = Callable[[str, dict[str, Any]], None]


class FleetUnavailable(Exception):
    """The cluster cannot be reached or has no avatar-bridge application; the message says what to do."""


class FleetError(VoiceError):
    """A remote call failed twice (timeouts, dead replicas, a lost cluster); the message says which and why."""


def check_reachable(address: str, timeout_s: float) -> None:
    """Fail fast on an address nothing answers at: ray.init waits minutes for a GCS that is not there."""
    if address == "auto":
        return  # the local node's own cluster: ray.init finds it or says there is none
    host_port = address.removeprefix("ray://")
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        raise FleetUnavailable(f"ray address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise FleetUnavailable(f"the Ray cluster at {address} is unreachable ({exc}): start it (ray start --head, "
                               "docs/scaling.md), check the address and port, or set ray.fallback: true to serve "
                               "with in-process models") from None


class FleetLink:
    """One sidecar's connection to the application: handles to its deployments, the link's state (`lost`) and who
    hears it change. Thread-safe."""

    def __init__(self, config: FleetConfig, handles: dict[str, Any]) -> None:
        self.config = config
        self.handles = handles
        self.listeners: list[Listener] = []
        self.lost = False
        self.calls = {"remote": 0, "retried": 0, "failed": 0, "local": 0}
        self._lock = threading.Lock()
        self._closed = threading.Event()

    @classmethod
    def connect(cls, config: FleetConfig) -> FleetLink:
        """Join the cluster (ray.init: this process becomes one of its drivers; one cluster per process, so a second
        link joins the first's) and find the application. Raises FleetUnavailable naming the address when either
        cannot be had."""
        import ray
        from ray import serve

        check_reachable(config.address, config.connect_timeout_s)
        try:
            if not ray.is_initialized():
                ray.init(address=config.address, namespace=NAMESPACE, log_to_driver=False)
            handles = {name: serve.get_deployment_handle(name, APP_NAME)
                       for name in (SYNTHESIS, AUDIO_FACE, EMBEDDINGS)}
        except Exception as exc:  # ray's ConnectionError, Serve's "no application" (ValueError, RayServeException)
            raise FleetUnavailable(f"the Ray cluster at {config.address}: {type(exc).__name__}: {str(exc)[:300]}; "
                                   "deploy the application first (avatar-bridge fleet deploy --address ...)") from None
        log.info("fleet connected", extra={"address": config.address, "app": APP_NAME})
        return cls(config, handles)

    def timeout_s(self, chars: int) -> float:
        return self.config.timeout_s + TIMEOUT_PER_CHAR_S * chars

    def call(self, deployment: str, method: str, *args: Any, chars: int = 0,
             local: Callable[[], Any] | None = None) -> Any:
        """`method` of `deployment` on args: remote, tried twice, within `timeout_s(chars)` each; or `local()` while
        the link is lost and fallback is on. Raises FleetError."""
        if self.lost and self.config.fallback and local is not None:
            self.count("local")
            return local()
        handle = getattr(self.handles[deployment], method)
        error: Exception | None = None
        for attempt in range(2):
            try:
                result = handle.remote(*args).result(timeout_s=self.timeout_s(chars))
            except Exception as exc:  # TimeoutError, RayActorError, a lost connection: the next try goes elsewhere
                error = exc
                self.count("retried" if attempt == 0 else "failed")
                log.warning("fleet call failed", extra={"deployment": deployment, "method": method,
                                                        "attempt": attempt + 1, "error": f"{type(exc).__name__}"})
                continue
            self.count("remote")
            return result
        message = f"{deployment}.{method} failed twice: {type(error).__name__}: {str(error)[:200]}"
        self._set_lost(deployment, message)
        raise FleetError(message)

    def count(self, kind: str) -> None:
        """One more call of a kind (remote, retried, failed, local): the benchmark's and the tests' tally."""
        with self._lock:
            self.calls[kind] += 1

    def _set_lost(self, deployment: str, message: str) -> None:
        with self._lock:
            if self.lost:
                return
            self.lost = True
        self._tell("lost", {"deployment": deployment, "error": message, "fallback": self.config.fallback})
        threading.Thread(target=self._probe, args=(deployment,), name="fleet-probe", daemon=True).start()

    def _probe(self, deployment: str) -> None:
        """While lost: call the deployment's cheapest method every PROBE_S until it answers (or the link closes)."""
        method, args = PROBES[deployment]
        while not self._closed.wait(PROBE_S):
            try:
                getattr(self.handles[deployment], method).remote(*args).result(timeout_s=self.config.timeout_s)
            except Exception:
                continue
            with self._lock:
                self.lost = False
            self._tell("restored", {"deployment": deployment})
            return

    def _tell(self, state: str, details: dict[str, Any]) -> None:
        log.warning("fleet " + state, extra={"address": self.config.address, **details})
        for listener in list(self.listeners):
            listener(state, details)

    def close(self) -> None:
        """Stop probing; the Ray connection stays for this process's other links."""
        self._closed.set()

    # -- the remote models ---------------------------------------------------------------------------------------

    def voice(self, source: Path | None, local: Callable[[], Voice] | None = None) -> RemoteVoice:
        """A Piper voice (None: the bundled one; a path: present on the cluster's nodes) said by Synthesis."""
        return RemoteVoice(self, None if source is None else str(source), local)

    def audio_face(self) -> RemoteAudioFace:
        return RemoteAudioFace(self)

    def embedder(self) -> RemoteEmbedder:
        return RemoteEmbedder(self)


class RemoteVoice:
    """A `Voice` whose pieces the Synthesis deployment says, one call per piece (so the first clause plays while
    later ones are said, and each call's wait is bounded by its own length). With fallback on a lost link, a line
    is said by the in-process voice `local` (loaded on first need) from its start: a line is never said by two
    voices."""

    timings = True

    def __init__(self, link: FleetLink, source: str | None, local: Callable[[], Voice] | None) -> None:
        self.link = link
        self.source = source
        self._local = local
        self._local_voice: Voice | None = None
        about = link.call(SYNTHESIS, "describe", source)
        self.name: str = about["name"]
        self.sample_rate: int = about["sample_rate"]
        self.provider = f"ray:{about['provider']}"

    def local(self) -> Voice:
        if self._local_voice is None:
            assert self._local is not None
            self._local_voice = self._local()
        return self._local_voice

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        if self.link.lost and self.link.config.fallback and self._local is not None:
            self.link.count("local")
            yield from self.local().synthesize(text, style)
            return
        for piece in split_for_streaming(text):
            yield from self.link.call(SYNTHESIS, "synthesize", self.source, piece, style, chars=len(piece))


class RemoteAudioFace(AudioFaceModel):
    """The audio-to-face model of the AudioFace deployment: a whole clip in one call, a live stream one call per
    chunk; the in-process model while the link is lost and fallback is on."""

    def __init__(self, link: FleetLink) -> None:  # noqa: D107  (no model file here: the replicas have it)
        self.link = link
        about = link.call(AUDIO_FACE, "describe")
        self.path = Path(APP_NAME) / AUDIO_FACE
        self.receptive_field = int(about["receptive_field"])
        self.lookahead_frames = int(about["lookahead_frames"])
        self.lookahead_s = float(about["lookahead_s"])
        self.provider = f"ray:{about['provider']}"

    @staticmethod
    def _local() -> AudioFaceModel:
        from models.face.audio_face import shared_model

        return shared_model()

    def run(self, features: np.ndarray) -> np.ndarray:
        return self.link.call(AUDIO_FACE, "run", features, local=lambda: self._local().run(features))

    def frames_of(self, audio: np.ndarray) -> np.ndarray:
        # A clip's wait grows with its length as a line's does: 16 kHz audio, ~15 characters a second of speech.
        chars = int(len(audio) / 16000 * 15)
        return self.link.call(AUDIO_FACE, "frames_of", audio, chars=chars,
                              local=lambda: self._local().frames_of(audio))


class RemoteEmbedder:
    """The Embeddings deployment in the shape of the sentence-transformers encoder KnowledgeIndex uses: vectors
    come back normalized whatever the keywords say."""

    def __init__(self, link: FleetLink) -> None:
        self.link = link

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        def local() -> np.ndarray:
            from models.dialogue.retrieval import load_embedder

            return np.asarray(load_embedder().encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                                     show_progress_bar=False), np.float32)

        return self.link.call(EMBEDDINGS, "encode", list(texts), chars=sum(map(len, texts)), local=local)

"""The fleet: a sidecar's heavy, stateless work (synthesis, the audio-to-face model, embeddings) on a Ray cluster as
Ray Serve deployments, shared by many sidecars (docs/scaling.md).

    deployments.py  the Serve application "avatar-bridge" (runs on the cluster's nodes)
    client.py       the sidecar's side: remote voice, audio-to-face model and embedder, with timeouts, a retry,
                    `fleet` events and the in-process fallback

The performer, the timelines and the sockets stay in the sidecar, next to its engine: only work whose result is
a pure function of its input crosses the network.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The Serve application every sidecar calls.
APP_NAME = "avatar-bridge"
#: Its deployments, by what they do.
SYNTHESIS, AUDIO_FACE, EMBEDDINGS, INGRESS = "Synthesis", "AudioFace", "Embeddings", "Fleet"
#: Ray's namespace for the application (Serve keeps its own; this one names the sidecars' driver jobs).
NAMESPACE = "avatar-bridge"


@dataclass(frozen=True)
class FleetConfig:
    """The `ray:` section of a sidecar config (serve --ray). `address`: what ray.init takes (ray://HOST:10001 from
    outside the cluster, HOST:6379 or "auto" on one of its nodes). `fallback`: on an unreachable or lost cluster, use
    in-process models (else: a ConfigError at start, failed takes while lost). `timeout_s`: a remote call's wait,
    plus `TIMEOUT_PER_CHAR_S` per character of its text."""

    address: str
    fallback: bool = False
    timeout_s: float = 5.0
    connect_timeout_s: float = 20.0

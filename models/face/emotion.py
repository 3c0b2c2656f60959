"""Emotions the host can show: names and the intensity range every stage accepts."""

from __future__ import annotations

#: Emotion names accepted by `say` and inline tags.
EMOTIONS: tuple[str, ...] = ("neutral", "happy", "excited", "sad", "surprised", "angry", "thinking")


def check_emotion(name: str, intensity: float = 1.0) -> None:
    """Raise ValueError naming the problem when an emotion or its intensity is not accepted."""
    if name not in EMOTIONS:
        raise ValueError(f"unknown emotion {name!r}; known: {', '.join(EMOTIONS)}")
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"emotion intensity must be between 0 and 1, got {intensity}")

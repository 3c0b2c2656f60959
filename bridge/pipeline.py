"""One assembly: an avatar's pipeline from its config, built the same way by `serve`, `render`, rehearsal,
the benchmarks and the tests.

    timeline (owner of the avatar's takes) ◄── director (voice → face driver) ◄── requests
        │ take events                          music desk (dance takes) ◄──────── requests
        ▼
    layers, in order: AvatarFace (expression, gaze, blinks, head) → MouthLayer → PuppetFace (the camera's performer)
        → AvatarBody → PuppetBody
        │ performer.tick samples them at pts t
        ▼
    FaceFrame, PoseFrame, Skeleton + the timeline's audio, phonemes, words, events → publish (the sinks' Hub)

A new voice plugs in as the avatar's `Voice` (models/tts), a new face driver as its `FaceDriver`
(models/face/drivers.py); neither the director nor the performer changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from bridge.config import AvatarConfig
from bridge.director import Director, Post, run_now
from bridge.live_audio import LiveAudioIn
from bridge.music import Dancer, MusicDesk
from bridge.performer import Clock, Performer
from bridge.synthesis import Synthesis
from bridge.timeline import AvatarTimeline, Publish
from models.body.avatar import AvatarBody, BodyChoir, GestureScheduled, check_gesture_word
from models.body.gestures import get_gesture, load_library
from models.body.pose import MotionClip
from models.face.audio_face import shared_model
from models.face.avatar import AvatarFace, FaceChoir, MouthLayer
from models.face.drivers import AudioDriver, FaceDriver, driver_for
from models.face.life import DEFAULT_TARGETS, Point
from models.face.tags import Mark
from models.take import Take
from models.tts import Voice, VoiceStyle
from models.vision.puppet import Puppet, PuppetBody, PuppetFace

#: Seeds of avatars without their own: the sidecar's seed plus this times the avatar's index, so two hosts never
#: blink or breathe in step.
SEED_STRIDE = 7919


@dataclass
class AvatarPipeline:
    """One avatar: its timeline, director and layers."""

    name: str
    timeline: AvatarTimeline
    director: Director
    face: AvatarFace
    mouth: MouthLayer
    body: AvatarBody
    music: MusicDesk
    live: LiveAudioIn  # live audio in (`audio_in`, serve --mic)
    puppet: Puppet  # a performer's face and body from the camera, over her own layers (`puppet`)

    @property
    def voice(self) -> Voice:
        return self.director.voice

    def now_pts(self) -> float:
        """The first pts not yet published: where a request takes effect."""
        return self.director.clock.now() + self.timeline.lookahead

    @property
    def dancer(self) -> Dancer:
        return Dancer(self.name, self.timeline, self.body)

    def dance(self, music: str, style: str | None = None) -> Take:
        """Queue a dance take. Raises MusicError for a file that cannot be danced to, ValueError for a bad style."""
        return dance_together([self], music, style)[0]

    def gesture(self, name: str, at_word: int | None = None) -> dict[str, Any]:
        """Play a gesture: its stroke on word `at_word` of the current take, or as soon as it can land. Raises
        UnknownGesture for an unknown name, ValueError for a word that cannot be had."""
        now = self.now_pts()
        if at_word is None:
            placed = self.body.gesture(name, now)
            return {"take": None, "start_pts": placed.start, "stroke_pts": placed.stroke}
        get_gesture(name, self.body.library)
        take = check_gesture_word(self.timeline.current, at_word, now)
        scheduled = self.body.scheduled(take, self.timeline.mark(take, Mark("gesture", name, at_word, -1)))
        if scheduled is None:  # its word is not synthesized yet: the stroke is placed when it is
            return {"take": take.id, "start_pts": None, "stroke_pts": None}
        return {"take": take.id, "start_pts": scheduled.start, "stroke_pts": scheduled.stroke}

    def look_at(self, target: str | Sequence[float]) -> tuple[Point, float]:
        """Turn the gaze (and the chest's share) to a target from the next frame on; returns the point and the pts.
        Raises ValueError for an unknown target or a point out of range."""
        pts = self.now_pts()
        point = self.face.look_at(pts, target)
        # The chest takes its share of the turn; the face frame's point is Unity's with X flipped.
        self.body.look_at(pts, (-point[0], point[1], point[2]))
        return point, pts


@dataclass
class Pipeline:
    """Every avatar of a sidecar (or of an offline render) on one performer."""

    clock: Clock
    performer: Performer
    avatars: dict[str, AvatarPipeline]
    music: MusicDesk

    @property
    def directors(self) -> dict[str, Director]:
        return {name: avatar.director for name, avatar in self.avatars.items()}

    def stop(self) -> None:
        """Shutting down: synthesis stops after the clip in progress."""
        for avatar in self.avatars.values():
            avatar.director.stop()


def dance_together(avatars: Sequence[AvatarPipeline], music: str, style: str | None = None) -> list[Take]:
    """Queue a dance take on each avatar's timeline, in sync on one beat grid; the first avatar's take carries the
    music (MusicDesk.dance). Raises MusicError for a file that cannot be danced to, ValueError for a bad style."""
    if not avatars:
        raise ValueError("a dance needs at least one avatar")
    return avatars[0].music.dance([avatar.dancer for avatar in avatars], music, style)


def shipped_live_driver() -> AudioDriver:
    """The face driver of live audio: the shipped audio-to-face model, loaded once, when first needed."""
    return AudioDriver(shared_model())


def build_avatar(config: AvatarConfig, seed: int, voice: Voice, performer: Performer, clock: Clock,
                 music: MusicDesk, library: dict[str, MotionClip], driver: FaceDriver | None = None,
                 synthesis: Synthesis | None = None, post: Post = run_now,
                 gestures: Collection[str] | None = None, live_driver: Callable[[], AudioDriver] | None = None,
                 live: Executor | None = None, bodies: BodyChoir | None = None,
                 faces: FaceChoir | None = None) -> AvatarPipeline:
    """One avatar's pipeline from its config, on the performer (seed: the config's, or the one given); `bodies` and
    `faces`: the performer's avatars' bodies and faces, posed together each tick (None: this one alone)."""
    timeline = performer.add_avatar(config.name, voice.sample_rate)
    seed = config.seed if config.seed is not None else seed
    face = AvatarFace(seed, {**DEFAULT_TARGETS, **config.gaze_targets}, faces)
    mouth = MouthLayer()

    def announce(gesture: GestureScheduled) -> None:
        timeline.event("gesture", gesture.stroke, gesture.take, name=gesture.name,
                       start_pts=round(gesture.start, 6), end_pts=round(gesture.end, 6))

    body = AvatarBody(library, lambda: performer.next_pts(clock.now()), seed, announce, choir=bodies)
    for layer in (face, mouth, body):
        timeline.subscribe(layer.on_take)
    puppet = Puppet()
    performer.set_layers(config.name, face=[face, mouth, PuppetFace(puppet)], body=[body, PuppetBody(puppet)])
    # A voice without timings (a TTS server, a recording) is animated from its audio alone.
    driver = driver or driver_for(getattr(voice, "timings", True))
    director = Director(timeline, voice, driver, clock, synthesis, post, gestures, config.voice_style or VoiceStyle())
    live_in = LiveAudioIn(timeline, live_driver or shipped_live_driver, clock, live, post)
    return AvatarPipeline(config.name, timeline, director, face, mouth, body, music, live_in, puppet)


def build_pipeline(avatars: Sequence[AvatarConfig], voices: Callable[[AvatarConfig], Voice], publish: Publish,
                   clock: Clock, *, frame_rate: float = 60.0, lookahead: float = 0.1, chunk_samples: int = 512,
                   seed: int = 0, synthesis: Synthesis | None = None, post: Post = run_now,
                   music: MusicDesk | None = None, gestures: Collection[str] | None = None,
                   drivers: Mapping[str, FaceDriver] | None = None, run_id: str | None = None,
                   live_driver: Callable[[], AudioDriver] | None = None, live: Executor | None = None) -> Pipeline:
    """Every avatar's pipeline on one performer. `voices` gives each avatar its (shared, loaded once) voice;
    `synthesis` the voice workers (None: synthesize inline, offline); `post` hands results back to the event
    loop; `music` the music desk (default: decode and track inline); `run_id` the sidecar run's id (None: a new one);
    `live_driver` the face driver of live audio in (default: the shipped model) and `live` its worker (None:
    inline)."""
    if not avatars:
        raise ValueError("a pipeline needs at least one avatar")
    performer = Performer(publish, frame_rate, lookahead, chunk_samples, run_id)
    music = music or MusicDesk(clock, post=post)
    library = load_library()
    built, bodies, faces = {}, BodyChoir(), FaceChoir()
    for i, config in enumerate(avatars):
        built[config.name] = build_avatar(config, seed + SEED_STRIDE * i, voices(config), performer, clock, music,
                                          library, (drivers or {}).get(config.name), synthesis, post, gestures,
                                          live_driver, live, bodies, faces)
    return Pipeline(clock, performer, built, music)


def one_avatar(voice: Voice, publish: Publish, clock: Clock, name: str = "host", **options: Any) -> Pipeline:
    """A pipeline of one avatar with the given voice (offline render, tests)."""
    return build_pipeline([AvatarConfig(name)], lambda config: voice, publish, clock, **options)

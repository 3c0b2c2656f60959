"""Requests: one handler per op, each mapping a request onto an avatar's pipeline or the dialogue.

`handle(raw, peer)` takes one encoded request and returns its encoded reply. A bad request gets an error reply
naming the field and changes nothing else; a bug costs one reply, never the sidecar. The control socket and the
preview's WebSocket both call it. A file a request names is read through the media policy (bridge/media.py) on
a worker thread, so the ops that name one (`show load`, `dance`) are coroutines; the others answer at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bridge.camera_in import CameraIn, greeter, open_camera_source
from bridge.config import SidecarConfig
from bridge.dialogue import DialogueService
from bridge.live_audio import decode_pcm
from bridge.media import MediaDirs, read_rundown
from bridge.performer import Clock
from bridge.pipeline import AvatarPipeline, dance_together
from bridge.protocol import (
    AUDIO_IN_FORMATS,
    AUDIO_IN_MAX_CHANNELS,
    AUDIO_IN_MAX_CHUNK_S,
    AUDIO_IN_RATES,
    CAMERA_SOURCE_HELP,
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    PROTOCOL_VERSION,
    REQUESTS,
    AudioInRequest,
    ChatRequest,
    DanceRequest,
    DescribeRequest,
    GestureRequest,
    InterruptRequest,
    KioskRequest,
    LookAtRequest,
    PingRequest,
    PuppetRequest,
    QueueRequest,
    Request,
    SayRequest,
    ShowRequest,
    VideoInRequest,
    error_reply,
    ok_reply,
    parse_request,
)
from models.body.beats import check_music
from models.body.gestures import REQUIRED as GESTURES
from models.body.skeleton import skeleton_description
from models.errors import RequestError
from models.face.arkit import ARKIT_BLENDSHAPES
from models.face.emotion import EMOTIONS, check_emotion

log = logging.getLogger(__name__)


class RequestHandler:
    """The sidecar's ops over its avatars' pipelines and its dialogue."""

    def __init__(self, config: SidecarConfig, avatars: Mapping[str, AvatarPipeline], dialogue: DialogueService,
                 clock: Clock, run_id: str, media: MediaDirs | None = None, camera: CameraIn | None = None) -> None:
        self.config = config
        self.run_id = run_id
        self.avatars = dict(avatars)
        self.dialogue = dialogue
        self.clock = clock
        self.media = media or MediaDirs.of(config.media_dirs)
        self.camera = camera
        self.handlers: dict[type, Callable[[Any], dict[str, Any] | Awaitable[dict[str, Any]]]] = {
            DescribeRequest: self.describe,
            SayRequest: self.say,
            InterruptRequest: self.interrupt,
            LookAtRequest: self.look_at,
            PingRequest: self.ping,
            GestureRequest: self.gesture,
            DanceRequest: self.dance,
            ChatRequest: lambda r: self.dialogue.ready().chat_op(self._name(r.avatar), r.user, r.text, r.priority),
            QueueRequest: lambda r: self.dialogue.ready().queue_op(self._name(r.avatar), r.action, r.message),
            ShowRequest: self.show,
            AudioInRequest: self.audio_in,
            PuppetRequest: self.puppet,
            KioskRequest: self.kiosk,
            VideoInRequest: self.video_in,
        }
        self.served = 0
        self.rejected = 0

    async def handle(self, raw: bytes, peer: str) -> bytes:
        """One request in, one reply out."""
        request_id = None
        try:
            envelope = parse_request(raw)
            request_id = envelope.id
            request: Request = envelope.request
            if envelope.warnings:
                log.warning("unknown fields ignored", extra={"peer": peer, "warnings": list(envelope.warnings)})
            result = self.handlers[type(request)](request)
            if inspect.isawaitable(result):
                result = await result
            reply = ok_reply(request_id, envelope.warnings, **result)
            self.served += 1
            return reply
        except RequestError as error:
            return self.reject(error, request_id if request_id is not None else error.request_id, peer)
        except Exception as exc:  # a bug must cost one reply, not the sidecar
            self.rejected += 1
            log.exception("request failed", extra={"peer": peer})
            return error_reply(request_id, RequestError("internal", f"internal error: {type(exc).__name__}"))

    def reject(self, error: RequestError, request_id: int | str | None, peer: str) -> bytes:
        self.rejected += 1
        log.warning("request rejected", extra={"peer": peer, "code": error.code, "field": error.field,
                                               "reason": error.message})
        return error_reply(request_id, error)

    def _name(self, name: str | None, field: str = "avatar") -> str:
        if name is None:
            return self.config.names[0]
        if name not in self.avatars:
            skipped = any(s.name == name for s in self.config.skipped)
            raise RequestError("skipped_avatar" if skipped else "unknown_avatar", self.config.not_served(name),
                               field)
        return name

    def _avatar(self, name: str | None, field: str = "avatar") -> AvatarPipeline:
        return self.avatars[self._name(name, field)]

    # -- ops -------------------------------------------------------------------------------------------------------

    def describe(self, request: DescribeRequest) -> dict[str, Any]:
        first = self.avatars[self.config.names[0]]
        return {
            "protocol_version": PROTOCOL_VERSION,
            "run": self.run_id,
            "avatars": self.config.names,
            # Avatars left out at start for a mistake of their own (docs/config.md): requests to them are refused.
            "skipped_avatars": [{"name": s.name, "error": s.error} for s in self.config.skipped],
            "blendshapes": list(ARKIT_BLENDSHAPES),
            "audio": {"format": "s16le", "channels": 1, "rate": first.voice.sample_rate,
                      "chunk_samples": self.config.chunk_samples},
            "frame_rate": self.config.frame_rate,
            "lookahead": self.config.lookahead,
            "stream": self.config.stream,
            "voice": first.voice.name,
            "voice_provider": first.voice.provider,
            "voices": {name: {"voice": avatar.voice.name, "rate": avatar.voice.sample_rate,
                              "provider": avatar.voice.provider} for name, avatar in self.avatars.items()},
            "rigs": {avatar.name: avatar.rig for avatar in self.config.avatars},
            "limits": {"max_text_chars": MAX_TEXT_CHARS, "max_message_bytes": MAX_MESSAGE_BYTES,
                       "audio_in": {"rates": list(AUDIO_IN_RATES), "formats": list(AUDIO_IN_FORMATS),
                                    "max_channels": AUDIO_IN_MAX_CHANNELS, "max_chunk_s": AUDIO_IN_MAX_CHUNK_S}},
            "dialogue": self.dialogue.describe(),
            "emotions": list(EMOTIONS),
            "gestures": list(GESTURES),
            "gaze_targets": sorted({name for avatar in self.avatars.values() for name in avatar.face.targets}),
            "skeleton": skeleton_description(),
            "ops": sorted(op for op, cls in REQUESTS.items() if cls in self.handlers),
            "media": self.media.describe(),
        }

    def say(self, request: SayRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        if request.emotion is not None:
            try:
                check_emotion(request.emotion)
            except ValueError as exc:
                raise RequestError("unknown_emotion", str(exc), "emotion") from None
        take = avatar.director.say(request.text, request.emotion, literal=bool(request.literal))
        return {"take": take.id, "avatar": avatar.name}

    def look_at(self, request: LookAtRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        try:
            point, pts = avatar.look_at(request.target)
        except ValueError as exc:
            code = "unknown_target" if isinstance(request.target, str) else "out_of_range"
            raise RequestError(code, str(exc), "target") from None
        return {"avatar": avatar.name, "point": list(point), "pts": pts}

    def gesture(self, request: GestureRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        try:
            placed = avatar.gesture(request.name, request.at_word)
        except RequestError:
            raise  # an unknown gesture names its field
        except ValueError as exc:
            raise RequestError("no_word", str(exc), "at_word") from None
        return {"avatar": avatar.name, "name": request.name, **placed}

    async def dance(self, request: DanceRequest) -> dict[str, Any]:
        """One avatar dances (`avatar`), or several together (`avatars`): their reply names every take."""
        if request.avatars is not None and request.avatar is not None:
            raise RequestError("conflict", "give avatar or avatars, not both", "avatars")
        group = [self._avatar(request.avatar)] if request.avatars is None else [
            self._avatar(name, "avatars") for name in request.avatars]
        music = await asyncio.to_thread(self._music, request.music)
        try:
            takes = dance_together(group, music, request.style)
        except RequestError:
            raise  # music that cannot be danced to names its field
        except ValueError as exc:
            raise RequestError("bad_style", str(exc), "style") from None
        if request.avatars is None:
            return {"avatar": group[0].name, "take": takes[0].id}
        return {"avatars": [avatar.name for avatar in group],
                "takes": {avatar.name: take.id for avatar, take in zip(group, takes, strict=True)}}

    def _music(self, requested: str) -> str:
        """A music file through the media policy, its header checked (a worker thread's work)."""
        path = self.media.check(requested, "music", "music")
        check_music(path)
        return str(path)

    async def show(self, request: ShowRequest) -> dict[str, Any]:
        dialogue, avatar = self.dialogue.ready(), self._name(request.avatar)
        if request.action != "load":
            return dialogue.show_op(avatar, request.action, request.segment, request.cue)
        if request.file is None:
            raise RequestError("missing_field", "file is required for show action 'load'", "file")
        rundown = await asyncio.to_thread(read_rundown, self.media, request.file, dialogue.desks[avatar].persona,
                                          {name: desk.persona for name, desk in dialogue.desks.items()})
        return dialogue.show_load(avatar, rundown)

    def interrupt(self, request: InterruptRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        return {"avatar": avatar.name, "pts": avatar.director.interrupt()}

    def audio_in(self, request: AudioInRequest) -> dict[str, Any]:
        """A chunk of a client's live audio: checked and decoded here (a fraction of a millisecond), heard by the face
        model on the live worker."""
        avatar = self._avatar(request.avatar)
        audio = decode_pcm(request.pcm, request.format, request.channels, request.sample_rate)
        return avatar.live.chunk(request.stream, request.seq, audio, request.sample_rate, bool(request.end),
                                 shape=(request.sample_rate, request.channels, request.format))

    def _camera(self) -> CameraIn:
        if self.camera is None:
            raise RequestError("unavailable", "this sidecar has no camera in (an offline render)")
        return self.camera

    async def _open_source(self, source: str) -> None:
        """Open `source` for the camera: a camera index, "client", or a file through the media policy (opened on a
        worker thread: a video's header is read)."""
        camera = self._camera()
        spec: str | int = source
        if source.strip().isdigit():
            spec = int(source)
        elif source != "client":
            spec = str(await asyncio.to_thread(self.media.check, source, "video", "source"))
        camera.use(*(await asyncio.to_thread(open_camera_source, spec)))

    async def puppet(self, request: PuppetRequest) -> dict[str, Any]:
        avatar, camera = self._avatar(request.avatar), self._camera()
        if request.source is not None:
            await self._open_source(request.source)
        if request.action == "calibrate":
            camera.calibrate()
            return {"avatar": avatar.name, "source": camera.stats.source}
        on = request.action == "start"
        pts = camera.puppet(avatar.name, on, request.face is not False, request.body is not False,
                            1.0 if request.blend is None else request.blend, bool(request.mirror))
        return {"avatar": avatar.name, "pts": pts, "source": camera.stats.source}

    async def kiosk(self, request: KioskRequest) -> dict[str, Any]:
        avatar, camera = self._avatar(request.avatar), self._camera()
        if request.source is not None:
            await self._open_source(request.source)
        if request.action == "start" and camera.source is None:
            raise RequestError("no_source", f"no camera source is open: give `source` ({CAMERA_SOURCE_HELP})",
                               "source")
        greeting = greeter(request.greeting if request.greet is not False else "",
                           self.dialogue.personas.get(avatar.name))
        camera.kiosk(avatar.name if request.action == "start" else None, greeting=greeting)
        return {"avatar": avatar.name, "source": camera.stats.source}

    def video_in(self, request: VideoInRequest) -> dict[str, Any]:
        return self._camera().frame(request.image, request.format, request.width, request.height, request.t,
                                    request.seq)

    def ping(self, request: PingRequest) -> dict[str, Any]:
        """The clock, whether each avatar's voice keeps up (a busy voice answers pings at once too), each avatar's
        live audio in, and the camera."""
        now = self.clock.now()
        return {"t_client": request.t_client, "t_server": now,
                "voices": {name: dataclasses.asdict(avatar.director.timeline.voice_status(now))
                           for name, avatar in self.avatars.items()},
                "audio_in": {name: avatar.live.stats.to_wire() for name, avatar in self.avatars.items()},
                "camera": self.camera.stats.to_wire() if self.camera is not None else None}

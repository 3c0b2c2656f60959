"""The sidecar: control socket (ROUTER), stream socket (PUB), performer clock, director, models.

Safe by default: both sockets bind to loopback. Binding anywhere else requires CurveZMQ keys (encryption and,
with a client key folder, authentication) or an explicit `insecure` flag.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from bridge.body_layers import MusicDesk, add_bodies, exit_with_parent, skeleton_description
from bridge.config import TCP_ENDPOINT, SidecarConfig
from bridge.director import Director
from bridge.face_layers import add_faces
from bridge.host import DialogueService
from bridge.performer import MonotonicClock, Performer
from bridge.preview import PreviewError, PreviewServer
from bridge.protocol import (
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    PROTOCOL_VERSION,
    REQUESTS,
    ChatRequest,
    DanceRequest,
    DescribeRequest,
    GestureRequest,
    InterruptRequest,
    LookAtRequest,
    PingRequest,
    QueueRequest,
    Request,
    SayRequest,
    ShowRequest,
    error_reply,
    ok_reply,
    parse_request,
)
from bridge.sinks import AvatarFilter, Hub, Sink
from bridge.sinks.livelink import LiveLinkSink, parse_address
from bridge.sinks.vmc import VmcSink
from bridge.sinks.vmc import parse_address as parse_vmc_address
from bridge.sinks.zmq_pub import SEND_HWM, ZmqPubSink
from models.body.dance import warm_up
from models.body.gestures import REQUIRED as GESTURES
from models.dialogue.spec import SpecError
from models.errors import RequestError
from models.face.arkit import ARKIT_BLENDSHAPES
from models.face.emotion import EMOTIONS, check_emotion
from models.tts import Voice

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A setting the sidecar cannot start with; the message says what to do."""


def is_loopback(endpoint: str) -> bool:
    """True when an endpoint is reachable from this machine only."""
    if endpoint.startswith(("ipc://", "inproc://")):
        return True
    match = TCP_ENDPOINT.match(endpoint)
    if not match:
        raise ConfigError(f"endpoint {endpoint!r} is not tcp://HOST:PORT, ipc://PATH or inproc://NAME")
    host = match.group(2).strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # an interface name or a host name: treat as reachable from outside


def check_security(config: SidecarConfig) -> None:
    exposed = [e for e in (config.control, config.stream) if not is_loopback(e)]
    if config.preview_port is not None and not is_loopback(f"tcp://{config.preview_host}:{config.preview_port}"):
        if not config.insecure:  # the preview's WebSocket has no CurveZMQ: only a trusted network may see it
            raise ConfigError(f"refusing to serve the preview on {config.preview_host}: it is not encrypted; "
                              "add --insecure on a trusted network only")
    if exposed and config.curve_secret_key is None and not config.insecure:
        raise ConfigError(
            f"refusing to bind {', '.join(exposed)} without encryption: give --curve-secret-key FILE "
            "(make one with `avatar-bridge keys DIR`) or, on a trusted network only, --insecure")
    if config.curve_secret_key is not None and not config.curve_secret_key.is_file():
        raise ConfigError(f"curve secret key {config.curve_secret_key} not found")
    if config.curve_clients is not None and not config.curve_clients.is_dir():
        raise ConfigError(f"curve client key folder {config.curve_clients} not found")


def load_voice(model: Path | None = None, config: Path | None = None) -> Voice:
    """A Piper voice (None: the bundled one) and its .onnx.json (None: beside the .onnx); a missing file or device
    is a ConfigError that says what to do."""
    from models.device import DeviceError
    from models.tts.piper_voice import PiperTTS

    try:
        return PiperTTS(model, config)
    except (FileNotFoundError, DeviceError) as exc:
        raise ConfigError(str(exc)) from exc


class Sidecar:
    """Everything `serve` runs, on one asyncio loop; heavy work goes to worker threads."""

    def __init__(self, config: SidecarConfig, voice: Voice) -> None:
        check_security(config)
        if not config.names or len(set(config.names)) != len(config.names):
            raise ConfigError("avatar names must be given and unique")
        self.config = config
        self.voice = voice
        self.clock = MonotonicClock()
        self.context = zmq.asyncio.Context()
        self.hub = Hub()
        self.performer = Performer(config.names, self.hub, config.frame_rate, config.lookahead,
                                   config.chunk_samples)
        seeds = {avatar.name: avatar.seed for avatar in config.avatars if avatar.seed is not None}
        self.faces = add_faces(self.performer, seed=config.seed, seeds=seeds,
                               avatar_targets={avatar.name: avatar.gaze_targets for avatar in config.avatars})
        self.bodies = add_bodies(self.performer, config.seed, seeds=seeds)
        # Music gets its own worker thread (a dance never holds up speech synthesis, nor speech a dance) and the
        # beat tracker its own process: librosa's numba code holds the GIL for seconds, which would stall ticks.
        self.music_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="music")
        self.tracker = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=exit_with_parent, initargs=(os.getpid(),))
        self.music = MusicDesk(self.performer, self.bodies, voice.sample_rate, self.clock, self.music_executor,
                               tracker=self.tracker)
        # One Live Link sink per address and one VMC sink per address and blend, each fed the avatars sent there.
        self.livelink_avatars: dict[tuple[str, int], list[str]] = {}
        self.vmc_avatars: dict[tuple[tuple[str, int], str], list[str]] = {}
        try:
            for avatar in config.avatars:
                if avatar.livelink is not None:
                    self.livelink_avatars.setdefault(parse_address(avatar.livelink), []).append(avatar.name)
                if avatar.vmc is not None:
                    vmc = (parse_vmc_address(avatar.vmc), avatar.vmc_blend)
                    self.vmc_avatars.setdefault(vmc, []).append(avatar.name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")
        try:
            # One persona for the sidecar until the pipeline builder gives each avatar its own: the first's.
            self.dialogue = DialogueService(config.avatars[0].persona, config.llm_url, config.llm_model, config.llm_key)
        except SpecError as exc:
            raise ConfigError(f"persona: {exc}") from None
        self.director: Director | None = None
        self.auth: Any = None
        self.preview: PreviewServer | None = None
        self.handlers: dict[type, Callable[[Any], dict[str, Any]]] = {
            DescribeRequest: self._describe,
            SayRequest: self._say,
            InterruptRequest: self._interrupt,
            LookAtRequest: self._look_at,
            PingRequest: self._ping,
            GestureRequest: self._gesture,
            DanceRequest: self._dance,
            ChatRequest: lambda r: self.dialogue.chat(self._avatar(r.avatar), r.user, r.text, r.priority),
            QueueRequest: lambda r: self.dialogue.queue(self._avatar(r.avatar), r.action, r.message),
            ShowRequest: lambda r: self.dialogue.show(self._avatar(r.avatar), r.action, r.file, r.segment, r.cue),
        }
        self.requests_served = 0
        self.requests_rejected = 0

    # -- sockets -----------------------------------------------------------------------------------------------

    def _secure(self, socket: zmq.Socket) -> None:
        if self.config.curve_secret_key is None:
            return
        import zmq.auth

        public, secret = zmq.auth.load_certificate(str(self.config.curve_secret_key))
        if secret is None:
            raise ConfigError(f"{self.config.curve_secret_key} holds no secret key; give the .key_secret file")
        socket.curve_secretkey = secret
        socket.curve_publickey = public
        socket.curve_server = True

    def _start_auth(self) -> None:
        if self.config.curve_secret_key is None:
            return
        from zmq.auth.asyncio import AsyncioAuthenticator

        self.auth = AsyncioAuthenticator(self.context)
        self.auth.start()
        if self.config.curve_clients is not None:
            self.auth.configure_curve(domain="*", location=str(self.config.curve_clients))
        else:
            self.auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)

    def bind(self) -> None:
        self._start_auth()
        self.control = self.context.socket(zmq.ROUTER)
        self.control.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.control.setsockopt(zmq.ROUTER_MANDATORY, 0)
        self.control.linger = 0
        self._secure(self.control)
        self.stream = self.context.socket(zmq.PUB)
        self.stream.sndhwm = SEND_HWM
        self.stream.linger = 0
        self._secure(self.stream)
        try:
            self.control.bind(self.config.control)
            self.stream.bind(self.config.stream)
        except zmq.ZMQError as exc:
            raise ConfigError(f"cannot bind ({exc}); is another sidecar running? pick other ports with "
                              "--control and --stream") from None
        self.hub.add(ZmqPubSink(self.stream))
        for address, names in self.livelink_avatars.items():
            self._add_output(LiveLinkSink(*address, frame_rate=self.config.frame_rate), names)
        for (address, blend), names in self.vmc_avatars.items():
            self._add_output(VmcSink(*address, blend=blend), names)

    def _add_output(self, sink: Sink, names: list[str]) -> None:
        """A sink for some avatars: fed every message when it serves them all, else only theirs."""
        self.hub.add(sink if len(names) == len(self.config.avatars) else AvatarFilter(sink, names))

    # -- requests ----------------------------------------------------------------------------------------------

    def _avatar(self, name: str | None) -> str:
        if name is None:
            return self.config.names[0]
        if name not in self.performer.stages:
            raise RequestError("unknown_avatar", f"unknown avatar {name!r}; this sidecar serves "
                                                  f"{', '.join(self.config.names)}", "avatar")
        return name

    def _describe(self, request: DescribeRequest) -> dict[str, Any]:
        return {
            "protocol_version": PROTOCOL_VERSION,
            "avatars": self.config.names,
            "blendshapes": list(ARKIT_BLENDSHAPES),
            "audio": {"format": "s16le", "channels": 1, "rate": self.voice.sample_rate,
                      "chunk_samples": self.config.chunk_samples},
            "frame_rate": self.config.frame_rate,
            "lookahead": self.config.lookahead,
            "stream": self.config.stream,
            "voice": self.voice.name,
            "voice_provider": self.voice.provider,
            "limits": {"max_text_chars": MAX_TEXT_CHARS, "max_message_bytes": MAX_MESSAGE_BYTES},
            "dialogue": self.dialogue.describe(),
            "emotions": list(EMOTIONS),
            "gestures": list(GESTURES),
            "gaze_targets": sorted({name for face in self.faces.values() for name in face.targets}),
            "skeleton": skeleton_description(),
            "ops": sorted(op for op, cls in REQUESTS.items() if cls in self.handlers),
        }

    def _say(self, request: SayRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        if request.emotion is not None:
            try:
                check_emotion(request.emotion)
            except ValueError as exc:
                raise RequestError("unknown_emotion", str(exc), "emotion") from None
        assert self.director is not None
        take = self.director.say(avatar, request.text, request.emotion, literal=bool(request.literal))
        return {"take": take.id, "avatar": avatar}

    def _look_at(self, request: LookAtRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        pts = self.clock.now() + self.config.lookahead  # the first frame not yet published
        try:
            point = self.faces[avatar].look_at(pts, request.target)
        except ValueError as exc:
            code = "unknown_target" if isinstance(request.target, str) else "out_of_range"
            raise RequestError(code, str(exc), "target") from None
        # The chest takes its share of the turn; the face frame's point is Unity's with X flipped.
        self.bodies[avatar].look_at(pts, (-point[0], point[1], point[2]))
        return {"avatar": avatar, "point": list(point), "pts": pts}

    def _gesture(self, request: GestureRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        pts = self.clock.now() + self.config.lookahead  # the first frame not yet published
        try:
            placed = self.bodies[avatar].gesture(request.name, pts, request.at_word)
        except RequestError:
            raise  # an unknown gesture names its field
        except ValueError as exc:
            raise RequestError("no_word", str(exc), "at_word") from None
        return {"avatar": avatar, "name": request.name, **placed}

    def _dance(self, request: DanceRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        try:
            take = self.music.dance(avatar, request.music, request.style)
        except RequestError:
            raise  # music that cannot be danced to names its field
        except ValueError as exc:
            raise RequestError("bad_style", str(exc), "style") from None
        return {"avatar": avatar, "take": take.id}

    def _interrupt(self, request: InterruptRequest) -> dict[str, Any]:
        avatar = self._avatar(request.avatar)
        assert self.director is not None
        return {"avatar": avatar, "pts": self.director.interrupt(avatar)}

    def _ping(self, request: PingRequest) -> dict[str, Any]:
        return {"t_client": request.t_client, "t_server": self.clock.now()}

    def handle(self, raw: bytes, peer: str) -> bytes:
        """One request in, one reply out; a bad request gets an error reply and changes nothing else."""
        request_id = None
        try:
            envelope = parse_request(raw)
            request_id = envelope.id
            request: Request = envelope.request
            reply = ok_reply(request_id, **self.handlers[type(request)](request))
            self.requests_served += 1
            return reply
        except RequestError as error:
            self.requests_rejected += 1
            log.warning("request rejected", extra={"peer": peer, "code": error.code, "field": error.field,
                                                   "reason": error.message})
            return error_reply(request_id if request_id is not None else error.request_id, error)
        except Exception as exc:  # a bug must cost one reply, not the sidecar
            self.requests_rejected += 1
            log.exception("request failed", extra={"peer": peer})
            return error_reply(request_id, RequestError("internal", f"internal error: {type(exc).__name__}"))

    async def _control_loop(self) -> None:
        while True:
            frames = await self.control.recv_multipart()
            identity, body = frames[0], frames[1:]
            if len(body) != 1:
                reply = error_reply(None, RequestError(
                    "malformed", f"a request is one frame, got {len(body)}; send from a DEALER socket"))
                self.requests_rejected += 1
            else:
                reply = self.handle(bytes(body[0]), identity.hex())
            await self.control.send_multipart([identity, reply])

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        self.director = Director(self.performer, self.voice, self.clock, self.executor,
                                 post=loop.call_soon_threadsafe, gestures=GESTURES)
        await loop.run_in_executor(None, self.dialogue.load, self.director, self.config.names, self.music.dance)
        self.music.post = loop.call_soon_threadsafe
        self.tracker.submit(warm_up)  # numba compiles the beat tracker now, not on the first dance
        self.bind()
        if self.config.preview_port is not None:
            try:
                self.preview = PreviewServer(self.handle, self.config.preview_host, self.config.preview_port)
                await self.preview.start()
            except PreviewError as exc:
                self.close()
                raise ConfigError(str(exc)) from None
            self.hub.add(self.preview.sink)
        log.info("serving", extra={"control": self.config.control, "stream": self.config.stream,
                                   "avatars": self.config.names, "voice": self.voice.name,
                                   "frame_rate": self.config.frame_rate, "lookahead": self.config.lookahead})
        if ready:
            ready()
        tasks = [asyncio.create_task(self.performer.run(self.clock), name="performer"),
                 asyncio.create_task(self._control_loop(), name="control"),
                 asyncio.create_task(self.dialogue.run(self.clock), name="dialogue")]
        # SIGTERM (systemd, docker stop, a supervisor) and Ctrl-C stop the same clean way: tasks, workers, sockets.
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                loop.add_signal_handler(signum, stop.set)
        stopper = asyncio.create_task(stop.wait(), name="stop")
        try:
            running: set[asyncio.Task] = {*tasks, stopper}
            while not stopper.done():
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done - {stopper}:
                    task.result()  # a task that failed stops the sidecar with its exception
            log.info("stopping", extra={"reason": "signal"})
        finally:
            for task in [*tasks, stopper]:
                task.cancel()
            await asyncio.gather(*tasks, stopper, return_exceptions=True)
            for signum in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signum)
            self.close()

    def close(self) -> None:
        if self.director is not None:
            self.director.stop()
        # Waits for the clip being synthesized (a fraction of a second), so no worker posts to a closed loop.
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.music_executor.shutdown(wait=False, cancel_futures=True)
        self.tracker.shutdown(wait=False, cancel_futures=True)
        self.hub.close()
        if self.preview is not None:
            self.preview.close()
        self.control.close(linger=0)
        if self.auth is not None:
            self.auth.stop()
        self.context.term()

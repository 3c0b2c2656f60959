"""The sidecar: its avatars' pipelines on one performer clock, the dialogue, the control socket (ROUTER), the
stream socket (PUB), the outputs and the preview, on one asyncio loop; heavy work goes to workers.

Models load once and are shared: a voice file by every avatar that speaks with it, a persona's engine by every
avatar that speaks as it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zmq
import zmq.asyncio

from bridge.camera_in import CameraIn, CameraSetup
from bridge.config import (
    VOICE_WORKERS,
    AvatarConfig,
    ConfigError,
    SidecarConfig,
    SkippedAvatar,
    VoiceSource,
    read_personas,
)
from bridge.dialogue import DialogueService
from bridge.director import run_now
from bridge.fleet import FleetConfig
from bridge.live_audio import BlockSource, LocalAudioIn
from bridge.music import MusicDesk, exit_with_parent
from bridge.performer import MonotonicClock
from bridge.pipeline import build_pipeline
from bridge.preview import PreviewError, PreviewServer
from bridge.protocol import MAX_MESSAGE_BYTES, PROTOCOL_VERSION, new_run_id
from bridge.requests import RequestHandler
from bridge.security import check_security, secure, start_authenticator
from bridge.sinks import AvatarFilter, Hub, Sink
from bridge.sinks.livelink import LiveLinkSink, parse_address
from bridge.sinks.vmc import VmcSink
from bridge.sinks.vmc import parse_address as parse_vmc_address
from bridge.sinks.zmq_pub import SEND_HWM, ZmqPubSink
from bridge.synthesis import Synthesis, VoiceRecipe, recipe_of
from models.body.beats import warm_up
from models.body.gestures import REQUIRED as GESTURES
from models.dialogue.persona import Persona
from models.errors import RequestError
from models.face.drivers import AudioDriver
from models.tts import Voice, VoiceError
from models.tts.espeak_voice import EspeakSettings, EspeakVoice
from models.tts.http_voice import HttpVoice, HttpVoiceConfig

if TYPE_CHECKING:
    from bridge.fleet.client import FleetLink

log = logging.getLogger(__name__)

#: Loads a voice: (Piper .onnx, None for the bundled one, or an HTTP server's settings; the .onnx.json or None) → the
#: voice.
LoadVoice = Callable[[VoiceSource, Path | None], Voice]


def load_voice(model: VoiceSource = None, config: Path | None = None, threads: int | None = None) -> Voice:
    """A Piper voice (None: the bundled one) and its .onnx.json (None: beside the .onnx), or an HTTP server's voice
    (`HttpVoiceConfig`, docs/voices.md). A missing file, a file that is not a Piper voice, a missing key or device
    is a ConfigError that says what to do. The voice's `source` is how a worker process loads it again; `threads`:
    a Piper voice's onnxruntime threads (None: a thread a core)."""
    voice = _load_voice(model, config, threads)
    voice.source = VoiceRecipe(model, config)  # type: ignore[attr-defined]
    return voice


class DeviceUnavailable(ConfigError):
    """The device the models must run on (--device, device:) is not there: no avatar could speak, serve stops."""


def _load_voice(model: VoiceSource, config: Path | None, threads: int | None) -> Voice:
    from models.device import DeviceError
    from models.tts.piper_voice import PiperTTS

    if isinstance(model, HttpVoiceConfig):
        try:
            return HttpVoice(model)
        except VoiceError as exc:
            raise ConfigError(str(exc)) from exc
    if isinstance(model, EspeakSettings):
        return EspeakVoice(model)
    if model is not None and config is None and model.is_file() and not Path(f"{model}.json").is_file():
        raise ConfigError(f"voice {model}: its config {model}.json is missing: put the voice's .onnx.json "
                          "beside it or name it (voice_config:, --voice-config)")
    try:
        return PiperTTS(model, config, threads=threads)
    except DeviceError as exc:
        raise DeviceUnavailable(str(exc)) from exc
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    except Exception as exc:  # onnxruntime's or piper's own words for a file that is not a Piper voice
        raise ConfigError(f"voice {model}: not a Piper voice: {type(exc).__name__}: {str(exc)[:200]}") from exc


def connect_fleet(config: FleetConfig) -> FleetLink | None:
    """The link to the fleet at `config.address`; None (in-process models, a warning) when it cannot be reached and
    `config.fallback` allows. Raises ConfigError naming the address otherwise."""
    from bridge.fleet.client import FleetLink, FleetUnavailable

    try:
        return FleetLink.connect(config)
    except FleetUnavailable as exc:
        if not config.fallback:
            raise ConfigError(str(exc)) from None
        log.warning("fleet unavailable: in-process models", extra={"address": config.address, "reason": str(exc)})
        return None


def fleet_voices(fleet: FleetLink, load: LoadVoice) -> LoadVoice:
    """Piper voices said by the fleet's Synthesis (loaded in-process by `load` only for the fallback); an HTTP
    voice, already remote, an espeak-ng voice and a voice with its .onnx.json elsewhere than beside it stay as
    `load` makes them."""

    def remote(model: VoiceSource, config: Path | None) -> Voice:
        if isinstance(model, (HttpVoiceConfig, EspeakSettings)) or config is not None:
            return load(model, config)
        local = (lambda: load(model, None)) if fleet.config.fallback else None
        try:
            return fleet.voice(model, local)
        except VoiceError as exc:
            raise ConfigError(f"voice {model or 'bundled'} on the fleet at {fleet.config.address}: {exc}") from None

    return remote

def load_avatars(config: SidecarConfig, load: LoadVoice = load_voice
                 ) -> tuple[SidecarConfig, dict[str, Persona], dict[str, Voice]]:
    """The avatars whose persona and voice load, with those personas and voices; the config returned serves only
    them and lists the others (and those `load_config` skipped) in `skipped`, each logged as a warning. Each
    avatar's voice is its own (config or flag), else its persona's, else the bundled one; each file loads once.
    Raises ConfigError when no avatar is left."""
    personas, skipped = read_personas(config.avatars)
    loaded: dict[tuple[VoiceSource, Path | None], Voice | str] = {}
    voices: dict[str, Voice] = {}
    for avatar in config.avatars:
        if avatar.name not in personas:
            continue
        model = avatar.voice or personas[avatar.name].voice.model
        key = (model, avatar.voice_config if avatar.voice else None)
        if key not in loaded:
            try:
                loaded[key] = load(*key)
            except DeviceUnavailable:  # the sidecar's setting, not this avatar's mistake
                raise
            except ConfigError as exc:
                loaded[key] = str(exc)
        voice = loaded[key]
        if isinstance(voice, str):  # the voice the avatar names, or its persona's
            skipped.append(SkippedAvatar(avatar.name, avatar.problem("voice" if avatar.voice else "persona", voice)))
        else:
            voices[avatar.name] = voice
    config = replace(config, avatars=[a for a in config.avatars if a.name in voices],
                     skipped=[*config.skipped, *skipped])
    for left_out in config.skipped:
        log.warning("avatar skipped", extra={"avatar": left_out.name, "error": left_out.error})
    if not config.avatars:
        raise ConfigError("no avatar is left to serve: " + "; ".join(s.error for s in config.skipped))
    return config, {name: personas[name] for name in voices}, voices


#: How often open live audio streams are checked for running dry, gaps and timeouts (s): more often than frames go.
LIVE_CHECK_S = 0.01


class Sidecar:
    """Everything `serve` runs. `workers=False` synthesizes and tracks music inline on the caller's thread (an
    in-process sidecar for tests, bound to no socket). `mic`: a local audio source (serve --mic) that `mic_avatar`
    (default: the first) speaks live. `camera`: what serve --camera opened and asked for (puppet, kiosk)."""

    def __init__(self, config: SidecarConfig, voices: LoadVoice = load_voice, workers: bool = True,
                 mic: BlockSource | None = None, mic_avatar: str | None = None, camera: CameraSetup | None = None
                 ) -> None:
        check_security(config)
        if not config.names or len(set(config.names)) != len(config.names):
            raise ConfigError("avatar names must be given and unique")
        self.fleet = connect_fleet(config.ray) if config.ray is not None else None
        if self.fleet is not None:
            voices = fleet_voices(self.fleet, voices)
        config, personas, self.voices = load_avatars(config, voices)
        # An avatar without its own voice_style speaks as its persona's voice: settings say.
        config = replace(config, avatars=[replace(a, voice_style=a.voice_style or personas[a.name].voice.style())
                                          for a in config.avatars])
        for flag, name in (("--camera-avatar", camera.avatar if camera is not None else None),
                           ("--mic-avatar", mic_avatar)):
            if name is not None and name not in config.names:
                skipped = any(left_out.name == name for left_out in config.skipped)
                raise ConfigError(f"{flag} {name!r} is not served here; " + (
                    config.not_served(name) if skipped else f"avatars: {', '.join(config.names)}"))
        self.config = config
        self.run_id = new_run_id()  # in describe, every event and every take id: a restart is told by it
        self.clock = MonotonicClock()
        self.context = zmq.asyncio.Context()
        self.hub = Hub()
        self.loop: asyncio.AbstractEventLoop | None = None
        # The embedded engine composes answers on its own thread: a fan's question never holds up a tick (a CPU
        # waking from idle takes several times its 15 ms; a fleet's embedder waits on the network).
        self.compose_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compose") if workers else None
        self.dialogue = DialogueService({a.name: a.persona for a in config.avatars}, config.llm_url,
                                        config.llm_model, config.llm_key,
                                        {a.name: a.llm_first_sentence_s for a in config.avatars}, personas,
                                        self.fleet.embedder() if self.fleet is not None else None,
                                        self.compose_executor)
        if not VOICE_WORKERS[0] <= config.voice_workers <= VOICE_WORKERS[1]:
            raise ConfigError(f"voice_workers must be from {VOICE_WORKERS[0]} to {VOICE_WORKERS[1]}, got "
                              f"{config.voice_workers}")
        # Speech has its worker processes (each with its copy of the voices a process can load; none when no voice
        # can be) and a thread for the others; music its own thread (a dance never holds up speech, nor speech a
        # dance) and the beat tracker its own process: librosa's numba code holds the GIL for seconds.
        recipes = {recipe for voice in self.voices.values() if (recipe := recipe_of(voice)) is not None}
        # A fleet's voices wait on the network, not on a core: a thread for each avatar keeps them all asking.
        threads = len(config.avatars) if self.fleet is not None else 1
        # No more processes than avatars that speak in them: a take's pieces go one at a time, so one avatar keeps one
        # worker (with every core's thread) busy, never two.
        local = sum(recipe_of(voice) is not None for voice in self.voices.values())
        self.synthesis = Synthesis(min(config.voice_workers, local), recipes, threads=threads) if workers else None
        self.music_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="music") if workers else None
        # Live audio's face model has its own worker: a chunk never waits behind a sentence being synthesized.
        self.live_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live") if workers else None
        self.tracker = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=exit_with_parent, initargs=(os.getpid(),)) if workers else None
        self.post = post = self._post if workers else run_now
        self.pipeline = build_pipeline(
            config.avatars, lambda avatar: self.voices[avatar.name], self.hub, self.clock,
            frame_rate=config.frame_rate, lookahead=config.lookahead, chunk_samples=config.chunk_samples,
            seed=config.seed, synthesis=self.synthesis, post=post, gestures=GESTURES,
            music=MusicDesk(self.clock, self.music_executor, post, self.tracker, config.beat_tracker),
            run_id=self.run_id,
            live=self.live_executor, live_driver=self._fleet_live_driver() if self.fleet is not None else None)
        self.performer = self.pipeline.performer
        self.camera = CameraIn(self.pipeline.avatars, self.clock, post, process=workers)
        self.camera_setup = camera
        self.requests = RequestHandler(config, self.pipeline.avatars, self.dialogue, self.clock, self.run_id,
                                       camera=self.camera)
        self.outputs = self._outputs(config.avatars)
        self.mic = LocalAudioIn(mic, self.pipeline.avatars[mic_avatar or config.names[0]].live, post, "mic") \
            if mic is not None else None
        self.auth: Any = None
        self.control: zmq.asyncio.Socket | None = None
        self.stream: zmq.asyncio.Socket | None = None
        self.preview: PreviewServer | None = None
        if self.fleet is not None:
            self.fleet.listeners.append(self._on_fleet)

    # -- the fleet (docs/scaling.md) -----------------------------------------------------------------------------

    def _fleet_live_driver(self) -> Callable[[], AudioDriver]:
        assert self.fleet is not None
        fleet = self.fleet
        return functools.cache(lambda: AudioDriver(fleet.audio_face()))

    def _on_fleet(self, state: str, details: dict[str, Any]) -> None:
        """The link's state changed (on a worker thread): tell every avatar's stream, on the event loop."""
        self.post(self._fleet_event, state, details)

    def _fleet_event(self, state: str, details: dict[str, Any]) -> None:
        """A `fleet` event on every avatar's stream: the cluster was lost or is back."""
        for avatar in self.pipeline.avatars.values():
            avatar.timeline.event("fleet", self.clock.now(), None, state=state, **details)

    def _outputs(self, avatars: list[AvatarConfig]) -> list[Sink]:
        """One Live Link sink per address and one VMC sink per address and blend, each fed the avatars sent there
        (every message when it serves them all)."""
        livelink: dict[tuple[str, int], list[str]] = {}
        vmc: dict[tuple[tuple[str, int], str], list[str]] = {}
        try:
            for avatar in avatars:
                if avatar.livelink is not None:
                    livelink.setdefault(parse_address(avatar.livelink), []).append(avatar.name)
                if avatar.vmc is not None:
                    vmc.setdefault((parse_vmc_address(avatar.vmc), avatar.vmc_blend), []).append(avatar.name)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        rate = self.config.frame_rate
        sinks: list[tuple[Sink, list[str]]] = [
            *((LiveLinkSink(*address, frame_rate=rate), names) for address, names in livelink.items()),
            *((VmcSink(*address, blend=blend), names) for (address, blend), names in vmc.items())]
        return [sink if len(names) == len(avatars) else AvatarFilter(sink, names) for sink, names in sinks]

    def _post(self, fn: Callable[..., object], *args: object) -> None:
        """Run fn on the event loop (from a worker thread); dropped once the loop is gone."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn, *args)

    async def handle(self, raw: bytes, peer: str) -> bytes:
        return await self.requests.handle(raw, peer)

    # -- sockets -----------------------------------------------------------------------------------------------

    def bind(self) -> None:
        self.auth = start_authenticator(self.context, self.config)
        self.control = control = self.context.socket(zmq.ROUTER)
        control.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        control.setsockopt(zmq.ROUTER_MANDATORY, 0)
        control.linger = 0
        secure(control, self.config)
        self.stream = stream = self.context.socket(zmq.PUB)
        stream.sndhwm = SEND_HWM
        stream.linger = 0
        secure(stream, self.config)
        try:
            control.bind(self.config.control)
            stream.bind(self.config.stream)
        except zmq.ZMQError as exc:
            raise ConfigError(f"cannot bind ({exc}); is another sidecar running? pick other ports with "
                              "--control and --stream") from None
        self.hub.add(ZmqPubSink(stream))
        for sink in self.outputs:
            self.hub.add(sink)

    async def _control_loop(self) -> None:
        assert self.control is not None
        while True:
            frames = await self.control.recv_multipart()
            identity, body = frames[0], frames[1:]
            if len(body) != 1:
                reply = self.requests.reject(RequestError(
                    "malformed", f"a request is one frame, got {len(body)}; send from a DEALER socket"), None,
                    identity.hex())
            else:
                reply = await self.handle(bytes(body[0]), identity.hex())
            await self.control.send_multipart([identity, reply])

    async def run(self, ready: Callable[[], None] | None = None) -> None:
        self.loop = loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.dialogue.load, self.pipeline.avatars, self.clock, self._post)
        if self.tracker is not None:
            # numba compiles the beat tracker and madmom loads its networks now, not on the first dance
            self.tracker.submit(warm_up, self.config.beat_tracker)
        if self.synthesis is not None:  # the voice workers start and load their voices before the first `say`
            await asyncio.gather(*(asyncio.wrap_future(pid) for pid in self.synthesis.start()))
        self.bind()
        if self.config.preview_port is not None:
            try:
                self.preview = PreviewServer(self.handle, self.config.preview_host, self.config.preview_port,
                                             self.config.preview_token)
                await self.preview.start()
            except PreviewError as exc:
                self.close()
                raise ConfigError(str(exc)) from None
            self.requests.media = self.requests.media.with_root(self.preview.uploads)  # `dance` plays uploads
            self.hub.add(self.preview.sink)
        # Everything loaded so far (models, libraries: hundreds of thousands of objects) lives as long as the sidecar:
        # out of the collector's sight, a full collection no longer walks it and stalls the tick (95-310 ms with 8
        # hosts speaking, measured with gc.callbacks; audio chunks went out after their pts).
        gc.collect()
        gc.freeze()
        self._announce()
        log.info("serving", extra={"run": self.run_id, "control": self.config.control,
                                   "stream": self.config.stream, "avatars": self.config.names,
                                   "voices": {name: voice.name for name, voice in self.voices.items()},
                                   "frame_rate": self.config.frame_rate, "lookahead": self.config.lookahead,
                                   "preview": self.preview.url if self.preview is not None else None})
        for avatar in self.pipeline.avatars.values():
            avatar.live.warm_up()
        if self.mic is not None:
            self.mic.start()
        if self.camera_setup is not None:
            self.camera_setup.start(self.camera, self.dialogue.personas)
        if ready:
            ready()
        tasks = [asyncio.create_task(self.performer.run(self.clock), name="performer"),
                 asyncio.create_task(self._control_loop(), name="control"),
                 asyncio.create_task(self.dialogue.run(self.clock), name="dialogue"),
                 asyncio.create_task(self._check_live(), name="live")]
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
            if self.mic is not None:
                self.mic.source.stop()
            self.pipeline.stop()  # synthesis stops after the piece in progress
            self._end_takes()
            await asyncio.sleep(0.05)  # the preview's senders run once more: its clients hear the ends too
            for task in [*tasks, stopper]:
                task.cancel()
            await asyncio.gather(*tasks, stopper, return_exceptions=True)
            for signum in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signum)
            self.close()

    async def _check_live(self) -> None:
        """Gaps and timeouts of live audio streams."""
        while True:
            await asyncio.sleep(LIVE_CHECK_S)
            now = self.clock.now()
            for avatar in self.pipeline.avatars.values():
                avatar.live.check(now)
            self.camera.check(now)

    def _announce(self) -> None:
        """The stream's first message, per avatar: a `sidecar_started` event (seq 0) with the run id, so a
        subscriber connected before the start knows the numbering began again."""
        for avatar in self.pipeline.avatars.values():
            avatar.timeline.event("sidecar_started", self.clock.now(), None, protocol_version=PROTOCOL_VERSION,
                                  avatars=self.config.names)

    def _end_takes(self) -> None:
        """Cut every take that is playing or queued, so every client hears it end (an `interrupted` event)."""
        for avatar in self.pipeline.avatars.values():
            if avatar.timeline.takes:
                avatar.director.interrupt()

    def close(self) -> None:
        self.pipeline.stop()
        self.camera.close()
        if self.tracker is not None:
            # A tracker still compiling (numba: seconds, minutes on a busy machine) would hold the interpreter's
            # exit until it finished: end it now. ProcessPoolExecutor has no public way before Python 3.14.
            for process in list(getattr(self.tracker, "_processes", {}).values()):
                process.terminate()
        # Waits for the pieces being synthesized (a fraction of a second), so no worker posts to a closed loop.
        if self.synthesis is not None:
            self.synthesis.shutdown()
        for executor in (self.live_executor, self.music_executor, self.compose_executor, self.tracker):
            if executor is not None:
                executor.shutdown(wait=executor in (self.live_executor, self.compose_executor), cancel_futures=True)
        self.hub.close()
        if self.preview is not None:
            self.preview.close()
        if self.control is not None:
            self.control.close(linger=0)
        if self.auth is not None:
            self.auth.stop()
        self.context.term()
        if self.fleet is not None:
            self.fleet.close()

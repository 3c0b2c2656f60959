"""Face rig profiles: which of a rig's morph targets each of our face signals drives, as data files.

A profile (models/face/rigs/NAME.json, or any JSON file in the same shape) has up to four sections, each
mapping one of our names to the rig's morph (blendshape) name:

    "arkit":    ARKit channel (lower camel case, models.face.arkit) -> morph   from `face` frames' weights
    "visemes":  Oculus viseme (sil PP FF ... ou)                    -> morph   from the `phonemes` stream
    "emotions": emotion name (happy, sad, ...)                      -> morph   from the take's emotion
    "gaze":     up, down, left, right (the avatar's left)           -> morph   from `face` frames' eye angles

`check` says which morphs a profile drives that a rig lacks, so a mismatch is loud, never a frozen face.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from models.face.arkit import ARKIT_BLENDSHAPES
from models.face.emotion import EMOTIONS
from models.face.visemes import VISEMES

RIGS_DIR = Path(__file__).resolve().parent / "rigs"
#: What each section's keys may be.
SECTIONS: dict[str, tuple[str, ...]] = {
    "arkit": ARKIT_BLENDSHAPES,
    "visemes": VISEMES,
    "emotions": EMOTIONS,
    "gaze": ("up", "down", "left", "right"),
}


@dataclass(frozen=True)
class RigProfile:
    name: str
    description: str
    sections: dict[str, dict[str, str]]  # section -> our name -> rig morph

    def morphs(self) -> list[tuple[str, str, str]]:
        """(section, our name, rig morph) for everything the profile drives."""
        return [(section, ours, morph) for section, mapping in self.sections.items() for ours, morph in mapping.items()]


def profile_names() -> list[str]:
    """The bundled profiles."""
    return sorted(p.stem for p in RIGS_DIR.glob("*.json"))


def load_profile(name_or_path: str | Path) -> RigProfile:
    """A bundled profile by name, or a profile file. Raises ValueError naming the problem and where it is."""
    path = Path(name_or_path)
    if not path.suffix:
        path = RIGS_DIR / f"{name_or_path}.json"
        if not path.is_file():
            raise ValueError(f"unknown rig profile {str(name_or_path)!r}; bundled: {', '.join(profile_names())}, "
                             "or give a .json file")
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"cannot read rig profile {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a rig profile is a JSON object")
    sections: dict[str, dict[str, str]] = {}
    for section, mapping in doc.items():
        if section in ("name", "description"):
            continue
        if section not in SECTIONS:
            raise ValueError(f"{path}: unknown section {section!r}; sections: {', '.join(SECTIONS)}")
        if not isinstance(mapping, dict):
            raise ValueError(f"{path}: section {section!r} must map our names to morph names")
        for ours, morph in mapping.items():
            if ours not in SECTIONS[section]:
                raise ValueError(f"{path}: {section} has no {ours!r}; known: {', '.join(SECTIONS[section])}")
            if not isinstance(morph, str) or not morph:
                raise ValueError(f"{path}: {section}.{ours} must be a morph name (a non-empty string)")
        sections[section] = dict(mapping)
    if not sections:
        raise ValueError(f"{path}: the profile maps nothing; give at least one of {', '.join(SECTIONS)}")
    return RigProfile(str(doc.get("name", path.stem)), str(doc.get("description", "")), sections)


def read_names(path: str | Path) -> list[str]:
    """Morph names a rig has: one per line (blank lines and # comments skipped), or a JSON list of strings."""
    text = Path(path).read_text()
    if text.lstrip().startswith("["):
        names = json.loads(text)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{path}: a JSON names file is a list of strings")
        return names
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class RigCheck:
    missing: list[tuple[str, str, str]]  # (section, our name, rig morph) the rig lacks
    unused: list[str]  # rig morphs the profile does not drive (fine, but worth a look)
    driven: int  # morphs the profile drives

    @property
    def ok(self) -> bool:
        return not self.missing


def check(profile: RigProfile, names: list[str]) -> RigCheck:
    """Compare what a profile drives with the morphs a rig has (exact names: engines match them exactly)."""
    have = set(names)
    wanted = profile.morphs()
    driven = {morph for _, _, morph in wanted}
    return RigCheck(missing=[m for m in wanted if m[2] not in have],
                    unused=[n for n in names if n not in driven], driven=len(driven))

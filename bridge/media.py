"""The files a request may name: `show load`'s rundown, the persona and music a rundown names, `dance`'s music.

A request names a path on the sidecar's disk, so without a policy a client reads whatever the sidecar can: a
rundown error quoted the first line of /etc/shadow, a FIFO froze the event loop for seconds and /dev/zero ran it
out of memory. `MediaDirs.open` is the one way such a path is opened: it must be a regular file inside a folder
the operator allowed (`--media-dir`, config key `media_dirs`), within the size cap of its kind; it is opened
without blocking and checked again on the open file, so a FIFO swapped in after the check cannot hang the
sidecar. Callers read off the event loop (`asyncio.to_thread`). Errors name the request field, the limit and
what to do, and never quote the file: a rundown's mistakes are reported by line and kind of problem.

Files the operator names at startup (`--persona`, `render --show`, the config file) are trusted and read as
named, with errors that quote them (models/dialogue/spec.py).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, TypeVar

from models.dialogue.persona import Persona, parse_persona
from models.dialogue.show import Rundown, RundownFiles, parse_rundown
from models.dialogue.spec import MAX_SPEC_BYTES, Node, SpecError
from models.errors import RequestError

MediaKind = Literal["rundown", "persona", "music", "video"]
T = TypeVar("T")
#: The package's examples (sample shows and music): a media folder by default.
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
#: Largest music file a request may name (a 10-minute 48 kHz stereo WAV is 110 MiB); also the upload limit.
MAX_MUSIC_BYTES = 128 << 20
#: Largest video (or image) file the camera may play for a request: an hour of 1080p at 8 Mbit/s.
MAX_VIDEO_BYTES = 4 << 30
DEFAULT_CAPS: dict[str, int] = {"rundown": MAX_SPEC_BYTES, "persona": MAX_SPEC_BYTES, "music": MAX_MUSIC_BYTES,
                                "video": MAX_VIDEO_BYTES}
#: Each kind's error code: the code clients already branch on for a bad file of that kind.
_CODES = {"rundown": "bad_rundown", "persona": "bad_rundown", "music": "bad_music", "video": "bad_source"}
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def default_media_dirs() -> list[Path]:
    """The media folders when the operator names none: the working folder's `media/` and the examples."""
    return [Path.cwd() / "media", EXAMPLES_DIR]


@dataclass(frozen=True)
class MediaDirs:
    """The folders requests may read files from (symlinks resolved) and the size cap of each kind, in bytes."""

    roots: tuple[Path, ...]
    caps: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_CAPS))

    @classmethod
    def of(cls, folders: Sequence[Path]) -> MediaDirs:
        """The given folders (none: `default_media_dirs()`), resolved."""
        return cls(tuple(Path(os.path.realpath(folder)) for folder in folders or default_media_dirs()))

    def with_root(self, folder: Path) -> MediaDirs:
        """These folders and one more (the preview's upload folder)."""
        return MediaDirs((*self.roots, Path(os.path.realpath(folder))), self.caps)

    def describe(self) -> dict[str, object]:
        return {"folders": [str(root) for root in self.roots], "max_bytes": dict(self.caps)}

    def open(self, requested: str | Path, kind: MediaKind, field: str,
             base: Path | None = None) -> tuple[Path, BinaryIO]:
        """Open the file a request names, for reading: its resolved path and the open file. A relative path is
        looked up in each media folder in turn, then in the working folder (in `base` when a file names it
        relative to itself); wherever it is found, it must lie in a media folder. Raises
        RequestError(the kind's code, or not_allowed; `field`)."""
        what = f"{kind} file"
        path = self._find(Path(requested), kind, field, base)
        try:
            self._check(os.stat(path), kind, field)
            # O_NONBLOCK: a FIFO put in its place since the stat opens at once (and fails the check below).
            fd = os.open(path, _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise _error(kind, field, f"cannot read the {what} ({exc.strerror})") from None
        try:
            self._check(os.fstat(fd), kind, field)
            os.set_blocking(fd, True)
            return path, os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def read(self, requested: str | Path, kind: MediaKind, field: str,
             base: Path | None = None) -> tuple[Path, bytes]:
        """The file's resolved path and bytes (blocking I/O: call it off the event loop)."""
        cap = self.caps[kind]
        path, file = self.open(requested, kind, field, base)
        with file:
            data = file.read(cap + 1)
        if len(data) > cap:  # it grew since the check
            raise _too_large(kind, field, len(data), cap)
        return path, data

    def check(self, requested: str | Path, kind: MediaKind, field: str, base: Path | None = None) -> Path:
        """The resolved path of a file that `open` accepts, for a reader that opens it later by that path."""
        path, file = self.open(requested, kind, field, base)
        file.close()
        return path

    def _find(self, requested: Path, kind: MediaKind, field: str, base: Path | None) -> Path:
        """The first candidate that exists, resolved (links and `..`), when it lies in a media folder."""
        if requested.is_absolute():
            candidates = [requested]
        elif base is not None:
            candidates = [base / requested]
        else:  # each media folder, then the working folder (`examples/shows/x.yaml` typed where serve runs)
            candidates = [*(root / requested for root in self.roots), Path.cwd() / requested]
        resolved = [(candidate, _resolve(candidate)) for candidate in candidates]
        for candidate, path in resolved:
            if os.path.lexists(candidate):  # the first that is there: it is the file meant, allowed or not
                if not self._allowed(path):
                    raise _not_allowed(kind, field)
                return path
        if not any(self._allowed(path) for _, path in resolved):
            raise _not_allowed(kind, field)  # the same answer as when it is there: no probing outside
        where = "a path relative to the rundown" if base is not None else \
            "an absolute path or one relative to a media folder (describe lists them under media.folders)"
        raise _error(kind, field, f"{kind} file not found: give {where}")

    def _allowed(self, path: Path) -> bool:
        return any(path.is_relative_to(root) for root in self.roots)

    def _check(self, info: os.stat_result, kind: MediaKind, field: str) -> None:
        what = f"{kind} file"
        if stat.S_ISDIR(info.st_mode):
            raise _error(kind, field, f"the {what} is a folder: name a file inside it")
        if not stat.S_ISREG(info.st_mode):
            raise _error(kind, field, f"the {what} is {_file_type(info.st_mode)}, not a regular file: copy the "
                                      "data into a file in a media folder")
        if info.st_size == 0:
            raise _error(kind, field, f"the {what} is empty (0 bytes)")
        if info.st_size > self.caps[kind]:
            raise _too_large(kind, field, info.st_size, self.caps[kind])


def read_rundown(media: MediaDirs, requested: str, persona: Persona | None,
                 personas: Mapping[str, Persona] | None = None) -> Rundown:
    """A rundown a request names, its persona and music read through `media` (blocking: call it off the event
    loop); `personas`: the sidecar's avatars', for hosts the rundown declares without a persona file. A mistake in
    it is a RequestError("bad_rundown", field "file") giving the line and the kind of problem, never the file's
    text."""
    path, data = media.read(requested, "rundown", "file")
    try:
        return parse_rundown(_text(data, requested, "rundown"), requested, path.parent, persona, _MediaFiles(media),
                             personas)
    except SpecError as exc:
        raise RequestError("bad_rundown", without_text(exc), "file") from None


class _MediaFiles(RundownFiles):
    """A requested rundown's persona and music, through the media policy; relative to the rundown's folder."""

    def __init__(self, media: MediaDirs) -> None:
        self.media = media

    def persona(self, node: Node, path: Path) -> tuple[Persona, Path]:
        resolved, data = self._media(node, lambda: self.media.read(path, "persona", node.path, path.parent))
        name = "the rundown's persona"
        return parse_persona(_text(data, name, "persona"), name), resolved

    def music(self, node: Node, path: Path) -> Path:
        return self._media(node, lambda: self.media.check(path, "music", node.path, path.parent))

    @staticmethod
    def _media(node: Node, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except RequestError as exc:  # its code (not_allowed stays), the rundown's line, the policy's message
            raise RequestError(exc.code, f"{node.file}: line {node.line}: {exc.message}", "file") from None


def without_text(error: SpecError) -> str:
    """A SpecError told without the file's text: the file as requested, the line, the field (the parent of an
    unknown key) and the kind of problem, with quoted values and what was found ("got ...") left out."""
    field = error.field
    if error.message.startswith(("unknown field", "duplicate key", "keys must")):
        field = re.sub(r"\.?[^.\[\]]*$", "", field)
    problem = re.sub(r", got .*$", "", error.message, flags=re.S)
    problem = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "(not shown)", problem)
    where = f"{error.file}: line {error.line}" if error.line else error.file
    return f"{where}: {field}: {problem}" if field else f"{where}: {problem}"


def _text(data: bytes, name: str, kind: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(name, data[: exc.start].count(b"\n") + 1, "", f"{kind} file is not UTF-8 text") from None


def _resolve(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _not_allowed(kind: MediaKind, field: str) -> RequestError:
    return RequestError("not_allowed", f"{field}: the {kind} file is outside the media folders this sidecar may "
                                       "read; put it in one of them (describe lists them under media.folders) or "
                                       "start the sidecar with --media-dir FOLDER", field)


def _error(kind: MediaKind, field: str, message: str) -> RequestError:
    return RequestError(_CODES[kind], f"{field}: {message}", field)


def _too_large(kind: MediaKind, field: str, size: int, cap: int) -> RequestError:
    return _error(kind, field, f"the {kind} file has {size} bytes; the limit is {cap} bytes ({cap / 2**20:g} MiB)"
                               f"{': cut or compress it' if kind == 'music' else ''}")


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"

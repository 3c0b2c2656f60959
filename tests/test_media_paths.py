"""Paths a request names (`show load`, `dance`, a rundown's persona and music): only regular files under the media
folders, size-capped, read off the event loop, never quoted back (bridge/media.py). A real sidecar as a
subprocess with one `--media-dir`, and the config's key in this process."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
import soundfile
from websockets.asyncio.client import connect

from bridge.cli import _serve_config, build_parser
from bridge.client import BridgeClient, BridgeError
from bridge.config import ConfigError, load_config
from bridge.media import MAX_MUSIC_BYTES, MediaDirs, default_media_dirs
from bridge.protocol import DanceRequest, PingRequest, Request, ShowRequest
from models.body.metrics import click_track
from models.dialogue.spec import MAX_SPEC_BYTES, SpecError
from models.errors import RequestError
from tests.conftest import ROOT, start_sidecar, stop_sidecar

RUNDOWN = """title: Media test
segments:
  - id: hello
    type: line
    text: Hello there.
  - id: groove
    type: dance
    music: beat.wav
"""


#: The preview's token for the sidecar of these tests (a script connects with the token and no Origin).
PREVIEW_TOKEN = "media-paths-test-token"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the media folder, a folder beside it the sidecar may not read), with a good rundown and music in the first
    and a good rundown in the second."""
    base = tmp_path_factory.mktemp("paths")
    media, outside = base / "media", base / "outside"
    media.mkdir()
    outside.mkdir()
    audio, _ = click_track(120.0, 4.0, 22050)
    soundfile.write(media / "beat.wav", audio, 22050)
    (media / "show.yaml").write_text(RUNDOWN)
    (outside / "show.yaml").write_text(RUNDOWN.replace("music: beat.wav", "duration: 2"))
    soundfile.write(outside / "beat.wav", audio, 22050)
    return media, outside


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def preview_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def client(folders: tuple[Path, Path], preview_port: int,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeClient]:
    running = start_sidecar(tmp_path_factory.mktemp("sidecar"), "--media-dir", str(folders[0]),
                            "--preview-port", str(preview_port), "--preview-token", PREVIEW_TOKEN)
    try:
        with BridgeClient(running.control, running.stream, timeout=5.0) as c:
            yield c
    finally:
        stop_sidecar(running)


def refused(client: BridgeClient, request: Request) -> BridgeError:
    with pytest.raises(BridgeError) as error:
        client.request(request)
    return error.value


def load(file: str | Path) -> ShowRequest:
    return ShowRequest(action="load", file=str(file))


def test_a_file_outside_the_media_folders_is_refused_and_not_quoted(client: BridgeClient) -> None:
    for request, field in ((load("/etc/passwd"), "file"), (DanceRequest(music="/etc/passwd"), "music")):
        error = refused(client, request)
        assert (error.code, error.field) == ("not_allowed", field)
        assert "--media-dir" in error.message and "media.folders" in error.message
        for line in Path("/etc/passwd").read_text().splitlines():
            assert line not in error.message
        assert "root:" not in error.message


def test_dot_dot_and_links_cannot_leave_the_media_folders(client: BridgeClient, folders: tuple[Path, Path]) -> None:
    media, outside = folders
    (media / "escape.yaml").symlink_to(outside / "show.yaml")
    (media / "escape.wav").symlink_to(outside / "beat.wav")
    for request in (load(media / ".." / "outside" / "show.yaml"), load("../outside/show.yaml"),
                    load(media / "escape.yaml"), load("escape.yaml"),
                    DanceRequest(music="../outside/beat.wav"), DanceRequest(music=str(media / "escape.wav"))):
        assert refused(client, request).code == "not_allowed", request


def test_a_fifo_is_refused_at_once_and_the_sidecar_keeps_answering(client: BridgeClient,
                                                                     folders: tuple[Path, Path]) -> None:
    fifo = folders[0] / "live.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    error = refused(client, load(fifo))
    assert time.monotonic() - start < 2.0
    assert (error.code, error.field) == ("bad_rundown", "file") and "pipe (FIFO), not a regular file" in error.message
    os.mkfifo(folders[0] / "live.mp3")
    assert "pipe (FIFO)" in refused(client, DanceRequest(music=str(folders[0] / "live.mp3"))).message
    start = time.monotonic()
    client.request(PingRequest(t_client=1.0))  # answered: the loop was not blocked
    assert time.monotonic() - start < 1.0


def test_a_device_is_refused(client: BridgeClient, folders: tuple[Path, Path]) -> None:
    (folders[0] / "zero.yaml").symlink_to("/dev/zero")
    for file in ("/dev/zero", "zero.yaml"):
        error = refused(client, load(file))
        assert error.code == "not_allowed" and "MemoryError" not in error.message


def test_a_device_in_a_media_folder_is_refused_before_it_is_read() -> None:
    start = time.monotonic()
    with pytest.raises(RequestError) as error:
        MediaDirs.of([Path("/dev")]).read("zero", "rundown", "file")  # read: memory until MemoryError
    assert (error.value.code, error.value.field) == ("bad_rundown", "file")
    assert "the rundown file is a device, not a regular file" in error.value.message
    assert time.monotonic() - start < 1.0


def test_files_over_the_cap_are_refused_naming_the_limit(client: BridgeClient, folders: tuple[Path, Path]) -> None:
    big = folders[0] / "long.wav"
    with big.open("wb") as out:
        out.truncate(MAX_MUSIC_BYTES + 1)  # sparse: no disk
    error = refused(client, DanceRequest(music=str(big)))
    assert (error.code, error.field) == ("bad_music", "music")
    assert f"has {MAX_MUSIC_BYTES + 1} bytes; the limit is {MAX_MUSIC_BYTES} bytes (128 MiB)" in error.message
    (folders[0] / "long.yaml").write_text("#" * (MAX_SPEC_BYTES + 1))
    assert "the limit is 2097152 bytes (2 MiB)" in refused(client, load(folders[0] / "long.yaml")).message


def test_an_empty_file_and_a_folder_say_what_they_are(client: BridgeClient, folders: tuple[Path, Path]) -> None:
    (folders[0] / "silence.mp3").touch()
    error = refused(client, DanceRequest(music=str(folders[0] / "silence.mp3")))
    assert (error.code, error.field) == ("bad_music", "music") and "music file is empty (0 bytes)" in error.message
    (folders[0] / "album.mp3").mkdir()
    assert "music file is a folder" in refused(client, DanceRequest(music=str(folders[0] / "album.mp3"))).message
    assert "rundown file is a folder" in refused(client, load(folders[0])).message
    assert "music file not found" in refused(client, DanceRequest(music="none.mp3")).message


def test_a_bad_rundown_gives_its_line_but_not_its_text(client: BridgeClient, folders: tuple[Path, Path]) -> None:
    (folders[0] / "secret.yaml").write_text("root:x:0:0:the-secret-line\n")
    error = refused(client, load(folders[0] / "secret.yaml"))
    assert error.code == "bad_rundown" and "line 1" in error.message and "must be a mapping" in error.message
    assert "the-secret-line" not in error.message
    (folders[0] / "typo.yaml").write_text(RUNDOWN.replace("type: line", "type: tango-secret"))
    error = refused(client, load(folders[0] / "typo.yaml"))
    assert "line 4" in error.message and "segments[0].type: unknown value" in error.message
    assert "tango" not in error.message.replace("typo.yaml", "")
    # A persona or music the rundown names goes through the same policy, reported at its line.
    (folders[0] / "leaky.yaml").write_text("title: x\npersona: ../outside/show.yaml\nsegments: []\n")
    error = refused(client, load(folders[0] / "leaky.yaml"))
    assert (error.code, error.field) == ("not_allowed", "file")
    assert "line 2: persona: the persona file is outside the media folders" in error.message
    (folders[0] / "leaky2.yaml").write_text(RUNDOWN.replace("beat.wav", "/dev/zero"))
    error = refused(client, load(folders[0] / "leaky2.yaml"))
    assert error.code == "not_allowed" and "line 8: segments[1].music: the music file is outside" in error.message
    (folders[0] / "binary.yaml").write_bytes(b"title: x\n\xff\xfe secret\n")
    error = refused(client, load(folders[0] / "binary.yaml"))
    assert "line 2: rundown file is not UTF-8 text" in error.message and "secret" not in error.message


def test_a_good_rundown_and_music_in_the_media_folder_still_work(client: BridgeClient,
                                                                  folders: tuple[Path, Path]) -> None:
    status = client.request(load("show.yaml"))  # relative: looked up in the media folders
    assert [segment["id"] for segment in status["segments"]] == ["hello", "groove"]
    assert client.request(DanceRequest(music="beat.wav"))["take"]
    assert client.request(DanceRequest(music=str(folders[0] / "beat.wav")))["take"]
    media = client.describe()["media"]
    assert media["folders"][0] == str(folders[0].resolve()) and media["max_bytes"]["music"] == MAX_MUSIC_BYTES
    assert len(media["folders"]) == 2  # and the preview's upload folder


def test_media_dirs_come_from_the_config_file_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "music").mkdir()
    path = tmp_path / "sidecar.yaml"
    path.write_text("media_dirs: [music]\n")
    assert load_config(path).media_dirs == [tmp_path / "music"]
    path.write_text("media_dirs: [nowhere]\n")
    with pytest.raises(SpecError, match="1: media_dirs\\[0\\]: folder not found"):
        load_config(path)
    assert MediaDirs.of([]).roots == tuple(p.resolve() for p in default_media_dirs())


def test_by_default_the_examples_load_as_typed_where_serve_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    media = MediaDirs.of([])
    sample = (ROOT / "examples" / "shows" / "sample_show.yaml").resolve()
    assert media.check("examples/shows/sample_show.yaml", "rundown", "file") == sample
    assert media.check("shows/sample_show.yaml", "rundown", "file") == sample
    with pytest.raises(RequestError) as error:
        media.check("README.md", "rundown", "file")  # in the working folder, but no media folder
    assert error.value.code == "not_allowed"


def test_music_uploaded_through_the_preview_can_be_danced_to(client: BridgeClient, preview_port: int) -> None:
    """The preview's upload folder is a media folder: the path its upload reply names plays."""
    wav = io.BytesIO()
    soundfile.write(wav, click_track(120.0, 4.0, 22050)[0], 22050, format="WAV")
    data = wav.getvalue()

    async def upload() -> dict:
        async with connect(f"ws://127.0.0.1:{preview_port}/upload?token={PREVIEW_TOKEN}") as ws:
            await ws.send(msgpack.packb({"name": "theme.wav", "size": len(data)}))
            await ws.send(data)
            return dict(msgpack.unpackb(await asyncio.wait_for(ws.recv(), 5), raw=False))

    reply = asyncio.run(upload())
    assert reply["ok"] is True, reply
    assert client.request(DanceRequest(music=reply["path"]))["take"]


def test_media_dir_flags_replace_the_files_folders_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "music").mkdir()
    config = tmp_path / "sidecar.yaml"
    config.write_text("media_dirs: [.]\n")
    args = build_parser().parse_args(["serve", "--config", str(config), "--media-dir", str(tmp_path / "music")])
    assert _serve_config(args).media_dirs == [tmp_path / "music"]
    with pytest.raises(ConfigError, match="--media-dir .*nowhere: folder not found"):
        _serve_config(build_parser().parse_args(["serve", "--media-dir", str(tmp_path / "nowhere")]))

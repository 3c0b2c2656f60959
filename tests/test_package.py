"""The installable package: the committed preview bundle is what `make web` builds, the wheel carries the page, and
a wheel installed into a fresh virtual environment (no source tree on its path, matplotlib absent) serves the
preview and renders a take without the contact sheet. The sidecar never imports matplotlib."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port_pair

WEB = ROOT / "engine_plugins" / "web"
STATIC = ROOT / "bridge" / "preview" / "static"
#: The built page, as bridge/preview/server.py serves it: path, content type.
PAGE_FILES = {"index.html": "text/html; charset=utf-8", "preview.js": "text/javascript", "style.css": "text/css"}
#: Goes into the fresh environment's site-packages: matplotlib cannot be imported there, as without the tools extra.
NO_MATPLOTLIB_PTH = "import sys; sys.modules['matplotlib'] = None\n"


def test_the_committed_preview_bundle_is_what_make_web_builds(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "esbuild").is_dir():
        pytest.fail(f"rebuilding the preview needs node and the npm packages in {WEB / 'node_modules'}: run "
                    "`make deps`", pytrace=False)
    result = subprocess.run([node, "build.mjs", str(tmp_path)], cwd=WEB, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    built = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in STATIC.iterdir())
    _, stale, _ = filecmp.cmpfiles(tmp_path, STATIC, built, shallow=False)
    assert built == committed and not stale, (
        f"bridge/preview/static/ is stale ({', '.join(stale) or f'{committed} != {built}'} differ from a build of "
        "engine_plugins/web): run `make web` and commit bridge/preview/static/")


def test_importing_the_sidecar_and_its_cli_never_imports_matplotlib() -> None:
    code = ("import sys, bridge.server, bridge.cli, bridge.preview, bridge.render; "
            "print(sorted(m for m in sys.modules if m.partition('.')[0] == 'matplotlib'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@dataclass
class FreshInstall:
    wheel: Path
    python: Path
    bin: Path
    home: Path  # a folder outside the repository: the cwd of everything run from this environment

    def env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")} | {
            "PYTHONUNBUFFERED": "1", "PATH": f"{self.bin}:/usr/bin:/bin"}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=self.home, env=self.env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> FreshInstall:
    """The project's wheel (built from this tree) installed with --no-deps into a new venv; the dependencies come
    from this environment's site-packages through a .pth line, which neither processes this environment's .pth files
    (so its editable install of the source tree is not active) nor adds the repository."""
    root = tmp_path_factory.mktemp("package")
    wheels, home = root / "wheels", root / "home"
    home.mkdir()
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = wheels.glob("avatar_bridge-*.whl")
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (site / "without_matplotlib.pth").write_text(NO_MATPLOTLIB_PTH)
    return FreshInstall(wheel, python, root / "venv" / "bin", home)


def test_the_wheel_carries_the_built_page_the_rigs_and_the_tools(fresh_install: FreshInstall) -> None:
    names = set(zipfile.ZipFile(fresh_install.wheel).namelist())
    for name in PAGE_FILES:
        assert f"bridge/preview/static/{name}" in names, sorted(n for n in names if "preview" in n)
    assert {"models/face/rigs/arkit.json", "avatar_tools/contact_sheet.py", "models/face/data/audio_face.onnx",
            "models/face/data/audio_face.md", "models/dialogue/data/default_persona.yaml",
            "models/dialogue/data/zh_persona.yaml",  # the sample personas: --persona sample:en, sample:zh
            "models/dialogue/data/meanings_en.yaml", "models/dialogue/data/chat_languages.yaml",
            *(f"models/dialogue/data/reader_{head}_minilm.npz" for head in ("policy", "mood", "show"))} <= names
    assert not any(n.startswith(("engine_plugins/", "tests/", "node_modules/")) for n in names)


def test_the_fresh_environment_imports_the_installed_package_not_the_source_tree(fresh_install: FreshInstall) -> None:
    code = ("import sys, bridge, bridge.preview.server as s; "
            "print(bridge.__file__); print(s.STATIC_DIR); "
            "print(any(m.startswith('__editable__') for m in sys.modules)); "
            "print(any(p.rstrip('/') == sys.argv[1] for p in sys.path))")
    result = fresh_install.run(str(fresh_install.python), "-c", code, str(ROOT))
    assert result.returncode == 0, result.stderr
    bridge_file, static_dir, editable_finder, repository_on_path = result.stdout.split("\n")[:4]
    venv_dir = fresh_install.python.parent.parent
    assert Path(bridge_file).is_relative_to(venv_dir) and Path(static_dir).is_relative_to(venv_dir)
    assert (Path(static_dir) / "preview.js").is_file()
    assert editable_finder == "False" and repository_on_path == "False"
    assert fresh_install.run(str(fresh_install.python), "-c", "import matplotlib").returncode != 0


@pytest.fixture
def installed_sidecar(fresh_install: FreshInstall) -> Iterator[tuple[str, str]]:
    """`avatar-bridge serve --preview-port` from the fresh environment, cwd outside the repository; yields the
    preview's URL and the log so far."""
    control, stream = free_port_pair()
    preview, _ = free_port_pair()
    log = fresh_install.home / f"serve-{control}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(fresh_install.bin / "avatar-bridge"), "--log-format", "text", "serve",
             "--control", f"tcp://127.0.0.1:{control}", "--stream", f"tcp://127.0.0.1:{stream}",
             "--preview-port", str(preview)],
            cwd=fresh_install.home, env=fresh_install.env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while "avatar-bridge serving" not in log.read_text():
            assert process.poll() is None, f"the installed sidecar exited with {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the installed sidecar did not start in 90 s:\n{log.read_text()}"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{preview}/", log.read_text()
    finally:
        process.terminate()
        try:
            returncode = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert returncode == 0, f"the installed sidecar stopped with {returncode}:\n{log.read_text()}"


def test_the_installed_sidecar_serves_the_preview_page_and_bundle(installed_sidecar: tuple[str, str]) -> None:
    url, log = installed_sidecar
    assert f"preview: open {url}" in log
    for name, content_type in PAGE_FILES.items():
        with urllib.request.urlopen(url + ("" if name == "index.html" else name), timeout=10) as response:
            body = response.read()
            assert response.status == 200 and response.headers["Content-Type"] == content_type, name
            assert len(body) > (100_000 if name == "preview.js" else 1000), name
    with urllib.request.urlopen(url + "rigs.json", timeout=10) as response:
        assert response.status == 200 and b'"arkit"' in response.read()


def test_render_without_matplotlib_writes_the_take_and_says_how_to_get_the_png(fresh_install: FreshInstall) -> None:
    out = fresh_install.home / "render"
    result = fresh_install.run(str(fresh_install.bin / "avatar-bridge"), "render", "Hi everyone!", "-o", str(out),
                               timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.name for p in out.iterdir()} >= {"take.wav", "take.json", "take.livelink.csv", "take.bvh"}
    assert not (out / "take.png").exists()
    hints = [line for line in result.stderr.splitlines() if "take.png" in line]
    assert hints == ["take.png not written (matplotlib is missing): pip install 'avatar-bridge[tools]'"]


def test_the_installed_package_loads_its_audio_to_face_model(fresh_install: FreshInstall) -> None:
    code = ("import numpy as np, models.face.audio_face as a; m = a.AudioFaceModel(); "
            "print(a.__file__); print(m.frames_of(np.zeros(16000, np.float32)).shape)")
    result = fresh_install.run(str(fresh_install.python), "-c", code)
    assert result.returncode == 0, result.stderr
    module_file, shape = result.stdout.splitlines()[:2]
    assert str(ROOT) not in module_file and shape == "(101, 33)"

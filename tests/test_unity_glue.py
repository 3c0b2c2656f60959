"""The Unity glue (Runtime/Unity, the sample's scripts) compiled here against UnityEngine stubs generated from Unity's
C# reference source (engine_plugins/unity/unity_api): a call with a wrong signature fails here as it would in Unity.

The stubs are committed, so the compile needs no network and no Unity; regenerating them needs a clone of
UnityCsReference (UNITY_CS_REFERENCE, or the mirror `fetch` makes) and is checked when one is present.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.test_engine_cores import CS_CORE, CS_TESTS, ROOT, _require, _run

UNITY = ROOT / "engine_plugins" / "unity"
PACKAGE = UNITY / "com.avatarbridge.unity"
UNITY_API = UNITY / "unity_api"
MCS = ["mcs", "-langversion:7", "-warnaserror+", "-nologo", "-target:library"]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unity_api_generate", UNITY_API / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


GENERATE = _generator()


def _glue_sources() -> list[str]:
    runtime = PACKAGE / "Runtime"
    return [str(p) for p in (*sorted(CS_CORE.glob("*.cs")), *sorted((runtime / "Unity").glob("*.cs")),
                             *sorted((runtime / "Transport").glob("*.cs")), *sorted(PACKAGE.glob("Samples~/*/*.cs")))]


@pytest.fixture(scope="module", params=GENERATE.VERSIONS)
def unity_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """UnityEngine.dll of one Unity version, compiled from the committed stubs: the glue sees only its public API."""
    _require("mcs")
    dll = tmp_path_factory.mktemp(f"unity-{request.param}") / "UnityEngine.dll"
    _run(["mcs", "-langversion:7", "-nologo", "-target:library", f"-out:{dll}",
          str(GENERATE.output_path(request.param))], f"UnityEngine {request.param} stubs build")
    return dll


def test_stubs_are_headed_with_their_source() -> None:
    for version in GENERATE.VERSIONS:
        header = GENERATE.output_path(version).read_text().splitlines()[:3]
        assert "do not edit" in header[0]
        assert f"{GENERATE.SOURCE_REPO} at " in header[1] and f"(Unity {version}." in header[1]
    # The package must not ship them: Unity would compile a second UnityEngine into the project.
    assert not list(PACKAGE.rglob("*.generated.cs"))


def test_unity_glue_compiles_against_unity_api(unity_engine: Path, tmp_path: Path) -> None:
    """Core, components and the sample, as Unity compiles them without NetMQ."""
    _run([*MCS, f"-r:{unity_engine}", f"-out:{tmp_path / 'AvatarBridge.Runtime.dll'}", *_glue_sources()],
         f"the Unity glue against {unity_engine.parent.name}")


def test_unity_glue_compiles_with_netmq_transport(unity_engine: Path, tmp_path: Path) -> None:
    """The same with AVATARBRIDGE_NETMQ: the client registers the NetMQ transport (declared by core_tests/netmq_api)."""
    netmq = [str(p) for p in sorted((CS_TESTS / "netmq_api").glob("*.cs"))]
    _run([*MCS, "-define:AVATARBRIDGE_NETMQ", f"-r:{unity_engine}", f"-out:{tmp_path / 'glue.dll'}",
          *_glue_sources(), *netmq], f"the Unity glue with NetMQ against {unity_engine.parent.name}")


_RIGHT = """
    var animator = GetComponent<Animator>();
    Transform head = animator.GetBoneTransform(HumanBodyBones.Head);
    int rate = AudioSettings.outputSampleRate;
    AudioSettings.OnAudioConfigurationChanged += changed => { };
"""

# (a wrong line in a MonoBehaviour's method, the compiler error it must raise)
_WRONG = {
    "bone by name": ('Transform head = GetComponent<Animator>().GetBoneTransform("Head");', "CS1503"),
    "rate as a method": ("int rate = AudioSettings.outputSampleRate();", "CS1955"),
    "rate as a float handler": ("AudioSettings.OnAudioConfigurationChanged += (float f) => { };", "CS1661"),
    "a removed member": ("Animator.GetBoneTransformInternal(0);", "CS0117"),
    "an obsolete method": ("AudioSettings.SetDSPBufferSize(256, 4);", "CS0618"),
    "a private constructor": ("var clip = new AudioClip();", "CS0122"),
}


def _behaviour(body: str, path: Path) -> Path:
    path.write_text(f"using UnityEngine;\npublic sealed class Probe : MonoBehaviour\n{{\n"
                    f"    [Range(0f, 1f)] public float weight;\n    private void Start()\n    {{\n{body}\n    }}\n}}\n")
    return path


def test_a_right_snippet_compiles(unity_engine: Path, tmp_path: Path) -> None:
    """The control for the next test: the probe around each wrong line compiles when the line is right."""
    _run([*MCS, "-nowarn:219", f"-r:{unity_engine}", f"-out:{tmp_path / 'probe.dll'}",
          str(_behaviour(_RIGHT, tmp_path / "Probe.cs"))], "the right probe")


@pytest.mark.parametrize("case", sorted(_WRONG))
def test_a_wrong_signature_fails_to_compile(unity_engine: Path, tmp_path: Path, case: str) -> None:
    line, error = _WRONG[case]
    probe = _behaviour(f"        {line}", tmp_path / "Probe.cs")
    result = subprocess.run([*MCS, "-nowarn:219", f"-r:{unity_engine}", f"-out:{tmp_path / 'probe.dll'}", str(probe)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, f"mcs accepted {line!r}"
    assert f"error {error}" in result.stdout + result.stderr, result.stdout + result.stderr


def test_an_attribute_on_the_wrong_target_fails(unity_engine: Path, tmp_path: Path) -> None:
    """[AttributeUsage] comes from the source too: [Range] is for fields, [RequireComponent] for classes."""
    probe = tmp_path / "Probe.cs"
    probe.write_text("using UnityEngine;\n[Range(0f, 1f)] public sealed class Probe : MonoBehaviour { }\n")
    result = subprocess.run([*MCS, f"-r:{unity_engine}", f"-out:{tmp_path / 'probe.dll'}", str(probe)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "error CS0592" in result.stdout + result.stderr, result.stdout + result.stderr


def _reference_source() -> Path | None:
    configured = os.environ.get("UNITY_CS_REFERENCE")
    path = Path(configured) if configured else GENERATE.DEFAULT_GIT_DIR
    return path if (path / "HEAD").exists() or (path / ".git").exists() else None


def test_committed_stubs_are_what_the_generator_makes() -> None:
    """Regenerate from UnityCsReference at the commit each stub file names: the committed files must match. Needs the
    reference source (UNITY_CS_REFERENCE=<clone>); without it this one is skipped and the stubs above are used."""
    git_dir = _reference_source()
    if git_dir is None:
        pytest.skip("no UnityCsReference clone (set UNITY_CS_REFERENCE): the committed stubs are checked as they are")
    for version in GENERATE.VERSIONS:
        committed = GENERATE.output_path(version).read_text()
        commit = committed.splitlines()[1].split(" at ")[1].split()[0]
        assert GENERATE.generate(git_dir, commit) == committed, f"{version}: rerun unity_api/generate.py"


def test_generator_reads_unity_style_declarations() -> None:
    """The parser on the shapes Unity's bindings use: extern members, binding attributes, #if UNITY_EDITOR, private
    helpers, an accessor with its own access, an explicit interface member, a member naming an unstubbed type."""
    source = """
using System;
namespace UnityEngine
{
    [NativeHeader("x.h")]
    public sealed partial class Probe : Behaviour, IEnumerable
    {
        [FreeFunction("ProbeBindings::Get")] extern private static int Internal_Get([NotNull] Probe self);
        [NativeProperty("Rate")] public extern int rate { get; private set; }
        public Transform GetBone(HumanBodyBones id, [DefaultValue("false")] bool local = false) { return null; }
        public void Write(params float[] data) { }
        [Obsolete("use rate", true)] public int Rate() => rate;
        public NativeArray<int> Buffer() => default;
        IEnumerator IEnumerable.GetEnumerator() { return null; }
#if UNITY_EDITOR
        public void EditorOnly() { }
#else
        public const float Scale = 2f * Mathf.PI;
#endif
        public delegate void Changed(bool device);
        public static event Changed OnChanged;
        private Probe() { }
    }
}
"""
    parser = GENERATE.Parser(GENERATE.tokenize(GENERATE._preprocess(source, frozenset())), "probe")
    (probe,) = parser.compilation_unit()
    texts = [m.text for m in probe.members]
    assert probe.bases == ["Behaviour", "IEnumerable"]
    assert "public int rate { get { throw null; } }" in texts
    assert "public Transform GetBone(HumanBodyBones id, bool local = false) { throw null; }" in texts
    assert "public void Write(params float[] data) { throw null; }" in texts
    assert '[Obsolete("use rate", true)] public int Rate() { throw null; }' in texts
    assert "IEnumerator IEnumerable.GetEnumerator() { throw null; }" in texts
    assert "public const float Scale = 2f * Mathf.PI;" in texts
    assert "public static event Changed OnChanged;" in texts
    assert not any("Internal_Get" in t or "EditorOnly" in t or "NativeProperty" in t for t in texts)
    assert [n.name for n in probe.nested] == ["Changed"]
    assert probe.declared_constructors == 1 and probe.public_constructors == 0
    buffer = next(m for m in probe.members if "Buffer" in m.text)
    assert "NativeArray" in buffer.names  # so render leaves it out

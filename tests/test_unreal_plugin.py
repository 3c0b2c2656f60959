"""Day-one build checks of the Unreal plugin that need no engine (docs/unreal.md, "Day-one build checks").

- The core compiles the way Unreal Build Tool's unity build would compile it: one generated translation unit that
  first defines `check` as Unreal 5.3 does, then includes every core source. msgpack-cxx before msgpack-c PR #1085
  declares `static auto check(U*)`, which that macro breaks; Private/MsgpackInclude.h hides the macro around
  msgpack's headers. A second compile without the guard shows the collision is real on this machine.
- The glue (Source/AvatarBridge) type-checks with exceptions off, as Unreal builds it (ModuleRules.bEnableExceptions
  defaults to false), and the core headers it includes pull in no <future>, <thread>, cppzmq or msgpack.

The third-party headers are found the way CMakeLists.txt finds them: the system's, or the include/ folders under
AVATARBRIDGE_ZMQ_ROOT and AVATARBRIDGE_MSGPACK_ROOT.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.test_engine_cores import CPP_CORE, _require, _run

UNREAL = CPP_CORE.parents[2]
UNREAL_API = UNREAL / "core_tests" / "unreal_api"
GLUE = CPP_CORE.parent / "AvatarBridge"

# Unreal 5.3's `check` with DO_CHECK on (every editor and development build), as Runtime/Core/Public/Misc/
# AssertionMacros.h defines it (UE 5.3.1: realAYAYA/UnrealEngine-ToonLit@0b4f286d824bfe47cd716e991d814ce648e05d27,
# UnrealEngine/Engine/Source/Runtime/Core/Public/Misc/AssertionMacros.h): a function-like macro whose body is a
# block, so any `check(` that follows, a declaration included, becomes that block.
UNREAL_CHECK = """\
#define check(expr) UE_CHECK_IMPL(expr)
#define UE_CHECK_IMPL(expr) \\
    { if (UNLIKELY(!(expr))) { if (FDebug::CheckVerifyFailedImpl(#expr, __FILE__, __LINE__, \\
      PLATFORM_RETURN_ADDRESS(), TEXT(""))) { PLATFORM_BREAK(); } CA_ASSUME(false); } }
"""

# After the sources: the macro is still Unreal's and still works (MsgpackInclude.h restores it unchanged).
CHECK_STILL_WORKS = """\
#ifndef UNLIKELY
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#endif
#ifndef TEXT
#define TEXT(x) x
#endif
#define PLATFORM_RETURN_ADDRESS() __builtin_return_address(0)
#define PLATFORM_BREAK() __builtin_trap()
#define CA_ASSUME(x)
struct FDebug {
    template <typename... Args> static bool CheckVerifyFailedImpl(const char*, const char*, int, void*, Args...);
};
inline void unrealCheckStillExpands(const int* p) { check(p != nullptr); }
"""

# The declaration msgpack-cxx fixed in PR #1085 (msgpack/v*/object_fwd.hpp, `has_as`), in its own shape.
OLD_MSGPACK_CHECK = re.compile(r"static\s+auto\s+check\s*\(\s*U\s*\*\s*\)")


def _third_party_includes() -> list[str]:
    """-isystem flags for the folders CMakeLists.txt would search first (none: the compiler's own paths)."""
    flags = []
    for variable in ("AVATARBRIDGE_ZMQ_ROOT", "AVATARBRIDGE_MSGPACK_ROOT"):
        root = os.environ.get(variable)
        if root and (Path(root) / "include").is_dir():
            flags += ["-isystem", str(Path(root) / "include")]
    return flags


def _msgpack_include_dir() -> Path:
    """The folder <msgpack.hpp> is read from, as g++ resolves it with these flags."""
    result = _run(["g++", "-std=c++17", "-M", "-DMSGPACK_NO_BOOST", *_third_party_includes(), "-x", "c++", "-"],
                  "locating msgpack.hpp (is libmsgpack-cxx-dev installed? `make deps`)",
                  input="#include <msgpack.hpp>\n")
    found = re.search(r"(\S+)/msgpack\.hpp", result.stdout)
    assert found, result.stdout
    return Path(found.group(1))


def _compile(source: str, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess:
    unit = tmp_path / "unit.cpp"
    unit.write_text(source)
    return subprocess.run(["g++", "-std=c++17", "-c", "-o", str(tmp_path / "unit.o"), "-DMSGPACK_NO_BOOST",
                           *flags, *_third_party_includes(), str(unit)],
                          capture_output=True, text=True, timeout=600)


def test_core_compiles_as_one_unity_file_after_unreals_check_macro(tmp_path: Path) -> None:
    """Every core source, the module entry point (the one that includes engine headers) among them, in one
    translation unit after Unreal's `check`: what UBT's unity build makes of the module. It compiles, and `check`
    is still Unreal's afterwards."""
    _require("g++")
    sources = sorted((CPP_CORE / "Private").glob("*.cpp"))
    assert {"AvatarBridgeCoreModule.cpp", "Codec.cpp", "Client.cpp"} <= {s.name for s in sources}
    unity = UNREAL_CHECK + "".join(f'#include "{s}"\n' for s in sources) + CHECK_STILL_WORKS
    result = _compile(unity, tmp_path, "-I", str(CPP_CORE / "Public"), "-I", str(UNREAL_API))
    assert result.returncode == 0, result.stderr[-6000:]
    assert (tmp_path / "unit.o").stat().st_size > 0


def test_unreals_check_breaks_msgpack_without_the_guard(tmp_path: Path) -> None:
    """The control: the same macro before msgpack without MsgpackInclude.h's guard does not compile. With the
    installed msgpack-cxx when it still has the old declaration (Debian bookworm's 4.1.3 does); with that
    declaration's shape written out when the installed one is fixed, so the collision the guard prevents is real."""
    _require("g++")
    installed = _msgpack_include_dir() / "msgpack"
    old = any(OLD_MSGPACK_CHECK.search(p.read_text()) for p in installed.glob("v*/object_fwd.hpp"))
    payload = ("#include <msgpack.hpp>\n" if old else
               "#include <type_traits>\n"
               "template <typename T> struct has_as {\n"
               "    template <typename U> static auto check(U*) -> std::is_same<U, T>;\n"
               "    template <typename...> static std::false_type check(...);\n"
               "};\n")
    unguarded = _compile(UNREAL_CHECK + payload, tmp_path)
    assert unguarded.returncode != 0, "Unreal's check no longer collides with msgpack: the guard is untested"
    assert re.search(r"object_fwd\.hpp|has_as", unguarded.stderr), unguarded.stderr[-3000:]
    guarded = _compile(UNREAL_CHECK + '#pragma push_macro("check")\n#undef check\n' + payload
                       + '#pragma pop_macro("check")\n', tmp_path)
    assert guarded.returncode == 0, guarded.stderr[-3000:]


def test_unreal_glue_type_checks_with_exceptions_off(tmp_path: Path) -> None:
    """Unreal builds the glue with exceptions off: every glue source type-checks with -fno-exceptions (a throw or a
    try in an inline function of a header it includes fails here), and none of the headers it reads is <future>,
    <thread>, cppzmq or msgpack, whose exception-using code MSVC would see with /EHsc off."""
    _require("g++")
    sources = sorted((GLUE / "Private").glob("*.cpp")) + [CPP_CORE / "Private" / "AvatarBridgeCoreModule.cpp"]
    assert len(sources) >= 8
    forbidden = {"future", "thread", "zmq.hpp", "zmq_addon.hpp", "msgpack.hpp"}
    seen: set[str] = set()
    for source in sources:
        result = _run(["g++", "-std=c++17", "-fsyntax-only", "-fno-exceptions", "-H", "-Wall", "-Wextra", "-Werror",
                       "-Wno-unused-parameter", "-I", str(UNREAL_API), "-I", str(GLUE / "Public"),
                       "-I", str(CPP_CORE / "Public"), str(source)], f"type-checking {source.name} with exceptions off")
        # -H lists every header read, one per line, nesting shown by leading dots.
        headers = {Path(line.lstrip(". ").strip()).name for line in result.stderr.splitlines() if line.startswith(".")}
        assert not headers & forbidden, (source.name, sorted(headers & forbidden))
        seen |= headers
    assert {"Client.h", "Codec.h", "AudioRing.h"} <= seen, sorted(seen)

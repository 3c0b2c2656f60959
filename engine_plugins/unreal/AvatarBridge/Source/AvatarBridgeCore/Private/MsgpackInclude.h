// msgpack-cxx for the core: include this, never <msgpack.hpp> directly.
//
// msgpack-cxx before msgpack/msgpack-c PR #1085 (merged 2023-08; Debian bookworm's 4.1.3 is older) declares
// `static auto check(U*)` in msgpack/v*/object_fwd.hpp. Unreal defines `check(expr)` as a function-like macro
// (Runtime/Core/Public/Misc/AssertionMacros.h), so wherever an engine header comes first in the same
// translation unit (a unity build putting AvatarBridgeCoreModule.cpp before Codec.cpp, or the plugin installed
// under Engine/Plugins with a shared PCH) that declaration expands into the macro's body and does not compile.
// Hiding the macro while msgpack's headers are read makes the core immune whatever comes before it; the macro
// is back, unchanged, right after. tests/test_unreal_plugin.py compiles the core this way with Unreal's `check`.
#pragma once

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif

#pragma push_macro("check")
#undef check
#include <msgpack.hpp>
#pragma pop_macro("check")

// The engine-agnostic core as an Unreal module: the same sources CMakeLists.txt builds and tests outside the
// engine. It includes no Unreal header (save the module entry point), so it needs no precompiled header; it
// catches the exceptions msgpack-cxx and cppzmq throw (and never lets one out), so exceptions are on. The
// third-party libraries are found by AvatarBridgeThirdParty in ../AvatarBridge/AvatarBridge.Build.cs.
using UnrealBuildTool;

public class AvatarBridgeCore : ModuleRules
{
	public AvatarBridgeCore(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.NoPCHs;
		CppStandard = CppStandardVersion.Cpp17;
		bEnableExceptions = true;
		bUseRTTI = false;
		// Each core file is compiled alone, never in a unity file with the module entry point (the one file that
		// includes Unreal headers). The core is immune to Unreal's `check` macro anyway (Private/MsgpackInclude.h),
		// but Unreal defines other short lower-case macros (verify, ensure, checkf) that a future third-party
		// header could trip on; eight small files cost nothing to build apart.
		bUseUnity = false;
		// Header-only msgpack without Boost, as in CMakeLists.txt.
		PrivateDefinitions.Add("MSGPACK_NO_BOOST");
		PublicIncludePaths.Add(System.IO.Path.Combine(ModuleDirectory, "Public"));
		// Only for the module entry point (Private/AvatarBridgeCoreModule.cpp).
		PrivateDependencyModuleNames.Add("Core");
		AvatarBridgeThirdParty.Add(this, Target);
	}
}

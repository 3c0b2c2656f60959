// The Unreal glue of Avatar Bridge: the Live Link source, the audio component, the bone map and retarget asset.
// It is thin on purpose: everything it computes comes from AvatarBridgeCore, which is built and tested outside
// the engine (engine_plugins/unreal/core_tests, tests/test_engine_cores.py).
//
// This file also finds the third-party libraries the core links (AvatarBridgeThirdParty below):
//   libzmq (C), cppzmq (header-only C++ binding) and msgpack-cxx (header-only), in this order of preference:
//   1. AVATARBRIDGE_THIRDPARTY = a folder with include/ (zmq.h, zmq.hpp, msgpack.hpp, msgpack/) and lib/ (libzmq);
//   2. the plugin's own Source/ThirdParty/AvatarBridgeDeps, laid out the same way (docs/unreal.md says how to
//      fill it from vcpkg, Debian or Homebrew packages);
//   3. VCPKG_ROOT = a vcpkg checkout with `vcpkg install zeromq cppzmq msgpack` done for the triplet
//      AVATARBRIDGE_VCPKG_TRIPLET (default x64-windows-static on Win64, x64-linux-dynamic on Linux,
//      arm64-osx or x64-osx on Mac);
//   4. on Mac only, Homebrew's prefix, /opt/homebrew or /usr/local (brew zeromq cppzmq msgpack-cxx).
// Never /usr on Linux: Unreal compiles Linux targets with its own clang and sysroot, and /usr/include as a system
// include path would put the host's C and C++ library headers in front of the sysroot's.
// On Win64 libzmq must be a static library (the default triplet): a DLL would be delay-loaded from a folder
// Windows does not search, so the build refuses one rather than fail when the module loads.
// Nothing found: the build stops with a message saying how to provide them (docs/unreal.md, "Install the
// dependencies").
using System;
using System.IO;
using System.Linq;
using UnrealBuildTool;

public class AvatarBridge : ModuleRules
{
	public AvatarBridge(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		CppStandard = CppStandardVersion.Cpp17;

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",
			"AvatarBridgeCore",
			"LiveLinkInterface",
			"LiveLinkAnimationCore",
		});
		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"AudioMixer",
			"DeveloperSettings",
		});
	}
}

/// <summary>Where libzmq, cppzmq and msgpack-cxx are, for AvatarBridgeCore.Build.cs.</summary>
public static class AvatarBridgeThirdParty
{
	public static void Add(ModuleRules Rules, ReadOnlyTargetRules Target)
	{
		string Root = Environment.GetEnvironmentVariable("AVATARBRIDGE_THIRDPARTY");
		if (!string.IsNullOrEmpty(Root))
		{
			if (!TryFolder(Rules, Target, Root))
			{
				throw new BuildException(Missing("AVATARBRIDGE_THIRDPARTY=" + Root + " has no include/zmq.h, include/zmq.hpp, "
					+ "include/msgpack.hpp and lib/ with libzmq"));
			}
			return;
		}
		string Bundled = Path.GetFullPath(Path.Combine(Rules.ModuleDirectory, "..", "ThirdParty", "AvatarBridgeDeps"));
		if (Directory.Exists(Bundled))
		{
			if (!TryFolder(Rules, Target, Bundled))
			{
				throw new BuildException(Missing(Bundled + " has no include/zmq.h, include/zmq.hpp, include/msgpack.hpp "
					+ "and lib/ with libzmq"));
			}
			return;
		}
		string Vcpkg = Environment.GetEnvironmentVariable("VCPKG_ROOT");
		if (!string.IsNullOrEmpty(Vcpkg))
		{
			string Triplet = Environment.GetEnvironmentVariable("AVATARBRIDGE_VCPKG_TRIPLET");
			if (string.IsNullOrEmpty(Triplet))
			{
				Triplet = DefaultTriplet(Target);
			}
			string Installed = Path.Combine(Vcpkg, "installed", Triplet);
			if (!TryFolder(Rules, Target, Installed))
			{
				throw new BuildException(Missing("VCPKG_ROOT=" + Vcpkg + " has no " + Installed + " with zeromq, cppzmq and "
					+ "msgpack: run `vcpkg install zeromq cppzmq msgpack --triplet " + Triplet + "`"));
			}
			return;
		}
		// Homebrew's prefix: /opt/homebrew on Apple silicon, /usr/local on Intel Macs.
		if (Target.Platform == UnrealTargetPlatform.Mac
			&& (TryFolder(Rules, Target, "/opt/homebrew") || TryFolder(Rules, Target, "/usr/local")))
		{
			return;
		}
		throw new BuildException(Missing("neither AVATARBRIDGE_THIRDPARTY nor VCPKG_ROOT is set, and " + Bundled
			+ " does not exist"));
	}

	static string Missing(string Why)
	{
		return "AvatarBridge: libzmq, cppzmq and msgpack-cxx not found (" + Why + "). Install them with vcpkg "
			+ "(`vcpkg install zeromq cppzmq msgpack --triplet x64-windows-static`, then set VCPKG_ROOT), or put their "
			+ "headers in Source/ThirdParty/AvatarBridgeDeps/include and libzmq in .../lib (on Debian or Ubuntu: "
			+ "`apt-get install libzmq3-dev cppzmq-dev libmsgpack-cxx-dev`, then copy zmq.h, zmq.hpp, zmq_addon.hpp, "
			+ "msgpack.hpp, msgpack/ and libzmq.so*), or point AVATARBRIDGE_THIRDPARTY at such a folder. See docs/unreal.md.";
	}

	static string DefaultTriplet(ReadOnlyTargetRules Target)
	{
		if (Target.Platform == UnrealTargetPlatform.Win64)
		{
			return "x64-windows-static";
		}
		if (Target.Platform == UnrealTargetPlatform.Mac)
		{
			return Target.Architecture.ToString().Contains("arm64") ? "arm64-osx" : "x64-osx";
		}
		// A shared libzmq: Unreal links its own libc++ on Linux, a static libzmq built against libstdc++ would not link.
		return "x64-linux-dynamic";
	}

	/// <summary>Use Folder when it has the three libraries; false (and nothing added) otherwise.</summary>
	static bool TryFolder(ModuleRules Rules, ReadOnlyTargetRules Target, string Folder)
	{
		string Include = Path.Combine(Folder, "include");
		if (!File.Exists(Path.Combine(Include, "zmq.h")) || !File.Exists(Path.Combine(Include, "zmq.hpp"))
			|| !File.Exists(Path.Combine(Include, "msgpack.hpp")))
		{
			return false;
		}
		string Library = FindLibzmq(Target, Folder);
		if (Library == null)
		{
			return false;
		}
		Rules.PublicSystemIncludePaths.Add(Include);
		Rules.PublicAdditionalLibraries.Add(Library);
		if (Target.Platform == UnrealTargetPlatform.Win64)
		{
			string Bin = Path.Combine(Folder, "bin");
			string Dll = Directory.Exists(Bin) ? Directory.GetFiles(Bin, "libzmq*.dll").FirstOrDefault() : null;
			if (Dll != null)
			{
				throw new BuildException(Missing(Folder + " holds a DLL build of libzmq (" + Dll + "); use a static one: "
					+ "vcpkg's x64-windows-static triplet, or a libzmq built with BUILD_SHARED=OFF"));
			}
			Rules.PublicSystemLibraries.AddRange(new string[] { "ws2_32.lib", "iphlpapi.lib", "advapi32.lib" });
			Rules.PublicDefinitions.Add("ZMQ_STATIC");
		}
		else if (Library.EndsWith(".so") || Library.EndsWith(".dylib"))
		{
			Rules.RuntimeDependencies.Add(Library);
		}
		return true;
	}

	static string FindLibzmq(ReadOnlyTargetRules Target, string Folder)
	{
		string[] Patterns = Target.Platform == UnrealTargetPlatform.Win64 ? new[] { "libzmq*.lib" }
			: Target.Platform == UnrealTargetPlatform.Mac ? new[] { "libzmq.dylib", "libzmq.a" }
			: new[] { "libzmq.so", "libzmq.a" };
		string[] Folders = { Path.Combine(Folder, "lib"), Path.Combine(Folder, "lib", "x86_64-linux-gnu"),
			Path.Combine(Folder, "lib", "aarch64-linux-gnu") };
		foreach (string Pattern in Patterns)
		{
			foreach (string Dir in Folders.Where(Directory.Exists))
			{
				string Found = Directory.GetFiles(Dir, Pattern).OrderBy(F => F.Length).FirstOrDefault();
				if (Found != null)
				{
					return Found;
				}
			}
		}
		return null;
	}
}

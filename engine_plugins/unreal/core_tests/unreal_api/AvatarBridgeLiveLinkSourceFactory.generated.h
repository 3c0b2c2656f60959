// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h (GENERATED_BODY; UnrealHeaderTool writes the
// real AvatarBridgeLiveLinkSourceFactory.generated.h into the module's Intermediate folder when the engine builds the plugin)
#pragma once

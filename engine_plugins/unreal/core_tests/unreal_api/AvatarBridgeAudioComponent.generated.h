// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h (GENERATED_BODY; UnrealHeaderTool writes the
// real AvatarBridgeAudioComponent.generated.h into the module's Intermediate folder when the engine builds the plugin)
// Its GENERATED_BODY gives each class a `Super` alias; the one class of this header that uses it is an actor component.
#pragma once
using Super = UActorComponent;

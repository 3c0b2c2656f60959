// (UnrealHeaderTool writes this in the engine.) Its GENERATED_BODY gives each class a `Super` alias; here the one
// class of this header that uses it is an actor component.
#pragma once
using Super = UActorComponent;

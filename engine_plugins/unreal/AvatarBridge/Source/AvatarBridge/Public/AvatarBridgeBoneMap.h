// Which bone of your skeleton each of our joints drives. A new asset (Content Browser > Miscellaneous > Data
// Asset > AvatarBridgeBoneMap) starts with the UE5 mannequin's names (Manny, Quinn and MetaHuman bodies share
// them): Hips -> pelvis, Chest -> spine_03, LeftIndexDistal -> index_03_l, ... (the core's kMannyBones, tested
// against models/body/skeleton.py). Edit the right-hand names for another rig; delete a row to leave that bone to
// the animation underneath.
#pragma once

#include "CoreMinimal.h"
#include "Engine/DataAsset.h"

#include "AvatarBridgeBoneMap.generated.h"

UCLASS(BlueprintType)
class AVATARBRIDGE_API UAvatarBridgeBoneMap : public UDataAsset
{
	GENERATED_BODY()

public:
	UAvatarBridgeBoneMap();

	/** Our joint (Unity HumanBodyBones name, as the sidecar's skeleton sends it) -> the bone it drives. */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "Bones")
	TMap<FName, FName> Bones;

	/** The bone a joint drives, NAME_None when it drives none. */
	FName BoneFor(FName Joint) const;

	/** The table a new asset starts with (the UE5 mannequin). */
	static TMap<FName, FName> MannyBones();
};

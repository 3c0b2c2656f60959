// Puts the <Avatar>_Body Live Link subject on a UE5 mannequin (or any rig the bone map names): pick it as the
// Retarget Asset of a stock Live Link Pose node.
//
// A plain remap would copy our local rotations onto the rig, which is right only for rigs whose rest pose is a
// T-pose with every local rotation the identity (VRM-normalized rigs). Manny's bones have their own rest rotations
// and an A-pose reference, so this asset uses the world delta instead (docs/body.md): our rest is that T-pose, so a
// joint's global rotation G is its turn away from it; each driven bone gets G times its own T-pose rotation in
// component space. The rig's T-pose is its reference pose with each driven bone swung to point where ours points.
// All of that is the core's (avatarbridge::alignRestToTPose, retargetRotations, rootInRig: tested outside the
// engine); this class only reads the rig's reference pose and writes the result into the pose.
#pragma once

#include "CoreMinimal.h"
#include "LiveLinkRemapAsset.h"

#include "AvatarBridgeCore/Body.h"

#include <vector>

#include "AvatarBridgeRetargetAsset.generated.h"

class UAvatarBridgeBoneMap;

UCLASS(Blueprintable, meta = (DisplayName = "Avatar Bridge Retarget"))
class AVATARBRIDGE_API UAvatarBridgeRetargetAsset : public ULiveLinkRemapAsset
{
	GENERATED_BODY()

public:
	/** Which bone each of our joints drives; none = the UE5 mannequin's names. */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "Avatar Bridge")
	TObjectPtr<UAvatarBridgeBoneMap> BoneMap;

	/** Move the pelvis with our hips (weight shift, bows, dance steps), scaled by the rig's hips height. Off: the
	 *  pelvis stays where the animation underneath puts it and only turns. */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "Avatar Bridge")
	bool bMoveRoot = true;

	//~ Begin ULiveLinkRemapAsset
	virtual FName GetRemappedBoneName_Implementation(FName BoneName) const override;
	virtual void BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
	                                        const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose) override;
	//~ End ULiveLinkRemapAsset

private:
	/** Bind our joints to the rig's bones and align its reference pose to our T-pose; false when nothing binds. */
	bool Prepare(const FLiveLinkSkeletonStaticData& Skeleton, const FLiveLinkAnimationFrameData& Frame, const FBoneContainer& Bones);

	// What Prepare computed, for one rig (bone container serial number) and one Live Link skeleton.
	bool bPrepared = false;
	uint16 PreparedSerial = 0;
	TArray<FName> PreparedJoints;
	std::vector<int> JointParents;
	std::vector<avatarbridge::RetargetBone> Bound;
	TArray<int32> BoundBones;  // compact pose index of each entry of Bound
	int32 RootJoint = INDEX_NONE;
	int32 RootBone = INDEX_NONE;
	FTransform RootParentComponent = FTransform::Identity;
	double RigHipsHeight = 0.0;
};

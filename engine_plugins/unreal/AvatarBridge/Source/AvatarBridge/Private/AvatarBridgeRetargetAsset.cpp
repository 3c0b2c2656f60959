#include "AvatarBridgeRetargetAsset.h"

#include "AvatarBridgeBoneMap.h"
#include "BoneContainer.h"
#include "BonePose.h"
#include "Roles/LiveLinkAnimationTypes.h"

namespace
{
avatarbridge::Quat ToCore(const FQuat& Q)
{
	return {static_cast<float>(Q.X), static_cast<float>(Q.Y), static_cast<float>(Q.Z), static_cast<float>(Q.W)};
}

avatarbridge::Vec3 ToCore(const FVector& V)
{
	return {V.X, V.Y, V.Z};
}

FQuat ToUnreal(const avatarbridge::Quat& Q)
{
	return FQuat(Q.x, Q.y, Q.z, Q.w);
}
}  // namespace

FName UAvatarBridgeRetargetAsset::GetRemappedBoneName_Implementation(FName BoneName) const
{
	if (BoneMap != nullptr)
	{
		return BoneMap->BoneFor(BoneName);
	}
	static const TMap<FName, FName> Manny = UAvatarBridgeBoneMap::MannyBones();
	const FName* Bone = Manny.Find(BoneName);
	return Bone != nullptr ? *Bone : NAME_None;
}

bool UAvatarBridgeRetargetAsset::Prepare(const FLiveLinkSkeletonStaticData& Skeleton, const FLiveLinkAnimationFrameData& Frame,
                                         const FBoneContainer& Bones)
{
	const TArray<FName>& Joints = Skeleton.GetBoneNames();
	const TArray<int32>& Parents = Skeleton.GetBoneParents();
	if (Joints.Num() == 0 || Parents.Num() != Joints.Num() || Frame.Transforms.Num() != Joints.Num())
	{
		return false;
	}
	// Our T-pose in mesh axes: every rotation the identity, so positions are the sums of the rest offsets the
	// source sends as translations.
	avatarbridge::Skeleton Ours;
	std::vector<avatarbridge::Vec3> OurRest(Joints.Num());
	JointParents.assign(Parents.GetData(), Parents.GetData() + Parents.Num());
	RootJoint = INDEX_NONE;
	for (int32 J = 0; J < Joints.Num(); ++J)
	{
		Ours.joints.push_back(TCHAR_TO_UTF8(*Joints[J].ToString()));
		Ours.parents.push_back(Parents[J]);
		if (Parents[J] < 0 || Parents[J] >= J)
		{
			RootJoint = RootJoint == INDEX_NONE ? J : RootJoint;
			continue;
		}
		const FVector Offset = Frame.Transforms[J].GetTranslation();
		const avatarbridge::Vec3& Base = OurRest[Parents[J]];
		OurRest[J] = {Base.x + Offset.X, Base.y + Offset.Y, Base.z + Offset.Z};
	}

	// The rig's reference pose in component space (compact pose order: parents first).
	const int32 NumBones = Bones.GetCompactPoseNumBones();
	TArray<FTransform> RefComponent;
	RefComponent.SetNum(NumBones);
	TArray<int32> BoneJoint;
	BoneJoint.Init(INDEX_NONE, NumBones);
	for (int32 B = 0; B < NumBones; ++B)
	{
		const FCompactPoseBoneIndex Index(B);
		const FCompactPoseBoneIndex Parent = Bones.GetParentBoneIndex(Index);
		const FTransform& Local = Bones.GetRefPoseTransform(Index);
		RefComponent[B] = Parent.IsValid() ? Local * RefComponent[Parent.GetInt()] : Local;
	}
	for (int32 J = 0; J < Joints.Num(); ++J)
	{
		const int32 MeshIndex = Bones.GetPoseBoneIndexForBoneName(GetRemappedBoneName(Joints[J]));
		if (MeshIndex == INDEX_NONE)
		{
			continue;
		}
		const FCompactPoseBoneIndex Compact = Bones.MakeCompactPoseIndex(FMeshPoseBoneIndex(MeshIndex));
		if (Compact.IsValid())
		{
			BoneJoint[Compact.GetInt()] = J;
		}
	}

	// The driven bones in the rig's order, each with its nearest driven ancestor and the reference rotations of the
	// undriven bones in between (spine_02 between spine_01 and spine_03, the finger metacarpals, ...).
	Bound.clear();
	BoundBones.Reset();
	TArray<int32> ListOf;
	ListOf.Init(INDEX_NONE, NumBones);
	std::vector<avatarbridge::Vec3> RefPosition;
	std::vector<avatarbridge::Quat> RefRotation;
	for (int32 B = 0; B < NumBones; ++B)
	{
		if (BoneJoint[B] == INDEX_NONE)
		{
			continue;
		}
		avatarbridge::RetargetBone Bone;
		Bone.joint = BoneJoint[B];
		FQuat Chain = FQuat::Identity;
		FCompactPoseBoneIndex Parent = Bones.GetParentBoneIndex(FCompactPoseBoneIndex(B));
		while (Parent.IsValid() && BoneJoint[Parent.GetInt()] == INDEX_NONE)
		{
			Chain = Bones.GetRefPoseTransform(Parent).GetRotation() * Chain;
			Parent = Bones.GetParentBoneIndex(Parent);
		}
		Bone.parentBone = Parent.IsValid() ? ListOf[Parent.GetInt()] : -1;
		Bone.parentChain = ToCore(Chain);
		ListOf[B] = static_cast<int32>(Bound.size());
		Bound.push_back(Bone);
		BoundBones.Add(B);
		RefPosition.push_back(ToCore(RefComponent[B].GetLocation()));
		RefRotation.push_back(ToCore(RefComponent[B].GetRotation()));
	}
	std::vector<int> AimAt;
	for (const avatarbridge::RetargetBone& Bone : Bound)
	{
		const int Child = avatarbridge::aimChild(Ours, Bone.joint);
		int At = -1;
		for (std::size_t I = 0; I < Bound.size(); ++I)
		{
			At = Bound[I].joint == Child && Child >= 0 ? static_cast<int>(I) : At;
		}
		AimAt.push_back(At);
	}
	avatarbridge::alignRestToTPose(OurRest, RefPosition, RefRotation, AimAt, Bound);

	RootBone = INDEX_NONE;
	for (int32 I = 0; I < BoundBones.Num(); ++I)
	{
		if (Bound[I].joint == RootJoint)
		{
			RootBone = BoundBones[I];
			const FCompactPoseBoneIndex Parent = Bones.GetParentBoneIndex(FCompactPoseBoneIndex(RootBone));
			RootParentComponent = Parent.IsValid() ? RefComponent[Parent.GetInt()] : FTransform::Identity;
			RigHipsHeight = RefComponent[RootBone].GetLocation().Z;  // the mesh's origin is at its feet
		}
	}
	PreparedJoints = Joints;
	PreparedSerial = Bones.GetSerialNumber();
	return !Bound.empty();
}

void UAvatarBridgeRetargetAsset::BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
                                                            const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose)
{
	if (InSkeletonData == nullptr || InFrameData == nullptr)
	{
		return;
	}
	const FBoneContainer& Bones = OutPose.GetBoneContainer();
	if (!bPrepared || PreparedSerial != Bones.GetSerialNumber() || PreparedJoints != InSkeletonData->GetBoneNames())
	{
		bPrepared = Prepare(*InSkeletonData, *InFrameData, Bones);
	}
	if (!bPrepared || InFrameData->Transforms.Num() != static_cast<int32>(JointParents.size()))
	{
		return;
	}
	std::vector<avatarbridge::Quat> Local;
	Local.reserve(JointParents.size());
	for (const FTransform& Transform : InFrameData->Transforms)
	{
		Local.push_back(ToCore(Transform.GetRotation()));
	}
	// The source converted each local rotation to mesh axes; products of converted rotations are the converted
	// products, so these are our global rotations in mesh axes.
	const std::vector<avatarbridge::Quat> Retargeted =
		avatarbridge::retargetRotations(avatarbridge::globalRotations(JointParents, Local), Bound);
	for (int32 I = 0; I < BoundBones.Num(); ++I)
	{
		OutPose[FCompactPoseBoneIndex(BoundBones[I])].SetRotation(ToUnreal(Retargeted[I]));
	}
	if (bMoveRoot && RootBone != INDEX_NONE && RootJoint != INDEX_NONE)
	{
		const avatarbridge::Vec3 Root =
			avatarbridge::rootInRig(ToCore(InFrameData->Transforms[RootJoint].GetTranslation()), RigHipsHeight);
		OutPose[FCompactPoseBoneIndex(RootBone)].SetTranslation(
			RootParentComponent.InverseTransformPosition(FVector(Root.x, Root.y, Root.z)));
	}
}

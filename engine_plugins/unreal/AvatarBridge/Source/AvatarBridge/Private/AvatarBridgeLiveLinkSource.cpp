#include "AvatarBridgeLiveLinkSource.h"

#include "ILiveLinkClient.h"
#include "LiveLinkSourceSettings.h"
#include "Roles/LiveLinkAnimationRole.h"
#include "Roles/LiveLinkAnimationTypes.h"
#include "Roles/LiveLinkBasicRole.h"
#include "Roles/LiveLinkBasicTypes.h"

#include "AvatarBridgeCore/Body.h"
#include "AvatarBridgeCore/LiveLink.h"

#define LOCTEXT_NAMESPACE "AvatarBridge"

namespace
{
FName SubjectName(const FString& Pattern, const FString& Avatar)
{
	return FName(*Pattern.Replace(TEXT("{Avatar}"), *Avatar));
}

FTransform ToTransform(const avatarbridge::Quat& Q, const avatarbridge::Vec3& T)
{
	return FTransform(FQuat(Q.x, Q.y, Q.z, Q.w), FVector(T.x, T.y, T.z));
}
}  // namespace

FAvatarBridgeLiveLinkSource::FAvatarBridgeLiveLinkSource(const FAvatarBridgeEndpoint& InEndpoint)
	: Endpoint(InEndpoint)
{
}

void FAvatarBridgeLiveLinkSource::ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid)
{
	Client = InClient;
	SourceGuid = InSourceGuid;
	const UAvatarBridgeSettings* Settings = GetDefault<UAvatarBridgeSettings>();
	FaceKey = FLiveLinkSubjectKey(SourceGuid, SubjectName(Settings->FaceSubject, Endpoint.Avatar));
	BodyKey = FLiveLinkSubjectKey(SourceGuid, SubjectName(Settings->BodySubject, Endpoint.Avatar));
	Connection = FAvatarBridgeConnection::Acquire(Endpoint);
}

void FAvatarBridgeLiveLinkSource::InitializeSettings(ULiveLinkSourceSettings* Settings)
{
	// The core already holds each frame until its pts (jitter buffer, clock sync): Live Link takes the latest.
	Settings->Mode = ELiveLinkSourceMode::Latest;
}

void FAvatarBridgeLiveLinkSource::Update()
{
	if (Client == nullptr || !Connection.IsValid())
	{
		return;
	}
	avatarbridge::Client& Core = Connection->Core();
	const double Now = avatarbridge::Client::localNow();
	const FLiveLinkWorldTime WorldTime(FPlatformTime::Seconds());

	avatarbridge::FaceFrame Face;
	if (Core.sampleFace(Now, Face))
	{
		if (!bFacePublished)
		{
			PublishFaceStatic();
		}
		FLiveLinkFrameDataStruct FrameData(FLiveLinkBaseFrameData::StaticStruct());
		FLiveLinkBaseFrameData& Data = *FrameData.Cast<FLiveLinkBaseFrameData>();
		const std::array<float, 61> Values = avatarbridge::liveLinkFaceValues(Face);
		Data.PropertyValues.Append(Values.data(), static_cast<int32>(Values.size()));
		Data.WorldTime = WorldTime;
		Client->PushSubjectFrameData_AnyThread(FaceKey, MoveTemp(FrameData));
	}

	const std::shared_ptr<const avatarbridge::Skeleton> Skeleton = Core.skeleton();
	if (Skeleton && Skeleton != BodySkeleton)
	{
		PublishBodyStatic(*Skeleton);  // a new or changed skeleton: Live Link drops the old frames with it
		BodySkeleton = Skeleton;
	}
	avatarbridge::PoseFrame Pose;
	if (BodySkeleton && Core.samplePose(Now, Pose) && Pose.rotations.size() == BodySkeleton->size())
	{
		FLiveLinkFrameDataStruct FrameData(FLiveLinkAnimationFrameData::StaticStruct());
		FLiveLinkAnimationFrameData& Data = *FrameData.Cast<FLiveLinkAnimationFrameData>();
		Data.Transforms.Reserve(Pose.rotations.size());
		for (std::size_t J = 0; J < Pose.rotations.size(); ++J)
		{
			// The root carries the Hips position; every other joint its rest offset (the skeleton does not stretch).
			const bool bRoot = BodySkeleton->parents[J] < 0;
			const auto& O = BodySkeleton->offsets[J];
			const avatarbridge::Vec3 Unity = bRoot ? avatarbridge::Vec3{Pose.root[0], Pose.root[1], Pose.root[2]}
			                                       : avatarbridge::Vec3{O[0], O[1], O[2]};
			Data.Transforms.Add(ToTransform(avatarbridge::toUnrealRotation(Pose.rotations[J], avatarbridge::UnrealSpace::Mesh),
			                                avatarbridge::toUnrealPosition(Unity, avatarbridge::UnrealSpace::Mesh)));
		}
		Data.WorldTime = WorldTime;
		Client->PushSubjectFrameData_AnyThread(BodyKey, MoveTemp(FrameData));
	}
}

void FAvatarBridgeLiveLinkSource::PublishFaceStatic()
{
	FLiveLinkStaticDataStruct StaticData(FLiveLinkBaseStaticData::StaticStruct());
	FLiveLinkBaseStaticData& Data = *StaticData.Cast<FLiveLinkBaseStaticData>();
	for (const char* Curve : avatarbridge::kLiveLinkFaceCurves)
	{
		Data.PropertyNames.Add(FName(Curve));
	}
	Client->PushSubjectStaticData_AnyThread(FaceKey, ULiveLinkBasicRole::StaticClass(), MoveTemp(StaticData));
	bFacePublished = true;
}

void FAvatarBridgeLiveLinkSource::PublishBodyStatic(const avatarbridge::Skeleton& Skeleton)
{
	FLiveLinkStaticDataStruct StaticData(FLiveLinkSkeletonStaticData::StaticStruct());
	FLiveLinkSkeletonStaticData& Data = *StaticData.Cast<FLiveLinkSkeletonStaticData>();
	TArray<FName> Names;
	TArray<int32> Parents;
	for (std::size_t J = 0; J < Skeleton.size(); ++J)
	{
		Names.Add(FName(UTF8_TO_TCHAR(Skeleton.joints[J].c_str())));
		Parents.Add(Skeleton.parents[J]);
	}
	Data.SetBoneNames(Names);
	Data.SetBoneParents(Parents);
	Client->PushSubjectStaticData_AnyThread(BodyKey, ULiveLinkAnimationRole::StaticClass(), MoveTemp(StaticData));
}

bool FAvatarBridgeLiveLinkSource::IsSourceStillValid() const
{
	return Connection.IsValid() && Connection->Core().state() == avatarbridge::ConnectionState::Connected;
}

bool FAvatarBridgeLiveLinkSource::RequestSourceShutdown()
{
	Client = nullptr;
	Connection.Reset();  // the last user stops the client's thread
	return true;
}

FText FAvatarBridgeLiveLinkSource::GetSourceType() const
{
	return LOCTEXT("SourceType", "Avatar Bridge");
}

FText FAvatarBridgeLiveLinkSource::GetSourceMachineName() const
{
	return FText::FromString(Endpoint.Control + TEXT(" / ") + Endpoint.Avatar);
}

FText FAvatarBridgeLiveLinkSource::GetSourceStatus() const
{
	return Connection.IsValid() ? FText::FromString(Connection->Status()) : LOCTEXT("Stopped", "stopped");
}

#undef LOCTEXT_NAMESPACE

// A Live Link source with two subjects per avatar, so a MetaHuman's stock Live Link Pose nodes drive it:
//   <Avatar>_Face  Basic role: the 61 Live Link Face curves (52 ARKit weights, head and eye rotations as
//                  degrees / 180), as the Live Link Face app publishes them;
//   <Avatar>_Body  Animation role: our humanoid (Unity HumanBodyBones names and parents), local rotations and rest
//                  offsets in Unreal's mesh axes (centimetres); UAvatarBridgeRetargetAsset puts it on Manny.
// Each game frame it publishes the frame due now from the core's jitter buffers, so Live Link should evaluate the
// latest frame (the source sets its settings' mode to Latest) instead of buffering again.
#pragma once

#include "CoreMinimal.h"
#include "ILiveLinkSource.h"
#include "LiveLinkTypes.h"

#include "AvatarBridgeConnection.h"

#include <memory>

class ILiveLinkClient;

class AVATARBRIDGE_API FAvatarBridgeLiveLinkSource : public ILiveLinkSource
{
public:
	explicit FAvatarBridgeLiveLinkSource(const FAvatarBridgeEndpoint& Endpoint);

	//~ Begin ILiveLinkSource
	virtual void ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid) override;
	virtual void InitializeSettings(ULiveLinkSourceSettings* Settings) override;
	virtual void Update() override;
	virtual bool IsSourceStillValid() const override;
	virtual bool RequestSourceShutdown() override;
	virtual FText GetSourceType() const override;
	virtual FText GetSourceMachineName() const override;
	virtual FText GetSourceStatus() const override;
	//~ End ILiveLinkSource

private:
	void PublishFaceStatic();
	void PublishBodyStatic(const avatarbridge::Skeleton& Skeleton);

	FAvatarBridgeEndpoint Endpoint;
	TSharedPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe> Connection;
	ILiveLinkClient* Client = nullptr;
	FGuid SourceGuid;
	FLiveLinkSubjectKey FaceKey;
	FLiveLinkSubjectKey BodyKey;
	bool bFacePublished = false;
	/** The skeleton whose static data Live Link holds (the core's pointer changes only when the skeleton does). */
	std::shared_ptr<const avatarbridge::Skeleton> BodySkeleton;
};

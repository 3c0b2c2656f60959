// One sidecar connection (an avatarbridge::Client: its own thread, sockets, clock sync and buffers), shared by
// everything in the engine that follows the same avatar, so the face, the body and the voice come from one
// stream on one clock.
#pragma once

#include "CoreMinimal.h"
#include "AvatarBridgeSettings.h"

#include "AvatarBridgeCore/Client.h"

DECLARE_LOG_CATEGORY_EXTERN(LogAvatarBridge, Log, All);

class AVATARBRIDGE_API FAvatarBridgeConnection
{
public:
	/** The running connection for this endpoint, started on first use and stopped when the last user lets go. */
	static TSharedRef<FAvatarBridgeConnection, ESPMode::ThreadSafe> Acquire(const FAvatarBridgeEndpoint& Endpoint);

	/** The endpoint of the project settings. */
	static FAvatarBridgeEndpoint DefaultEndpoint();

	explicit FAvatarBridgeConnection(const FAvatarBridgeEndpoint& InEndpoint);
	~FAvatarBridgeConnection();

	/** The core client: sampleFace/samplePose on the game thread, readAudio on the audio thread, requests from any. */
	avatarbridge::Client& Core() { return *Client; }
	const FAvatarBridgeEndpoint& Endpoint() const { return EndpointSettings; }
	/** "connected (offset 0.3 ms)", "reconnecting: no stream for 1 s", ... for status lines and the Live Link UI. */
	FString Status() const;

private:
	FAvatarBridgeEndpoint EndpointSettings;
	TUniquePtr<avatarbridge::Client> Client;
};

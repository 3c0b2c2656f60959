#include "AvatarBridgeConnection.h"

#include "Misc/ScopeLock.h"

DEFINE_LOG_CATEGORY(LogAvatarBridge);

namespace
{
FCriticalSection RegistryLock;
TMap<FString, TWeakPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe>> Registry;

avatarbridge::ClientConfig ToConfig(const FAvatarBridgeEndpoint& E)
{
	avatarbridge::ClientConfig Config;
	Config.control = TCHAR_TO_UTF8(*E.Control);
	Config.stream = TCHAR_TO_UTF8(*E.Stream);
	Config.avatar = TCHAR_TO_UTF8(*E.Avatar);
	Config.jitterDelay = E.JitterDelay;
	Config.curveServerKey = TCHAR_TO_UTF8(*E.CurveServerKey);
	Config.curvePublicKey = TCHAR_TO_UTF8(*E.CurvePublicKey);
	Config.curveSecretKey = TCHAR_TO_UTF8(*E.CurveSecretKey);
	return Config;
}
}  // namespace

TSharedRef<FAvatarBridgeConnection, ESPMode::ThreadSafe> FAvatarBridgeConnection::Acquire(const FAvatarBridgeEndpoint& Endpoint)
{
	FScopeLock Lock(&RegistryLock);
	if (TSharedPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe> Existing = Registry.FindRef(Endpoint.Key()).Pin())
	{
		return Existing.ToSharedRef();
	}
	TSharedRef<FAvatarBridgeConnection, ESPMode::ThreadSafe> Created = MakeShared<FAvatarBridgeConnection, ESPMode::ThreadSafe>(Endpoint);
	Registry.Add(Endpoint.Key(), Created);
	return Created;
}

FAvatarBridgeEndpoint FAvatarBridgeConnection::DefaultEndpoint()
{
	return GetDefault<UAvatarBridgeSettings>()->Endpoint;
}

FAvatarBridgeConnection::FAvatarBridgeConnection(const FAvatarBridgeEndpoint& InEndpoint)
	: EndpointSettings(InEndpoint)
	, Client(MakeUnique<avatarbridge::Client>(ToConfig(InEndpoint)))
{
	Client->start();
	UE_LOG(LogAvatarBridge, Log, TEXT("Avatar Bridge: following '%s' at %s"), *InEndpoint.Avatar, *InEndpoint.Control);
}

FAvatarBridgeConnection::~FAvatarBridgeConnection()
{
	Client->stop();  // joins the client's thread; pending requests fail with "stopped"
}

FString FAvatarBridgeConnection::Status() const
{
	const avatarbridge::ClientStats S = Client->stats();
	FString Text = UTF8_TO_TCHAR(avatarbridge::toString(S.state));
	if (S.state == avatarbridge::ConnectionState::Connected)
	{
		Text += FString::Printf(TEXT(" (clock offset %.1f ms, rtt %.1f ms)"), S.clockOffset * 1e3, S.clockRtt * 1e3);
		// What a jittery network or a mismatched sidecar costs, so the Live Link panel says it without a debugger.
		const uint64 Late = S.faceBuffer.late + S.faceBuffer.underruns + S.poseBuffer.late + S.audioRing.late;
		const uint64 Skipped = S.malformed + S.versionMismatch + S.unknownKind + S.invalid;
		if (Late > 0)
		{
			Text += FString::Printf(TEXT(", %llu late"), static_cast<unsigned long long>(Late));
		}
		if (Skipped > 0)
		{
			Text += FString::Printf(TEXT(", %llu skipped: %s"), static_cast<unsigned long long>(Skipped),
			                        UTF8_TO_TCHAR(S.lastError.c_str()));
		}
	}
	else if (!S.lastError.empty())
	{
		Text += TEXT(": ") + FString(UTF8_TO_TCHAR(S.lastError.c_str()));
	}
	return Text;
}

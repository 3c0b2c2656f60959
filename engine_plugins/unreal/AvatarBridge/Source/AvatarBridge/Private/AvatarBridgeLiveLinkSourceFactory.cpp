#include "AvatarBridgeLiveLinkSourceFactory.h"

#include "AvatarBridgeLiveLinkSource.h"
#include "Misc/Parse.h"

#define LOCTEXT_NAMESPACE "AvatarBridge"

FText UAvatarBridgeLiveLinkSourceFactory::GetSourceDisplayName() const
{
	return LOCTEXT("SourceDisplayName", "Avatar Bridge");
}

FText UAvatarBridgeLiveLinkSourceFactory::GetSourceTooltip() const
{
	return LOCTEXT("SourceTooltip", "Face curves and body of an Avatar Bridge sidecar's avatar (endpoint from Project Settings > Plugins > Avatar Bridge)");
}

TSharedPtr<ILiveLinkSource> UAvatarBridgeLiveLinkSourceFactory::CreateSource(const FString& ConnectionString) const
{
	FAvatarBridgeEndpoint Endpoint = FAvatarBridgeConnection::DefaultEndpoint();
	FParse::Value(*ConnectionString, TEXT("Control="), Endpoint.Control);
	FParse::Value(*ConnectionString, TEXT("Stream="), Endpoint.Stream);
	FParse::Value(*ConnectionString, TEXT("Avatar="), Endpoint.Avatar);
	return MakeShared<FAvatarBridgeLiveLinkSource>(Endpoint);
}

#undef LOCTEXT_NAMESPACE

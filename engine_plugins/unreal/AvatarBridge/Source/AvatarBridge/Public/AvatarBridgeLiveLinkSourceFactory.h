// "Avatar Bridge" in the Live Link window's Source menu, and the way a Live Link preset recreates the source:
// the connection string is `Control="tcp://host:5555" Stream="" Avatar="host"`; an empty one takes the project
// settings (Project Settings > Plugins > Avatar Bridge).
#pragma once

#include "CoreMinimal.h"
#include "LiveLinkSourceFactory.h"

#include "AvatarBridgeLiveLinkSourceFactory.generated.h"

UCLASS()
class AVATARBRIDGE_API UAvatarBridgeLiveLinkSourceFactory : public ULiveLinkSourceFactory
{
	GENERATED_BODY()

public:
	virtual FText GetSourceDisplayName() const override;
	virtual FText GetSourceTooltip() const override;
	virtual EMenuType GetMenuType() const override { return EMenuType::MenuEntry; }
	virtual TSharedPtr<ILiveLinkSource> CreateSource(const FString& ConnectionString) const override;
};

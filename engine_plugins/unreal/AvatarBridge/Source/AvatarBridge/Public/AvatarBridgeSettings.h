// Project Settings > Plugins > Avatar Bridge: where the sidecar is and how its stream is scheduled. The Live Link
// source and the audio component read these unless they are given their own.
#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"

#include "AvatarBridgeSettings.generated.h"

/** How to reach one sidecar avatar. */
USTRUCT(BlueprintType)
struct AVATARBRIDGE_API FAvatarBridgeEndpoint
{
	GENERATED_BODY()

	/** The sidecar's control socket (ROUTER), as `serve --control` binds it. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Avatar Bridge")
	FString Control = TEXT("tcp://127.0.0.1:5555");

	/** The stream socket (PUB); empty = the control port + 1, the sidecar's default layout. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Avatar Bridge")
	FString Stream;

	/** The avatar to follow (one connection per avatar). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Avatar Bridge")
	FString Avatar = TEXT("host");

	/** Extra playout delay on top of the sidecar's lookahead (seconds): raise it when frames arrive late over a
	 *  jittery network (Live Link subject frames stall, `face_underruns` grows). Face, body and voice move together. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Avatar Bridge", meta = (ClampMin = "0.0", ClampMax = "1.0"))
	float JitterDelay = 0.0f;

	/** CurveZMQ keys (Z85, 40 characters), all empty for plain TCP on loopback. See `avatar-bridge keys`. */
	UPROPERTY(EditAnywhere, Category = "Avatar Bridge|Security")
	FString CurveServerKey;
	UPROPERTY(EditAnywhere, Category = "Avatar Bridge|Security")
	FString CurvePublicKey;
	UPROPERTY(EditAnywhere, Category = "Avatar Bridge|Security")
	FString CurveSecretKey;

	/** A stable key for sharing one connection between the Live Link source and the audio component. */
	FString Key() const { return Control + TEXT("|") + Stream + TEXT("|") + Avatar; }
};

UCLASS(Config = Game, DefaultConfig, meta = (DisplayName = "Avatar Bridge"))
class AVATARBRIDGE_API UAvatarBridgeSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	virtual FName GetCategoryName() const override { return TEXT("Plugins"); }

	/** The sidecar and avatar used when a source or component is not given its own. */
	UPROPERTY(Config, EditAnywhere, Category = "Connection")
	FAvatarBridgeEndpoint Endpoint;

	/** Live Link subject names; {Avatar} is replaced by the avatar's name. */
	UPROPERTY(Config, EditAnywhere, Category = "Live Link")
	FString FaceSubject = TEXT("{Avatar}_Face");
	UPROPERTY(Config, EditAnywhere, Category = "Live Link")
	FString BodySubject = TEXT("{Avatar}_Body");
};

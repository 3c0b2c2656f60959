// Plays an avatar's streamed speech at its presentation time, and lets Blueprints make it speak. Put it on the
// actor that carries the MetaHuman (the sound comes from its root; attach it elsewhere for a head-mounted source).
//
// The audio is pulled, not pushed: UAvatarBridgeSoundWave is a USoundWaveProcedural whose OnGeneratePCMAudio (on
// the audio render thread) asks the core's audio ring for the samples due at the time that buffer will be heard,
// so speech stays on the clock the face and body frames follow, gaps play as silence and an interrupt is silent
// at once.
#pragma once

#include "CoreMinimal.h"
#include "Components/ActorComponent.h"
#include "Sound/SoundWaveProcedural.h"

#include "AvatarBridgeConnection.h"

#include "AvatarBridgeAudioComponent.generated.h"

class UAudioComponent;

UCLASS()
class AVATARBRIDGE_API UAvatarBridgeSoundWave : public USoundWaveProcedural
{
	GENERATED_BODY()

public:
	/** Set before the wave plays: where the samples come from, their rate, and how long after it is generated a
	 *  buffer is heard (the mixer's own buffering plus the device's). */
	void Bind(TSharedPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe> InConnection, int32 InRate, double InOutputLatency);

	//~ Begin USoundWaveProcedural
	virtual int32 OnGeneratePCMAudio(TArray<uint8>& OutAudio, int32 NumSamples) override;
	virtual Audio::EAudioMixerStreamDataFormat::Type GetGeneratedPCMDataFormat() const override
	{
		return Audio::EAudioMixerStreamDataFormat::Int16;
	}
	//~ End USoundWaveProcedural

private:
	TSharedPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe> Connection;
	int32 Rate = 0;
	double OutputLatency = 0.0;
	// The wave's own sample clock: buffer k is heard at Anchor + (samples before it) / Rate + OutputLatency.
	double Anchor = -1.0;
	uint64 Generated = 0;
};

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FAvatarBridgeEventSignature, const FString&, Type, const FString&, Take, double, Pts);

UCLASS(ClassGroup = (AvatarBridge), meta = (BlueprintSpawnableComponent))
class AVATARBRIDGE_API UAvatarBridgeAudioComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	UAvatarBridgeAudioComponent();

	/** Use this endpoint instead of the project settings' (the Live Link source must follow the same avatar). */
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "Avatar Bridge")
	bool bOverrideEndpoint = false;
	UPROPERTY(EditAnywhere, BlueprintReadOnly, Category = "Avatar Bridge", meta = (EditCondition = "bOverrideEndpoint"))
	FAvatarBridgeEndpoint Endpoint;

	/** Seconds between generating a buffer and hearing it. Raise it if the voice leads the lips, lower it if it
	 *  lags; measure with `avatar-bridge` clap tests or by eye (docs/unreal.md, "Desync"). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Avatar Bridge", meta = (ClampMin = "0.0", ClampMax = "0.5"))
	float OutputLatency = 0.04f;

	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Avatar Bridge", meta = (ClampMin = "0.0"))
	float Volume = 1.0f;

	/** take_started, take_ended, interrupted, error, gesture, ... as the sidecar sends them (docs/protocol.md). */
	UPROPERTY(BlueprintAssignable, Category = "Avatar Bridge")
	FAvatarBridgeEventSignature OnSidecarEvent;

	/** Speak a line (inline tags allowed: [happy], <wave>); it queues after the current take. */
	UFUNCTION(BlueprintCallable, Category = "Avatar Bridge")
	void Say(const FString& Text, const FString& Emotion = TEXT(""));

	/** Cut the current take and drop the queued ones; buffered speech and frames after the cut are dropped. */
	UFUNCTION(BlueprintCallable, Category = "Avatar Bridge")
	void Interrupt();

	/** "connected (clock offset 0.2 ms, rtt 0.4 ms)", "reconnecting: ..." */
	UFUNCTION(BlueprintPure, Category = "Avatar Bridge")
	FString GetStatus() const;

	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type Reason) override;
	virtual void TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) override;

private:
	void StartOutput(int32 Rate);

	TSharedPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe> Connection;
	UPROPERTY(Transient)
	TObjectPtr<UAvatarBridgeSoundWave> Wave;
	UPROPERTY(Transient)
	TObjectPtr<UAudioComponent> Output;
};

#include "AvatarBridgeAudioComponent.h"

#include "Components/AudioComponent.h"
#include "GameFramework/Actor.h"

namespace
{
// A callback this far off the wave's sample clock (a hitch, a device change) restarts the clock from now; smaller
// wander is the audio ring's business (it follows up to 40 ms continuously).
constexpr double kReanchorSeconds = 0.25;
}  // namespace

void UAvatarBridgeSoundWave::Bind(TSharedPtr<FAvatarBridgeConnection, ESPMode::ThreadSafe> InConnection, int32 InRate,
                                  double InOutputLatency)
{
	Connection = MoveTemp(InConnection);
	Rate = InRate;
	OutputLatency = InOutputLatency;
	SetSampleRate(InRate);
	NumChannels = 1;
	Duration = INDEFINITELY_LOOPING_DURATION;
	bLooping = false;
	SoundGroup = SOUNDGROUP_Voice;
}

int32 UAvatarBridgeSoundWave::OnGeneratePCMAudio(TArray<uint8>& OutAudio, int32 NumSamples)
{
	OutAudio.SetNumZeroed(NumSamples * sizeof(int16));
	if (!Connection.IsValid() || Rate <= 0 || NumSamples <= 0)
	{
		return NumSamples;
	}
	const double Now = avatarbridge::Client::localNow();
	double Start = Anchor + static_cast<double>(Generated) / Rate;
	if (Anchor < 0.0 || FMath::Abs(Start - Now) > kReanchorSeconds)
	{
		Anchor = Now - static_cast<double>(Generated) / Rate;
		Start = Now;
	}
	Connection->Core().readAudio(reinterpret_cast<int16*>(OutAudio.GetData()), static_cast<std::size_t>(NumSamples),
	                             Start + OutputLatency);
	Generated += static_cast<uint64>(NumSamples);
	return NumSamples;
}

UAvatarBridgeAudioComponent::UAvatarBridgeAudioComponent()
{
	PrimaryComponentTick.bCanEverTick = true;
	PrimaryComponentTick.bStartWithTickEnabled = true;
}

void UAvatarBridgeAudioComponent::BeginPlay()
{
	Super::BeginPlay();
	Connection = FAvatarBridgeConnection::Acquire(bOverrideEndpoint ? Endpoint : FAvatarBridgeConnection::DefaultEndpoint());
}

void UAvatarBridgeAudioComponent::TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction)
{
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);
	if (!Connection.IsValid())
	{
		return;
	}
	avatarbridge::Client& Core = Connection->Core();
	if (Output == nullptr)
	{
		// The stream's rate is known from describe (or the first chunk); the wave is made for it once.
		const int32 Rate = Core.info().audioRate > 0 ? Core.info().audioRate : Core.audioRate();
		if (Rate > 0)
		{
			StartOutput(Rate);
		}
	}
	for (const avatarbridge::Event& E : Core.pollEvents())
	{
		OnSidecarEvent.Broadcast(UTF8_TO_TCHAR(E.type.c_str()), E.hasTake ? FString(UTF8_TO_TCHAR(E.take.c_str())) : FString(), E.pts);
	}
}

void UAvatarBridgeAudioComponent::StartOutput(int32 Rate)
{
	Wave = NewObject<UAvatarBridgeSoundWave>(this);
	Wave->Bind(Connection, Rate, OutputLatency);
	Output = NewObject<UAudioComponent>(GetOwner());
	Output->bAutoActivate = false;
	Output->bAllowSpatialization = true;
	if (USceneComponent* Root = GetOwner()->GetRootComponent())
	{
		Output->SetupAttachment(Root);
	}
	Output->RegisterComponent();
	Output->SetSound(Wave);
	Output->SetVolumeMultiplier(Volume);
	Output->Play();
}

void UAvatarBridgeAudioComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	if (Output != nullptr)
	{
		Output->Stop();
		Output->DestroyComponent();
		Output = nullptr;
	}
	Wave = nullptr;
	Connection.Reset();
	Super::EndPlay(Reason);
}

void UAvatarBridgeAudioComponent::Say(const FString& Text, const FString& Emotion)
{
	if (Connection.IsValid())
	{
		// The reply (the take id, or an error naming the field) comes back as a handle nobody waits on here; the
		// take's events arrive through OnSidecarEvent.
		Connection->Core().say(TCHAR_TO_UTF8(*Text), TCHAR_TO_UTF8(*Emotion));
	}
}

void UAvatarBridgeAudioComponent::Interrupt()
{
	if (Connection.IsValid())
	{
		Connection->Core().interrupt();
	}
}

FString UAvatarBridgeAudioComponent::GetStatus() const
{
	return Connection.IsValid() ? Connection->Status() : FString(TEXT("not started"));
}

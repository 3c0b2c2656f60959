// A declaration of the Unreal Engine 5.3 members the plugin's glue uses (Source/AvatarBridge), written from the
// engine's headers, so tests/test_engine_cores.py can type-check the glue with g++ where no engine is installed.
// It is not the engine: it catches typos, wrong types and misuse of our core's API in the glue, not a wrong guess
// about Unreal itself. Nothing here runs; the bodies are only what the type checker needs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using int32 = std::int32_t;
using uint8 = std::uint8_t;
using int16 = std::int16_t;
using uint16 = std::uint16_t;
using uint64 = std::uint64_t;
using TCHAR = char16_t;  // UTF-16 as on Linux and Mac (wchar_t on Windows)
constexpr int32 INDEX_NONE = -1;

#define TEXT(x) u##x
#define UCLASS(...)
#define USTRUCT(...)
#define UENUM(...)
#define UPROPERTY(...)
#define UFUNCTION(...)
#define GENERATED_BODY()
#define AVATARBRIDGE_API
#define LOCTEXT(Key, Text) FText::FromString(FString(TEXT(Text)))
#define DECLARE_LOG_CATEGORY_EXTERN(Name, Verbosity, Compile) extern struct FLogCategory##Name {} Name
#define DEFINE_LOG_CATEGORY(Name) FLogCategory##Name Name
#define UE_LOG(Category, Verbosity, Format, ...) ((void)(Category), (void)sizeof(Format))
#define IMPLEMENT_MODULE(Class, Name) static Class Name##Module;

template <typename T>
T&& MoveTemp(T& value) { return static_cast<T&&>(value); }

class FString {
public:
    FString() = default;
    FString(const TCHAR* text) : text_(text) {}
    const TCHAR* operator*() const { return text_.c_str(); }
    FString operator+(const FString& other) const { return FString((text_ + other.text_).c_str()); }
    FString& operator+=(const FString& other) { text_ += other.text_; return *this; }
    FString Replace(const TCHAR*, const TCHAR*) const { return *this; }
    bool operator<(const FString& other) const { return text_ < other.text_; }
    template <typename... Args>
    static FString Printf(const TCHAR* format, Args...) { return FString(format); }
private:
    std::u16string text_;
};
inline FString operator+(const TCHAR* a, const FString& b) { return FString(a) + b; }

// The conversion macros yield a temporary pointer, as Unreal's do.
struct FUtf8Text { std::string text; const char* get() const { return text.c_str(); } };
struct FTcharText { std::u16string text; const TCHAR* get() const { return text.c_str(); } };
inline FUtf8Text ToUtf8(const TCHAR*) { return {}; }
inline FTcharText ToTchar(const char*) { return {}; }
#define TCHAR_TO_UTF8(x) (ToUtf8(x).get())
#define UTF8_TO_TCHAR(x) (ToTchar(x).get())

class FName {
public:
    FName() = default;
    FName(const TCHAR*) {}
    FName(const char*) {}
    FString ToString() const { return FString(); }
    bool operator==(const FName& o) const { return id_ == o.id_; }
    bool operator!=(const FName& o) const { return id_ != o.id_; }
    bool operator<(const FName& o) const { return id_ < o.id_; }
private:
    int id_ = 0;
};
extern const FName NAME_None;

class FText {
public:
    static FText FromString(const FString&) { return FText(); }
};

template <typename T, typename Allocator = void>
class TArray {
public:
    int32 Num() const { return static_cast<int32>(items_.size()); }
    int32 Add(const T& item) { items_.push_back(item); return Num() - 1; }
    void Append(const T* items, int32 n) { items_.insert(items_.end(), items, items + n); }
    void Reserve(std::size_t n) { items_.reserve(n); }
    void Reset() { items_.clear(); }
    void SetNum(int32 n) { items_.resize(static_cast<std::size_t>(n)); }
    void SetNumZeroed(int32 n) { items_.assign(static_cast<std::size_t>(n), T()); }
    void Init(const T& value, int32 n) { items_.assign(static_cast<std::size_t>(n), value); }
    T* GetData() { return items_.data(); }
    const T* GetData() const { return items_.data(); }
    T& operator[](int32 i) { return items_[static_cast<std::size_t>(i)]; }
    const T& operator[](int32 i) const { return items_[static_cast<std::size_t>(i)]; }
    bool operator==(const TArray& o) const { return items_ == o.items_; }
    bool operator!=(const TArray& o) const { return items_ != o.items_; }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }
private:
    std::vector<T> items_;
};

template <typename K, typename V>
class TMap {
public:
    void Add(const K& key, const V& value) { items_[key] = value; }
    V* Find(const K& key) { auto it = items_.find(key); return it == items_.end() ? nullptr : &it->second; }
    const V* Find(const K& key) const { auto it = items_.find(key); return it == items_.end() ? nullptr : &it->second; }
    V FindRef(const K& key) const { const V* v = Find(key); return v ? *v : V(); }
private:
    std::map<K, V> items_;
};
template <>
class TMap<FString, void>;

enum class ESPMode { NotThreadSafe, ThreadSafe };
template <typename T, ESPMode Mode = ESPMode::ThreadSafe> class TSharedRef;
template <typename T, ESPMode Mode = ESPMode::ThreadSafe>
class TSharedPtr {
public:
    TSharedPtr() = default;
    TSharedPtr(std::shared_ptr<T> p) : p_(std::move(p)) {}
    template <typename U>
    TSharedPtr(const TSharedRef<U, Mode>& r) : p_(r.p_) {}
    template <typename U>
    TSharedPtr(const TSharedPtr<U, Mode>& o) : p_(o.p_) {}
    bool IsValid() const { return p_ != nullptr; }
    explicit operator bool() const { return p_ != nullptr; }
    void Reset() { p_.reset(); }
    T* operator->() const { return p_.get(); }
    T& operator*() const { return *p_; }
    TSharedRef<T, Mode> ToSharedRef() const { return TSharedRef<T, Mode>(p_); }
    std::shared_ptr<T> p_;
};
template <typename T, ESPMode Mode>
class TSharedRef {
public:
    explicit TSharedRef(std::shared_ptr<T> p) : p_(std::move(p)) {}
    T* operator->() const { return p_.get(); }
    std::shared_ptr<T> p_;
};
template <typename T, ESPMode Mode = ESPMode::ThreadSafe>
class TWeakPtr {
public:
    TWeakPtr() = default;
    TWeakPtr(const TSharedRef<T, Mode>& r) : p_(r.p_) {}
    TSharedPtr<T, Mode> Pin() const { return TSharedPtr<T, Mode>(p_.lock()); }
private:
    std::weak_ptr<T> p_;
};
template <typename T, ESPMode Mode = ESPMode::ThreadSafe, typename... Args>
TSharedRef<T, Mode> MakeShared(Args&&... args) { return TSharedRef<T, Mode>(std::make_shared<T>(std::forward<Args>(args)...)); }
template <typename T>
using TUniquePtr = std::unique_ptr<T>;
template <typename T, typename... Args>
TUniquePtr<T> MakeUnique(Args&&... args) { return std::make_unique<T>(std::forward<Args>(args)...); }

class FCriticalSection {};
class FScopeLock { public: explicit FScopeLock(FCriticalSection*) {} };

struct FMath {
    template <typename T> static T Abs(T v) { return v < 0 ? -v : v; }
    template <typename T> static T Min(T a, T b) { return a < b ? a : b; }
};
struct FPlatformTime { static double Seconds() { return 0.0; } };

struct FVector {
    FVector() = default;
    FVector(double x, double y, double z) : X(x), Y(y), Z(z) {}
    double X = 0, Y = 0, Z = 0;
};
struct FQuat {
    FQuat() = default;
    FQuat(double x, double y, double z, double w) : X(x), Y(y), Z(z), W(w) {}
    FQuat operator*(const FQuat&) const { return *this; }
    static const FQuat Identity;
    double X = 0, Y = 0, Z = 0, W = 1;
};
struct FTransform {
    FTransform() = default;
    FTransform(const FQuat& q, const FVector& t) : Rotation(q), Translation(t) {}
    FTransform operator*(const FTransform&) const { return *this; }
    FQuat GetRotation() const { return Rotation; }
    FVector GetTranslation() const { return Translation; }
    FVector GetLocation() const { return Translation; }
    void SetRotation(const FQuat& q) { Rotation = q; }
    void SetTranslation(const FVector& t) { Translation = t; }
    FVector InverseTransformPosition(const FVector& v) const { return v; }
    static const FTransform Identity;
    FQuat Rotation;
    FVector Translation;
};

struct FGuid {};

// -- UObject ------------------------------------------------------------------------------------------------

class UClass {};
class UScriptStruct {};
class UObject {
public:
    virtual ~UObject() = default;
};
template <typename T>
class TObjectPtr {
public:
    TObjectPtr() = default;
    TObjectPtr(T* p) : p_(p) {}
    TObjectPtr(std::nullptr_t) {}
    T* operator->() const { return p_; }
    operator T*() const { return p_; }
    bool operator==(std::nullptr_t) const { return p_ == nullptr; }
    bool operator!=(std::nullptr_t) const { return p_ != nullptr; }
private:
    T* p_ = nullptr;
};
template <typename T>
class TSubclassOf {
public:
    TSubclassOf(UClass*) {}
};
template <typename T>
const T* GetDefault() { static T instance; return &instance; }
template <typename T>
T* NewObject(UObject* = nullptr) { return new T(); }

// -- modules, settings, assets ------------------------------------------------------------------------------

class FDefaultModuleImpl {};
class UDeveloperSettings : public UObject {
public:
    virtual FName GetCategoryName() const { return FName(); }
};
class UDataAsset : public UObject {};

struct FParse {
    static bool Value(const TCHAR*, const TCHAR*, FString&) { return false; }
};

// -- Live Link ------------------------------------------------------------------------------------------------

struct FLiveLinkSubjectKey {
    FLiveLinkSubjectKey() = default;
    FLiveLinkSubjectKey(FGuid, FName) {}
};
struct FLiveLinkWorldTime {
    FLiveLinkWorldTime() = default;
    explicit FLiveLinkWorldTime(double) {}
};
struct FLiveLinkBaseStaticData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    TArray<FName> PropertyNames;
};
struct FLiveLinkSkeletonStaticData : FLiveLinkBaseStaticData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    void SetBoneNames(const TArray<FName>& names) { BoneNames = names; }
    void SetBoneParents(const TArray<int32>& parents) { BoneParents = parents; }
    const TArray<FName>& GetBoneNames() const { return BoneNames; }
    const TArray<int32>& GetBoneParents() const { return BoneParents; }
    TArray<FName> BoneNames;
    TArray<int32> BoneParents;
};
struct FLiveLinkBaseFrameData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    FLiveLinkWorldTime WorldTime;
    TArray<float> PropertyValues;
};
struct FLiveLinkAnimationFrameData : FLiveLinkBaseFrameData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    TArray<FTransform> Transforms;
};
struct FLiveLinkStaticDataStruct {
    explicit FLiveLinkStaticDataStruct(UScriptStruct*) {}
    template <typename T> T* Cast() { return nullptr; }
};
struct FLiveLinkFrameDataStruct {
    explicit FLiveLinkFrameDataStruct(UScriptStruct*) {}
    template <typename T> T* Cast() { return nullptr; }
};
class ULiveLinkRole : public UObject {};
class ULiveLinkBasicRole : public ULiveLinkRole { public: static UClass* StaticClass() { return nullptr; } };
class ULiveLinkAnimationRole : public ULiveLinkBasicRole { public: static UClass* StaticClass() { return nullptr; } };

class ILiveLinkClient {
public:
    virtual ~ILiveLinkClient() = default;
    virtual void PushSubjectStaticData_AnyThread(const FLiveLinkSubjectKey& SubjectKey, TSubclassOf<ULiveLinkRole> Role,
                                                 FLiveLinkStaticDataStruct&& StaticData) = 0;
    virtual void PushSubjectFrameData_AnyThread(const FLiveLinkSubjectKey& SubjectKey, FLiveLinkFrameDataStruct&& FrameData) = 0;
};
enum class ELiveLinkSourceMode : uint8 { Latest, EngineTime, Timecode };
class ULiveLinkSourceSettings : public UObject {
public:
    ELiveLinkSourceMode Mode = ELiveLinkSourceMode::EngineTime;
};
class ILiveLinkSource {
public:
    virtual ~ILiveLinkSource() = default;
    virtual void ReceiveClient(ILiveLinkClient* InClient, FGuid InSourceGuid) = 0;
    virtual void InitializeSettings(ULiveLinkSourceSettings* Settings) {}
    virtual void Update() {}
    virtual bool CanBeDisplayedInUI() const { return true; }
    virtual bool IsSourceStillValid() const = 0;
    virtual bool RequestSourceShutdown() = 0;
    virtual FText GetSourceType() const = 0;
    virtual FText GetSourceMachineName() const = 0;
    virtual FText GetSourceStatus() const = 0;
};
class ULiveLinkSourceFactory : public UObject {
public:
    enum class EMenuType { Disabled, SubPanel, MenuEntry };
    virtual FText GetSourceDisplayName() const = 0;
    virtual FText GetSourceTooltip() const = 0;
    virtual EMenuType GetMenuType() const { return EMenuType::Disabled; }
    virtual TSharedPtr<ILiveLinkSource> CreateSource(const FString& ConnectionString) const = 0;
};

// -- animation ------------------------------------------------------------------------------------------------

struct FMeshPoseBoneIndex { explicit FMeshPoseBoneIndex(int32) {} };
struct FCompactPoseBoneIndex {
    explicit FCompactPoseBoneIndex(int32 index) : index_(index) {}
    bool IsValid() const { return index_ >= 0; }
    int32 GetInt() const { return index_; }
    bool operator!=(int32 other) const { return index_ != other; }
private:
    int32 index_;
};
class FBoneContainer {
public:
    int32 GetCompactPoseNumBones() const { return 0; }
    FCompactPoseBoneIndex GetParentBoneIndex(const FCompactPoseBoneIndex&) const { return FCompactPoseBoneIndex(-1); }
    const FTransform& GetRefPoseTransform(const FCompactPoseBoneIndex&) const { return FTransform::Identity; }
    int32 GetPoseBoneIndexForBoneName(const FName&) const { return INDEX_NONE; }
    FCompactPoseBoneIndex MakeCompactPoseIndex(const FMeshPoseBoneIndex&) const { return FCompactPoseBoneIndex(-1); }
    uint16 GetSerialNumber() const { return 0; }
};
class FCompactPose {
public:
    const FBoneContainer& GetBoneContainer() const { return bones_; }
    FTransform& operator[](const FCompactPoseBoneIndex&) { return scratch_; }
private:
    FBoneContainer bones_;
    FTransform scratch_;
};
class ULiveLinkRetargetAsset : public UObject {
public:
    virtual void BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
                                            const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose) {}
};
class ULiveLinkRemapAsset : public ULiveLinkRetargetAsset {
public:
    FName GetRemappedBoneName(FName BoneName) const { return GetRemappedBoneName_Implementation(BoneName); }
    virtual FName GetRemappedBoneName_Implementation(FName BoneName) const { return BoneName; }
};

// -- gameplay and audio ---------------------------------------------------------------------------------------

namespace EEndPlayReason { enum Type { Destroyed, LevelTransition, EndPlayInEditor, RemovedFromWorld, Quit }; }
enum ELevelTick { LEVELTICK_TimeOnly, LEVELTICK_ViewportsOnly, LEVELTICK_All, LEVELTICK_PauseTick };
struct FActorComponentTickFunction { bool bCanEverTick = false; bool bStartWithTickEnabled = true; };
class AActor;
class UActorComponent : public UObject {
public:
    virtual void BeginPlay() {}
    virtual void EndPlay(const EEndPlayReason::Type) {}
    virtual void TickComponent(float, ELevelTick, FActorComponentTickFunction*) {}
    AActor* GetOwner() const { return nullptr; }
    void RegisterComponent() {}
    void DestroyComponent() {}
    FActorComponentTickFunction PrimaryComponentTick;
    bool bAutoActivate = true;
};
class USceneComponent : public UActorComponent {
public:
    void SetupAttachment(USceneComponent*) {}
};
class AActor : public UObject {
public:
    USceneComponent* GetRootComponent() const { return nullptr; }
};
enum ESoundGroup { SOUNDGROUP_Default, SOUNDGROUP_Effects, SOUNDGROUP_UI, SOUNDGROUP_Music, SOUNDGROUP_Voice };
constexpr float INDEFINITELY_LOOPING_DURATION = 10000.0f;
namespace Audio { namespace EAudioMixerStreamDataFormat { enum Type { Unknown, Float, Int16, Unsupported }; } }
class USoundBase : public UObject { public: float Duration = 0.0f; };
class USoundWave : public USoundBase {
public:
    void SetSampleRate(uint32_t) {}
    int32 NumChannels = 0;
    uint8 bLooping : 1;
    ESoundGroup SoundGroup = SOUNDGROUP_Default;
};
class USoundWaveProcedural : public USoundWave {
public:
    virtual int32 OnGeneratePCMAudio(TArray<uint8>& OutAudio, int32 NumSamples) { return 0; }
    virtual Audio::EAudioMixerStreamDataFormat::Type GetGeneratedPCMDataFormat() const { return Audio::EAudioMixerStreamDataFormat::Int16; }
};
class UAudioComponent : public USceneComponent {
public:
    void SetSound(USoundBase*) {}
    void SetVolumeMultiplier(float) {}
    void Play(float = 0.0f) {}
    void Stop() {}
    uint8 bAllowSpatialization : 1;
};

/// DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(Name, T1, N1, T2, N2, T3, N3): something with Broadcast.
#define DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(Name, T1, N1, T2, N2, T3, N3) \
    struct Name { void Broadcast(T1, T2, T3) const {} };

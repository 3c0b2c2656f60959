// A declaration of the Unreal Engine 5.3 members the plugin's glue uses (Source/AvatarBridge), so that
// tests/test_engine_cores.py can type-check the glue with g++ where no engine is installed.
//
// Every declaration names the engine header that declares it (`// From: <path>`, the path inside the engine's
// source tree). The engine-specific ones were read at realAYAYA/UnrealEngine-ToonLit commit
// 0b4f286d824bfe47cd716e991d814ce648e05d27 (Engine/Build/Build.version: 5.3.1; the mirror keeps the tree under
// UnrealEngine/); README.md says which were read there and which are cited only (Core's containers and templates).
// Where the engine declares a member, the signature here is the engine's: return type, parameter types, const,
// virtual, static, default arguments, base classes, enum values and their order. The bodies are not the engine's:
// they are only what the type checker needs, and the containers are backed by the standard library.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
using int32 = std::int32_t;
// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
using uint8 = std::uint8_t;
// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
using int16 = std::int16_t;
// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
using uint16 = std::uint16_t;
// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
using uint32 = std::uint32_t;
// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
using uint64 = std::uint64_t;
// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h (char16_t on Linux and Mac, wchar_t on Windows)
using TCHAR = char16_t;
// From: Engine/Source/Runtime/Core/Public/Misc/CoreMiscDefines.h
enum { INDEX_NONE = -1 };

// From: Engine/Source/Runtime/Core/Public/HAL/Platform.h
#define TEXT(x) u##x
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h
#define UCLASS(...)
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h
#define USTRUCT(...)
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h
#define UENUM(...)
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h
#define UPROPERTY(...)
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h
#define UFUNCTION(...)
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectMacros.h (UnrealHeaderTool expands it per class)
#define GENERATED_BODY()
// From: Engine/Source/Programs/UnrealBuildTool/Configuration/UEBuildModule.cs (UBT defines <MODULE>_API)
#define AVATARBRIDGE_API
// From: Engine/Source/Runtime/Core/Public/Internationalization/Internationalization.h
#define LOCTEXT(Key, Text) FText::FromString(FString(TEXT(Text)))
// From: Engine/Source/Runtime/Core/Public/Logging/LogMacros.h
#define DECLARE_LOG_CATEGORY_EXTERN(Name, Verbosity, Compile) extern struct FLogCategory##Name {} Name
// From: Engine/Source/Runtime/Core/Public/Logging/LogMacros.h
#define DEFINE_LOG_CATEGORY(Name) FLogCategory##Name Name
// From: Engine/Source/Runtime/Core/Public/Logging/LogMacros.h
#define UE_LOG(Category, Verbosity, Format, ...) ((void)(Category), (void)sizeof(Format))
// From: Engine/Source/Runtime/Core/Public/Modules/ModuleManager.h
#define IMPLEMENT_MODULE(Class, Name) static Class Name##Module;
// From: Engine/Source/Runtime/Core/Public/Delegates/DelegateCombinations.h (something with a Broadcast)
#define DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(Name, T1, N1, T2, N2, T3, N3) \
    struct Name { void Broadcast(T1, T2, T3) const {} };

// -- Core ---------------------------------------------------------------------------------------------------

// From: Engine/Source/Runtime/Core/Public/Templates/UnrealTemplate.h (rejects rvalues and const objects)
template <typename T>
typename std::remove_reference<T>::type&& MoveTemp(T&& Obj)
{
    static_assert(std::is_lvalue_reference<T>::value, "MoveTemp called on an rvalue");
    static_assert(!std::is_const<typename std::remove_reference<T>::type>::value, "MoveTemp called on a const object");
    return static_cast<typename std::remove_reference<T>::type&&>(Obj);
}

// From: Engine/Source/Runtime/Core/Public/Containers/UnrealString.h
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
// From: Engine/Source/Runtime/Core/Public/Containers/UnrealString.h
inline FString operator+(const TCHAR* a, const FString& b) { return FString(a) + b; }

// The conversion macros yield a temporary pointer, as Unreal's do.
// From: Engine/Source/Runtime/Core/Public/Containers/StringConv.h
struct FUtf8Text { std::string text; const char* get() const { return text.c_str(); } };
// From: Engine/Source/Runtime/Core/Public/Containers/StringConv.h
struct FTcharText { std::u16string text; const TCHAR* get() const { return text.c_str(); } };
// From: Engine/Source/Runtime/Core/Public/Containers/StringConv.h
inline FUtf8Text ToUtf8(const TCHAR*) { return {}; }
// From: Engine/Source/Runtime/Core/Public/Containers/StringConv.h
inline FTcharText ToTchar(const char*) { return {}; }
// From: Engine/Source/Runtime/Core/Public/Containers/StringConv.h
#define TCHAR_TO_UTF8(x) (ToUtf8(x).get())
// From: Engine/Source/Runtime/Core/Public/Containers/StringConv.h
#define UTF8_TO_TCHAR(x) (ToTchar(x).get())

// From: Engine/Source/Runtime/Core/Public/UObject/UnrealNames.h
enum class EName : uint32 { None = 0 };
// From: Engine/Source/Runtime/Core/Public/UObject/UnrealNames.h (REGISTER_NAME aliases: NAME_None is an EName)
inline constexpr EName NAME_None = EName::None;

// From: Engine/Source/Runtime/Core/Public/UObject/NameTypes.h
class FName {
public:
    FName() = default;
    FName(EName) {}
    FName(const TCHAR*) {}
    FName(const char*) {}
    FString ToString() const { return FString(); }
    bool operator==(const FName& o) const { return id_ == o.id_; }
    bool operator!=(const FName& o) const { return id_ != o.id_; }
    bool operator<(const FName& o) const { return id_ < o.id_; }
private:
    int id_ = 0;
};

// From: Engine/Source/Runtime/Core/Public/Internationalization/Text.h
class FText {
public:
    static FText FromString(const FString&) { return FText(); }
    static FText FromString(FString&&) { return FText(); }
};

// From: Engine/Source/Runtime/Core/Public/Containers/ContainersFwd.h
class FDefaultAllocator {};

// From: Engine/Source/Runtime/Core/Public/Containers/Array.h
template <typename T, typename Allocator = FDefaultAllocator>
class TArray {
public:
    int32 Num() const { return static_cast<int32>(items_.size()); }
    int32 Add(const T& item) { items_.push_back(item); return Num() - 1; }
    int32 Add(T&& item) { items_.push_back(std::move(item)); return Num() - 1; }
    void Append(const T* items, int32 n) { items_.insert(items_.end(), items, items + n); }
    void Reserve(int32 n) { items_.reserve(static_cast<std::size_t>(n)); }
    void Reset(int32 = 0) { items_.clear(); }
    void SetNum(int32 n, bool = true) { items_.resize(static_cast<std::size_t>(n)); }
    void SetNumZeroed(int32 n, bool = true) { items_.assign(static_cast<std::size_t>(n), T()); }
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

// From: Engine/Source/Runtime/Core/Public/Containers/Map.h
template <typename K, typename V>
class TMap {
public:
    V& Add(const K& key, const V& value) { return items_[key] = value; }
    V* Find(const K& key) { auto it = items_.find(key); return it == items_.end() ? nullptr : &it->second; }
    const V* Find(const K& key) const { auto it = items_.find(key); return it == items_.end() ? nullptr : &it->second; }
    V FindRef(const K& key) const { const V* v = Find(key); return v ? *v : V(); }
private:
    std::map<K, V> items_;
};

// From: Engine/Source/Runtime/Core/Public/Containers/EnumAsByte.h
template <class TEnum>
class TEnumAsByte {
public:
    TEnumAsByte() = default;
    TEnumAsByte(TEnum value) : value_(static_cast<uint8>(value)) {}
    TEnum GetValue() const { return static_cast<TEnum>(value_); }
private:
    uint8 value_ = 0;
};

// From: Engine/Source/Runtime/Core/Public/Templates/SharedPointerFwd.h
enum class ESPMode : uint8 { NotThreadSafe = 0, ThreadSafe = 1 };
// From: Engine/Source/Runtime/Core/Public/Templates/SharedPointerFwd.h
template <typename T, ESPMode Mode = ESPMode::ThreadSafe> class TSharedRef;
// From: Engine/Source/Runtime/Core/Public/Templates/SharedPointer.h
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
// From: Engine/Source/Runtime/Core/Public/Templates/SharedPointer.h
template <typename T, ESPMode Mode>
class TSharedRef {
public:
    explicit TSharedRef(std::shared_ptr<T> p) : p_(std::move(p)) {}
    T* operator->() const { return p_.get(); }
    std::shared_ptr<T> p_;
};
// From: Engine/Source/Runtime/Core/Public/Templates/SharedPointer.h
template <typename T, ESPMode Mode = ESPMode::ThreadSafe>
class TWeakPtr {
public:
    TWeakPtr() = default;
    TWeakPtr(const TSharedRef<T, Mode>& r) : p_(r.p_) {}
    TSharedPtr<T, Mode> Pin() const { return TSharedPtr<T, Mode>(p_.lock()); }
private:
    std::weak_ptr<T> p_;
};
// From: Engine/Source/Runtime/Core/Public/Templates/SharedPointer.h
template <typename T, ESPMode Mode = ESPMode::ThreadSafe, typename... Args>
TSharedRef<T, Mode> MakeShared(Args&&... args) { return TSharedRef<T, Mode>(std::make_shared<T>(std::forward<Args>(args)...)); }
// From: Engine/Source/Runtime/Core/Public/Templates/UniquePtr.h
template <typename T>
using TUniquePtr = std::unique_ptr<T>;
// From: Engine/Source/Runtime/Core/Public/Templates/UniquePtr.h
template <typename T, typename... Args>
TUniquePtr<T> MakeUnique(Args&&... args) { return std::make_unique<T>(std::forward<Args>(args)...); }

// From: Engine/Source/Runtime/Core/Public/HAL/CriticalSection.h
class FCriticalSection {};
// From: Engine/Source/Runtime/Core/Public/Misc/ScopeLock.h
class FScopeLock { public: explicit FScopeLock(FCriticalSection*) {} };

// From: Engine/Source/Runtime/Core/Public/Math/UnrealMathUtility.h
struct FMath {
    template <typename T> static constexpr T Abs(const T A) { return A < 0 ? -A : A; }
};
// From: Engine/Source/Runtime/Core/Public/HAL/PlatformTime.h
struct FPlatformTime { static double Seconds() { return 0.0; } };

// FVector, FQuat and FTransform are the double instances of the UE::Math templates (large world coordinates).
namespace UE::Math {
// From: Engine/Source/Runtime/Core/Public/Math/Vector.h
template <typename T>
struct TVector {
    TVector() = default;
    TVector(T InX, T InY, T InZ) : X(InX), Y(InY), Z(InZ) {}
    T X = 0, Y = 0, Z = 0;
};
// From: Engine/Source/Runtime/Core/Public/Math/Quat.h
template <typename T>
struct TQuat {
    TQuat() = default;
    TQuat(T InX, T InY, T InZ, T InW) : X(InX), Y(InY), Z(InZ), W(InW) {}
    TQuat<T> operator*(const TQuat<T>&) const { return *this; }
    static const TQuat<T> Identity;
    T X = 0, Y = 0, Z = 0, W = 1;
};
// From: Engine/Source/Runtime/Core/Public/Math/TransformNonVectorized.h
template <typename T>
struct TTransform {
    TTransform() = default;
    explicit TTransform(const TQuat<T>& InRotation, const TVector<T>& InTranslation) : Rotation(InRotation), Translation(InTranslation) {}
    TTransform<T> operator*(const TTransform<T>&) const { return *this; }
    TQuat<T> GetRotation() const { return Rotation; }
    TVector<T> GetTranslation() const { return Translation; }
    TVector<T> GetLocation() const { return Translation; }
    void SetRotation(const TQuat<T>& NewRotation) { Rotation = NewRotation; }
    void SetTranslation(const TVector<T>& NewTranslation) { Translation = NewTranslation; }
    TVector<T> InverseTransformPosition(const TVector<T>& V) const { return V; }
    static const TTransform<T> Identity;
private:
    TQuat<T> Rotation;
    TVector<T> Translation;
};
}  // namespace UE::Math
// From: Engine/Source/Runtime/Core/Public/Math/MathFwd.h
using FVector = UE::Math::TVector<double>;
// From: Engine/Source/Runtime/Core/Public/Math/MathFwd.h
using FQuat = UE::Math::TQuat<double>;
// From: Engine/Source/Runtime/Core/Public/Math/MathFwd.h
using FTransform = UE::Math::TTransform<double>;

// From: Engine/Source/Runtime/Core/Public/Misc/Guid.h
struct FGuid {};
// From: Engine/Source/Runtime/Core/Public/Features/IModularFeature.h
class IModularFeature { public: virtual ~IModularFeature() {} };

// -- CoreUObject ----------------------------------------------------------------------------------------------

// From: Engine/Source/Runtime/CoreUObject/Public/UObject/Class.h
class UClass;
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/Class.h
class UScriptStruct;
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/Object.h
class UObject {
public:
    virtual ~UObject() = default;
};
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/ObjectPtr.h
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
// From: Engine/Source/Runtime/CoreUObject/Public/Templates/SubclassOf.h
template <typename T>
class TSubclassOf {
public:
    TSubclassOf(UClass*) {}
};
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/UObjectGlobals.h
template <typename T>
const T* GetDefault() { static T instance; return &instance; }
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/UObjectGlobals.h
template <typename T>
T* NewObject(UObject* Outer = nullptr) { return new T(); }
// From: Engine/Source/Runtime/CoreUObject/Public/UObject/Interface.h (IInterface_AssetUserData's base)
class IInterface {};

// -- modules, settings, assets ------------------------------------------------------------------------------

// From: Engine/Source/Runtime/Core/Public/Modules/ModuleInterface.h
class IModuleInterface { public: virtual ~IModuleInterface() {} };
// From: Engine/Source/Runtime/Core/Public/Modules/ModuleManager.h
class FDefaultModuleImpl : public IModuleInterface {};
// From: Engine/Source/Runtime/DeveloperSettings/Public/Engine/DeveloperSettings.h
class UDeveloperSettings : public UObject {
public:
    virtual FName GetCategoryName() const { return FName(); }
};
// From: Engine/Source/Runtime/Engine/Classes/Engine/DataAsset.h
class UDataAsset : public UObject {};

// From: Engine/Source/Runtime/Core/Public/Misc/Parse.h
struct FParse {
    static bool Value(const TCHAR*, const TCHAR*, FString&) { return false; }
};

// -- Live Link ------------------------------------------------------------------------------------------------

// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h
struct FLiveLinkSubjectKey {
    FLiveLinkSubjectKey() = default;
    FLiveLinkSubjectKey(FGuid InSource, FName InSubjectName) {}
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h (FLiveLinkWorldTime(double) converts)
struct FLiveLinkWorldTime {
    FLiveLinkWorldTime() {}
    FLiveLinkWorldTime(const double InTime) : Time(InTime) {}
    explicit FLiveLinkWorldTime(const double InTime, const double InOffset) : Time(InTime), Offset(InOffset) {}
private:
    double Time = 0.0;
    double Offset = 0.0;
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h (StaticStruct: UnrealHeaderTool)
struct FLiveLinkBaseFrameData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    FLiveLinkWorldTime WorldTime;
    TArray<float> PropertyValues;
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h (StaticStruct: UnrealHeaderTool)
struct FLiveLinkBaseStaticData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    TArray<FName> PropertyNames;
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h (a move-only wrapper of a struct instance)
template <typename BaseType>
class FLiveLinkBaseDataStruct {
public:
    FLiveLinkBaseDataStruct() = default;
    FLiveLinkBaseDataStruct(const UScriptStruct* InType) {}
    FLiveLinkBaseDataStruct(FLiveLinkBaseDataStruct&& InOther) {}
    FLiveLinkBaseDataStruct& operator=(FLiveLinkBaseDataStruct&& InOther) { return *this; }
    template <typename Type> Type* Cast() { return nullptr; }
    template <typename Type> const Type* Cast() const { return nullptr; }
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h
using FLiveLinkStaticDataStruct = FLiveLinkBaseDataStruct<FLiveLinkBaseStaticData>;
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkTypes.h
using FLiveLinkFrameDataStruct = FLiveLinkBaseDataStruct<FLiveLinkBaseFrameData>;

// From: Engine/Source/Runtime/LiveLinkInterface/Public/Roles/LiveLinkAnimationTypes.h
struct FLiveLinkSkeletonStaticData : public FLiveLinkBaseStaticData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    void SetBoneNames(const TArray<FName>& InBoneNames) { BoneNames = InBoneNames; }
    const TArray<FName>& GetBoneNames() const { return BoneNames; }
    void SetBoneParents(const TArray<int32> InBoneParents) { BoneParents = InBoneParents; }
    const TArray<int32>& GetBoneParents() const { return BoneParents; }
    TArray<FName> BoneNames;
    TArray<int32> BoneParents;
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/Roles/LiveLinkAnimationTypes.h
struct FLiveLinkAnimationFrameData : public FLiveLinkBaseFrameData {
    static UScriptStruct* StaticStruct() { return nullptr; }
    TArray<FTransform> Transforms;
};

// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkRole.h
class ULiveLinkRole : public UObject {};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/Roles/LiveLinkBasicRole.h (StaticClass: UnrealHeaderTool)
class ULiveLinkBasicRole : public ULiveLinkRole { public: static UClass* StaticClass() { return nullptr; } };
// From: Engine/Source/Runtime/LiveLinkInterface/Public/Roles/LiveLinkAnimationRole.h (StaticClass: UnrealHeaderTool)
class ULiveLinkAnimationRole : public ULiveLinkBasicRole { public: static UClass* StaticClass() { return nullptr; } };

// From: Engine/Source/Runtime/LiveLinkInterface/Public/ILiveLinkClient.h
class ILiveLinkClient_Base_DEPRECATED : public IModularFeature {};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/ILiveLinkClient.h
class ILiveLinkClient : public ILiveLinkClient_Base_DEPRECATED {
public:
    virtual ~ILiveLinkClient() {}
    virtual void PushSubjectStaticData_AnyThread(const FLiveLinkSubjectKey& SubjectKey, TSubclassOf<ULiveLinkRole> Role,
                                                 FLiveLinkStaticDataStruct&& StaticData) = 0;
    virtual void PushSubjectFrameData_AnyThread(const FLiveLinkSubjectKey& SubjectKey, FLiveLinkFrameDataStruct&& FrameData) = 0;
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkSourceSettings.h
enum class ELiveLinkSourceMode : uint8 { Latest, EngineTime, Timecode };
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkSourceSettings.h
class ULiveLinkSourceSettings : public UObject {
public:
    ELiveLinkSourceMode Mode = ELiveLinkSourceMode::EngineTime;
};
// From: Engine/Source/Runtime/LiveLinkInterface/Public/ILiveLinkSource.h
class ILiveLinkSource {
public:
    virtual ~ILiveLinkSource() {}
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
// From: Engine/Source/Runtime/LiveLinkInterface/Public/LiveLinkSourceFactory.h
// (PURE_VIRTUAL members have a body that fails at run time, so they are not `= 0` in C++.)
class ULiveLinkSourceFactory : public UObject {
public:
    virtual FText GetSourceDisplayName() const { return FText(); }
    virtual FText GetSourceTooltip() const { return FText(); }
    enum class EMenuType { SubPanel, MenuEntry, Disabled };
    virtual EMenuType GetMenuType() const { return EMenuType::Disabled; }
    virtual TSharedPtr<ILiveLinkSource> CreateSource(const FString& ConnectionString) const { return TSharedPtr<ILiveLinkSource>(); }
};

// -- animation ------------------------------------------------------------------------------------------------

// From: Engine/Source/Runtime/Engine/Public/BoneIndices.h
struct FBoneIndexBase {
    FBoneIndexBase() = default;
    int32 GetInt() const { return BoneIndex; }
    bool IsValid() const { return BoneIndex != INDEX_NONE; }
protected:
    int32 BoneIndex = INDEX_NONE;
};
// From: Engine/Source/Runtime/Engine/Public/BoneIndices.h
template <class RealBoneIndexType>
struct FBoneIndexWithOperators : public FBoneIndexBase {
    friend bool operator==(const RealBoneIndexType& Lhs, const int32 Rhs) { return Lhs.GetInt() == Rhs; }
    friend bool operator!=(const RealBoneIndexType& Lhs, const int32 Rhs) { return Lhs.GetInt() != Rhs; }
};
// From: Engine/Source/Runtime/Engine/Public/BoneIndices.h
struct FCompactPoseBoneIndex : public FBoneIndexWithOperators<FCompactPoseBoneIndex> {
    explicit FCompactPoseBoneIndex(int32 InBoneIndex) { BoneIndex = InBoneIndex; }
};
// From: Engine/Source/Runtime/Engine/Public/BoneIndices.h
struct FMeshPoseBoneIndex : public FBoneIndexWithOperators<FMeshPoseBoneIndex> {
    explicit FMeshPoseBoneIndex(int32 InBoneIndex) { BoneIndex = InBoneIndex; }
};

// The engine returns `const int32` by value from GetCompactPoseNumBones; -Wextra warns about that qualifier.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-qualifiers"
// From: Engine/Source/Runtime/Engine/Public/BoneContainer.h
struct FBoneContainer {
    const int32 GetCompactPoseNumBones() const { return 0; }
    int32 GetPoseBoneIndexForBoneName(const FName& BoneName) const { return INDEX_NONE; }
    int32 GetParentBoneIndex(const int32 BoneIndex) const { return INDEX_NONE; }
    FCompactPoseBoneIndex GetParentBoneIndex(const FCompactPoseBoneIndex& BoneIndex) const { return FCompactPoseBoneIndex(INDEX_NONE); }
    const FTransform& GetRefPoseTransform(const FCompactPoseBoneIndex& BoneIndex) const { return FTransform::Identity; }
    FCompactPoseBoneIndex MakeCompactPoseIndex(const FMeshPoseBoneIndex& BoneIndex) const { return FCompactPoseBoneIndex(INDEX_NONE); }
    uint16 GetSerialNumber() const { return 0; }
};
#pragma GCC diagnostic pop

// From: Engine/Source/Runtime/Core/Public/Misc/MemStack.h
class FAnimStackAllocator {};
// From: Engine/Source/Runtime/Engine/Public/BonePose.h
template <class BoneIndexType, typename InAllocator>
struct FBasePose {
    FTransform& operator[](const BoneIndexType& BoneIndex) { return scratch_; }
    const FTransform& operator[](const BoneIndexType& BoneIndex) const { return scratch_; }
private:
    FTransform scratch_;
};
// From: Engine/Source/Runtime/Engine/Public/BonePose.h
template <typename InAllocator>
struct FBaseCompactPose : FBasePose<FCompactPoseBoneIndex, InAllocator> {
    const FBoneContainer& GetBoneContainer() const { return *BoneContainer; }
    FBoneContainer& GetBoneContainer() { return *const_cast<FBoneContainer*>(BoneContainer); }
protected:
    const FBoneContainer* BoneContainer = nullptr;
};
// From: Engine/Source/Runtime/Engine/Public/BonePose.h
struct FCompactPose : public FBaseCompactPose<FAnimStackAllocator> {};

// From: Engine/Source/Runtime/LiveLinkAnimationCore/Public/LiveLinkRetargetAsset.h
class ULiveLinkRetargetAsset : public UObject {
public:
    virtual void Initialize() {}
    virtual void BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
                                            const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose) {}
};
// From: Engine/Source/Runtime/LiveLinkAnimationCore/Public/LiveLinkRemapAsset.h
// (GetRemappedBoneName is a BlueprintNativeEvent: UnrealHeaderTool declares the virtual _Implementation.)
class ULiveLinkRemapAsset : public ULiveLinkRetargetAsset {
public:
    virtual ~ULiveLinkRemapAsset() {}
    virtual void BuildPoseFromAnimationData(float DeltaTime, const FLiveLinkSkeletonStaticData* InSkeletonData,
                                            const FLiveLinkAnimationFrameData* InFrameData, FCompactPose& OutPose) override {}
    FName GetRemappedBoneName(FName BoneName) const { return GetRemappedBoneName_Implementation(BoneName); }
    virtual FName GetRemappedBoneName_Implementation(FName BoneName) const { return BoneName; }
};

// -- gameplay and audio ---------------------------------------------------------------------------------------

// From: Engine/Source/Runtime/Engine/Classes/Engine/EngineTypes.h
namespace EEndPlayReason { enum Type : int { Destroyed, LevelTransition, EndPlayInEditor, RemovedFromWorld, Quit }; }
// From: Engine/Source/Runtime/Engine/Classes/Engine/EngineBaseTypes.h
enum ELevelTick { LEVELTICK_TimeOnly = 0, LEVELTICK_ViewportsOnly = 1, LEVELTICK_All = 2, LEVELTICK_PauseTick = 3 };
// From: Engine/Source/Runtime/Engine/Classes/Engine/EngineBaseTypes.h
struct FTickFunction {
    virtual ~FTickFunction() {}
    uint8 bTickEvenWhenPaused : 1;
    uint8 bCanEverTick : 1;
    uint8 bStartWithTickEnabled : 1;
};
// From: Engine/Source/Runtime/Engine/Classes/Engine/EngineBaseTypes.h
struct FActorComponentTickFunction : public FTickFunction {};
// From: Engine/Source/Runtime/Engine/Classes/Interfaces/Interface_AssetUserData.h
class IInterface_AssetUserData : public IInterface {};

// From: Engine/Source/Runtime/Engine/Classes/GameFramework/Actor.h
class AActor;
// From: Engine/Source/Runtime/Engine/Classes/Components/ActorComponent.h
class UActorComponent : public UObject, public IInterface_AssetUserData {
public:
    FActorComponentTickFunction PrimaryComponentTick;
    uint8 bAutoActivate : 1;
    AActor* GetOwner() const { return nullptr; }
    template <class T> T* GetOwner() const { return nullptr; }
    virtual void BeginPlay() {}
    virtual void EndPlay(const EEndPlayReason::Type EndPlayReason) {}
    virtual void TickComponent(float DeltaTime, enum ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) {}
    void RegisterComponent() {}
    virtual void DestroyComponent(bool bPromoteChildren = false) {}
};
// From: Engine/Source/Runtime/Engine/Classes/Components/SceneComponent.h
class USceneComponent : public UActorComponent {
public:
    void SetupAttachment(USceneComponent* InParent, FName InSocketName = NAME_None) {}
};
// From: Engine/Source/Runtime/Engine/Classes/GameFramework/Actor.h
class AActor : public UObject {
public:
    USceneComponent* GetRootComponent() const { return nullptr; }
};

// From: Engine/Source/Runtime/Engine/Classes/Sound/SoundGroups.h
enum ESoundGroup : int {
    SOUNDGROUP_Default, SOUNDGROUP_Effects, SOUNDGROUP_UI, SOUNDGROUP_Music, SOUNDGROUP_Voice,
    SOUNDGROUP_GameSoundGroup1, SOUNDGROUP_GameSoundGroup2, SOUNDGROUP_GameSoundGroup3, SOUNDGROUP_GameSoundGroup4,
    SOUNDGROUP_GameSoundGroup5, SOUNDGROUP_GameSoundGroup6, SOUNDGROUP_GameSoundGroup7, SOUNDGROUP_GameSoundGroup8,
    SOUNDGROUP_GameSoundGroup9, SOUNDGROUP_GameSoundGroup10, SOUNDGROUP_GameSoundGroup11, SOUNDGROUP_GameSoundGroup12,
    SOUNDGROUP_GameSoundGroup13, SOUNDGROUP_GameSoundGroup14, SOUNDGROUP_GameSoundGroup15, SOUNDGROUP_GameSoundGroup16,
    SOUNDGROUP_GameSoundGroup17, SOUNDGROUP_GameSoundGroup18, SOUNDGROUP_GameSoundGroup19, SOUNDGROUP_GameSoundGroup20,
};
// From: Engine/Source/Runtime/AudioMixerCore/Public/AudioDefines.h
#define INDEFINITELY_LOOPING_DURATION 10000.0f
// From: Engine/Source/Runtime/AudioMixerCore/Public/AudioMixerTypes.h
namespace Audio { namespace EAudioMixerStreamDataFormat { enum Type { Unknown, Float, Int16, Unsupported }; } }
// From: Engine/Source/Runtime/AudioExtensions/Public/IAudioProxyInitializer.h
class IAudioProxyDataFactory { public: virtual ~IAudioProxyDataFactory() = default; };
// From: Engine/Source/Runtime/Engine/Classes/Interfaces/Interface_AsyncCompilation.h
class IInterface_AsyncCompilation { public: virtual ~IInterface_AsyncCompilation() = default; };

// From: Engine/Source/Runtime/Engine/Classes/Sound/SoundBase.h
class USoundBase : public UObject, public IInterface_AssetUserData {
public:
    float Duration = 0.0f;
};
// From: Engine/Source/Runtime/Engine/Classes/Sound/SoundWave.h (GetGeneratedPCMDataFormat lives here)
class USoundWave : public USoundBase, public IAudioProxyDataFactory, public IInterface_AsyncCompilation {
public:
    TEnumAsByte<ESoundGroup> SoundGroup;
    uint8 bLooping : 1;
    int32 NumChannels = 0;
    void SetSampleRate(uint32 InSampleRate) {}
    virtual Audio::EAudioMixerStreamDataFormat::Type GetGeneratedPCMDataFormat() const { return Audio::EAudioMixerStreamDataFormat::Int16; }
};
// From: Engine/Source/Runtime/Engine/Classes/Sound/SoundWaveProcedural.h
class USoundWaveProcedural : public USoundWave {
public:
    virtual int32 OnGeneratePCMAudio(TArray<uint8>& OutAudio, int32 NumSamples) { return 0; }
};

// From: Engine/Source/Runtime/Engine/Public/Audio/SoundParameterControllerInterface.h
class ISoundParameterControllerInterface { public: virtual ~ISoundParameterControllerInterface() = default; };
// From: Engine/Source/Runtime/Engine/Classes/Sound/QuartzQuantizationUtilities.h
class FQuartzTickableObject { public: virtual ~FQuartzTickableObject() = default; };
// From: Engine/Source/Runtime/Engine/Classes/Components/AudioComponent.h
class UAudioComponent : public USceneComponent, public ISoundParameterControllerInterface, public FQuartzTickableObject {
public:
    uint8 bAllowSpatialization : 1;
    void SetSound(USoundBase* NewSound) {}
    virtual void Play(float StartTime = 0.0f) {}
    virtual void Stop() {}
    void SetVolumeMultiplier(float NewVolumeMultiplier) {}
};

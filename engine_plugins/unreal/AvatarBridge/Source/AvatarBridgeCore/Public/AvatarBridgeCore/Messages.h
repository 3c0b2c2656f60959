// Avatar Bridge wire schema, version 1, as plain C++ structs (mirrors bridge/protocol.py and docs/protocol.md).
//
// Engine-agnostic: no Unreal header, no ZeroMQ or msgpack type leaks out of this header, so the engine glue
// sees only standard types. Times are seconds on the sidecar's clock (`pts`) unless a name says otherwise.
//
// Adding a stream kind is a small change:
//   1. a struct here and its alternative in `StreamMessage`;
//   2. a decode function and one row in the kind table in Private/Codec.cpp (and its wire shape in ToValue);
//   3. a handler in Client.cpp (a JitterBuffer for timed frames, like the face and the pose).
// Kinds this core does not know (a newer sidecar may add some) are skipped and counted as `unknownKind`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace avatarbridge {

/// The protocol version this core speaks; messages with another `v` are skipped and counted.
constexpr int kProtocolVersion = 1;
/// Face weights per frame: the 52 ARKit blendshapes in ARKit order.
constexpr int kNumFaceWeights = 52;

/// The 52 ARKit blendshapes in ARKit order, Apple's lower camel case (as `describe.blendshapes` lists them).
extern const std::array<const char*, kNumFaceWeights> kArkitBlendshapes;
/// The 61 Live Link Face curve names (Unreal's EARFaceBlendShape order): the 52 in upper camel case, then
/// HeadYaw, HeadPitch, HeadRoll, LeftEyeYaw, LeftEyePitch, LeftEyeRoll, RightEyeYaw, RightEyePitch, RightEyeRoll.
extern const std::array<const char*, 61> kLiveLinkFaceCurves;

/// A decoded msgpack value: what replies and event extras carry (maps keep their wire order).
struct Value {
    enum class Type { Nil, Bool, Int, Float, String, Binary, Array, Map };
    Type type = Type::Nil;
    bool boolean = false;
    int64_t integer = 0;
    double number = 0.0;
    std::string string;  // String
    std::vector<uint8_t> binary;  // Binary
    std::vector<Value> array;  // Array
    std::vector<std::pair<std::string, Value>> map;  // Map (string keys only, as the protocol requires)

    static Value Nil() { return Value(); }
    static Value Bool(bool b);
    static Value Int(int64_t i);
    static Value Float(double d);
    static Value Str(std::string s);
    static Value Bin(std::vector<uint8_t> b);
    static Value Array(std::vector<Value> items);
    static Value Map(std::vector<std::pair<std::string, Value>> entries);

    bool isNil() const { return type == Type::Nil; }
    bool isNumber() const { return type == Type::Int || type == Type::Float; }
    /// Int or Float as a double (0 otherwise).
    double asDouble() const { return type == Type::Int ? static_cast<double>(integer) : number; }
    /// The value under `key` in a map, or nullptr (also when this is not a map).
    const Value* find(const std::string& key) const;
    bool operator==(const Value& other) const;
    bool operator!=(const Value& other) const { return !(*this == other); }
};

/// Mono s16le PCM to play at `pts` (the pts of the first sample).
struct AudioChunk {
    std::string avatar;
    std::string take;
    int64_t seq = 0;
    double pts = 0.0;
    int rate = 0;
    std::vector<int16_t> pcm;
    double duration() const { return rate > 0 ? static_cast<double>(pcm.size()) / rate : 0.0; }
};

/// [phoneme, viseme, start_s, end_s], seconds from the take's first sample.
struct PhonemeItem {
    std::string phoneme;
    std::string viseme;
    double start = 0.0;
    double end = 0.0;
};

/// Phonemes of one synthesized clause of a take; sent ahead of the audio.
struct Phonemes {
    std::string avatar;
    std::string take;
    std::vector<PhonemeItem> items;
};

/// [word, start_s, end_s], seconds from the take's first sample.
struct WordItem {
    std::string word;
    double start = 0.0;
    double end = 0.0;
};

/// Words of one synthesized clause of a take: subtitles, gesture timing, what was heard.
struct Words {
    std::string avatar;
    std::string take;
    std::vector<WordItem> items;
};

/// One face pose to apply at `pts`.
struct FaceFrame {
    std::string avatar;
    int64_t seq = 0;
    double pts = 0.0;
    std::array<float, kNumFaceWeights> weights{};  // ARKit order, 0..1
    std::array<double, 3> head{};  // yaw, pitch, roll (radians)
    std::array<double, 4> eyes{};  // left yaw, left pitch, right yaw, right pitch (radians)
};

/// A rotation as the wire carries it: x, y, z, w (the Hamilton product on coordinates, as Unity's Quaternion and
/// models/body/quat.py compute it). Body.h has the arithmetic and the conversions to Unreal's axes.
struct Quat {
    float x = 0.0f;
    float y = 0.0f;
    float z = 0.0f;
    float w = 1.0f;
    bool operator==(const Quat& o) const { return x == o.x && y == o.y && z == o.z && w == o.w; }
    bool operator!=(const Quat& o) const { return !(*this == o); }
};

/// One body pose to apply at `pts`: the Hips position and every joint's rotation local to its parent, in the
/// order of the latest Skeleton. Unity axes (left-handed, +X right, +Y up, +Z forward), metres; the T-pose is
/// every rotation the identity.
struct PoseFrame {
    std::string avatar;
    int64_t seq = 0;
    double pts = 0.0;
    std::array<double, 3> root{};  // Hips position [x, y, z], metres
    std::vector<Quat> rotations;  // one per joint, skeleton order
};

/// The joints pose frames refer to: Unity HumanBodyBones names, parent indices (-1 for the root; a parent always
/// comes before its children, so one pass does forward kinematics) and rest offsets from the parent (metres).
struct Skeleton {
    std::string avatar;
    std::vector<std::string> joints;
    std::vector<int> parents;
    std::vector<std::array<double, 3>> offsets;
    std::size_t size() const { return joints.size(); }
    /// The index of a joint by name, -1 when there is none.
    int indexOf(const std::string& joint) const;
    /// Same joints, parents and offsets (the avatar aside): a re-sent skeleton changes nothing.
    bool sameShape(const Skeleton& other) const {
        return joints == other.joints && parents == other.parents && offsets == other.offsets;
    }
};

/// Something that happened at `pts`: sidecar_started {protocol_version, avatars}, take_started {text, emotion},
/// take_ended, interrupted, error {code, message}.
struct Event {
    std::string avatar;
    int64_t seq = 0;
    double pts = 0.0;
    std::string type;
    bool hasTake = false;  // `take` is nil for events that belong to no take
    std::string take;
    std::string run;  // the id of the sidecar run that sent it: another one means a restart ("" when not sent)
    std::vector<std::pair<std::string, Value>> data;  // the type's extra fields, in wire order
    /// A string field of `data` ("" when absent or not a string).
    std::string text(const std::string& key) const;
};

/// Every stream message this core understands.
using StreamMessage = std::variant<AudioChunk, Phonemes, Words, FaceFrame, Event, PoseFrame, Skeleton>;

/// The `kind` string of a message ("audio", "face", ...).
const char* kindOf(const StreamMessage& message);

/// A reply on the control socket: `{id, ok: true, ...}` or `{id, ok: false, error: {code, message, field}}`.
struct Reply {
    Value id;
    bool ok = false;
    std::string errorCode;  // also set by the client itself: "timeout", "not_connected", "malformed", "stopped"
    std::string errorMessage;
    std::string errorField;
    Value body;  // the whole reply map
    /// A string field of the reply ("" when absent).
    std::string text(const std::string& key) const;
    /// A number field of the reply (`fallback` when absent).
    double number(const std::string& key, double fallback = 0.0) const;
};

}  // namespace avatarbridge

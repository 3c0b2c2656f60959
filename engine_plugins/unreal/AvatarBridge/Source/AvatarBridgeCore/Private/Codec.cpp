// msgpack decoding into plain structs, request encoding and JSON output. msgpack-cxx stays in this file.
#include "AvatarBridgeCore/Codec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "MsgpackInclude.h"

namespace avatarbridge {

const std::array<const char*, kNumFaceWeights> kArkitBlendshapes = {
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawLeft", "jawRight", "jawOpen", "mouthClose", "mouthFunnel",
    "mouthPucker", "mouthLeft", "mouthRight", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthPressLeft", "mouthPressRight",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight", "browDownLeft",
    "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff", "cheekSquintLeft",
    "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
};

const std::array<const char*, 61> kLiveLinkFaceCurves = {
    "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft", "EyeSquintLeft",
    "EyeWideLeft", "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight",
    "EyeSquintRight", "EyeWideRight", "JawForward", "JawLeft", "JawRight", "JawOpen", "MouthClose", "MouthFunnel",
    "MouthPucker", "MouthLeft", "MouthRight", "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft",
    "MouthFrownRight", "MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper", "MouthPressLeft", "MouthPressRight",
    "MouthLowerDownLeft", "MouthLowerDownRight", "MouthUpperUpLeft", "MouthUpperUpRight", "BrowDownLeft",
    "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight", "CheekPuff", "CheekSquintLeft",
    "CheekSquintRight", "NoseSneerLeft", "NoseSneerRight", "TongueOut", "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll", "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
};

// -- Value ---------------------------------------------------------------------------------------------------

Value Value::Bool(bool b) { Value v; v.type = Type::Bool; v.boolean = b; return v; }
Value Value::Int(int64_t i) { Value v; v.type = Type::Int; v.integer = i; return v; }
Value Value::Float(double d) { Value v; v.type = Type::Float; v.number = d; return v; }
Value Value::Str(std::string s) { Value v; v.type = Type::String; v.string = std::move(s); return v; }
Value Value::Bin(std::vector<uint8_t> b) { Value v; v.type = Type::Binary; v.binary = std::move(b); return v; }
Value Value::Array(std::vector<Value> items) { Value v; v.type = Type::Array; v.array = std::move(items); return v; }
Value Value::Map(std::vector<std::pair<std::string, Value>> entries) {
    Value v;
    v.type = Type::Map;
    v.map = std::move(entries);
    return v;
}

const Value* Value::find(const std::string& key) const {
    if (type != Type::Map) return nullptr;
    for (const auto& entry : map) {
        if (entry.first == key) return &entry.second;
    }
    return nullptr;
}

bool Value::operator==(const Value& other) const {
    if (type != other.type) return false;
    switch (type) {
        case Type::Nil: return true;
        case Type::Bool: return boolean == other.boolean;
        case Type::Int: return integer == other.integer;
        case Type::Float: return number == other.number || (std::isnan(number) && std::isnan(other.number));
        case Type::String: return string == other.string;
        case Type::Binary: return binary == other.binary;
        case Type::Array: return array == other.array;
        case Type::Map: return map == other.map;
    }
    return false;
}

std::string Event::text(const std::string& key) const {
    for (const auto& entry : data) {
        if (entry.first == key && entry.second.type == Value::Type::String) return entry.second.string;
    }
    return "";
}

int Skeleton::indexOf(const std::string& joint) const {
    const auto it = std::find(joints.begin(), joints.end(), joint);
    return it == joints.end() ? -1 : static_cast<int>(it - joints.begin());
}

std::string Reply::text(const std::string& key) const {
    const Value* v = body.find(key);
    return v && v->type == Value::Type::String ? v->string : "";
}

double Reply::number(const std::string& key, double fallback) const {
    const Value* v = body.find(key);
    return v && v->isNumber() ? v->asDouble() : fallback;
}

const char* kindOf(const StreamMessage& message) {
    struct Kind {
        const char* operator()(const AudioChunk&) const { return "audio"; }
        const char* operator()(const Phonemes&) const { return "phonemes"; }
        const char* operator()(const Words&) const { return "words"; }
        const char* operator()(const FaceFrame&) const { return "face"; }
        const char* operator()(const Event&) const { return "event"; }
        const char* operator()(const PoseFrame&) const { return "pose"; }
        const char* operator()(const Skeleton&) const { return "skeleton"; }
    };
    return std::visit(Kind{}, message);
}

const char* toString(DecodeStatus status) {
    switch (status) {
        case DecodeStatus::Ok: return "ok";
        case DecodeStatus::Malformed: return "malformed";
        case DecodeStatus::Version: return "version";
        case DecodeStatus::UnknownKind: return "unknown_kind";
        case DecodeStatus::Invalid: return "invalid";
    }
    return "?";
}

// -- msgpack -> Value ----------------------------------------------------------------------------------------

namespace {

// Bounds that keep a hostile or corrupted header from allocating gigabytes: the largest real message is an
// audio chunk of a few KiB, and a control frame is at most 1 MiB (ZMQ_MAXMSGSIZE on the sidecar).
constexpr std::size_t kMaxContainer = 1 << 16;
constexpr std::size_t kMaxBytes = 1 << 22;
constexpr std::size_t kMaxDepth = 32;

struct Malformed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

Value fromObject(const msgpack::object& o) {
    switch (o.type) {
        case msgpack::type::NIL: return Value::Nil();
        case msgpack::type::BOOLEAN: return Value::Bool(o.via.boolean);
        case msgpack::type::POSITIVE_INTEGER:
            if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) throw Malformed("integer out of range");
            return Value::Int(static_cast<int64_t>(o.via.u64));
        case msgpack::type::NEGATIVE_INTEGER: return Value::Int(o.via.i64);
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64: return Value::Float(o.via.f64);
        case msgpack::type::STR: return Value::Str(std::string(o.via.str.ptr, o.via.str.size));
        case msgpack::type::BIN: {
            const auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
            return Value::Bin(std::vector<uint8_t>(p, p + o.via.bin.size));
        }
        case msgpack::type::ARRAY: {
            Value v;
            v.type = Value::Type::Array;
            v.array.reserve(o.via.array.size);
            for (uint32_t i = 0; i < o.via.array.size; ++i) v.array.push_back(fromObject(o.via.array.ptr[i]));
            return v;
        }
        case msgpack::type::MAP: {
            Value v;
            v.type = Value::Type::Map;
            v.map.reserve(o.via.map.size);
            for (uint32_t i = 0; i < o.via.map.size; ++i) {
                const msgpack::object_kv& kv = o.via.map.ptr[i];
                if (kv.key.type != msgpack::type::STR) throw Malformed("map key is not a string");
                v.map.emplace_back(std::string(kv.key.via.str.ptr, kv.key.via.str.size), fromObject(kv.val));
            }
            return v;
        }
        case msgpack::type::EXT: throw Malformed("ext types are not part of the protocol");
    }
    throw Malformed("unknown msgpack type");
}

}  // namespace

bool decodeValue(const uint8_t* data, size_t size, Value& out, std::string* error) {
    try {
        if (data == nullptr || size == 0) throw Malformed("empty message");
        std::size_t offset = 0;
        const msgpack::unpack_limit limit(kMaxContainer, kMaxContainer, kMaxBytes, kMaxBytes, kMaxBytes, kMaxDepth);
        msgpack::object_handle handle =
            msgpack::unpack(reinterpret_cast<const char*>(data), size, offset, nullptr, nullptr, limit);
        if (offset != size) throw Malformed("trailing bytes after the message");
        out = fromObject(handle.get());
        return true;
    } catch (const std::exception& e) {
        // msgpack throws insufficient_bytes (truncated), parse_error, *_size_overflow (limits), bad_alloc...
        if (error) *error = std::string("not valid msgpack: ") + e.what();
        return false;
    }
}

// -- Value -> structs ----------------------------------------------------------------------------------------

namespace {

struct FieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const Value& field(const Value& body, const char* kind, const char* name) {
    const Value* v = body.find(name);
    if (v == nullptr) throw FieldError(std::string(kind) + " message lacks " + name);
    return *v;
}

[[noreturn]] void wrongType(const char* kind, const char* name, const char* wanted) {
    throw FieldError(std::string(kind) + "." + name + " must be " + wanted);
}

std::string getString(const Value& body, const char* kind, const char* name) {
    const Value& v = field(body, kind, name);
    if (v.type != Value::Type::String) wrongType(kind, name, "a string");
    return v.string;
}

double getNumber(const Value& v, const char* kind, const char* name) {
    if (!v.isNumber() || !std::isfinite(v.asDouble())) wrongType(kind, name, "a finite number");
    return v.asDouble();
}

double getNumberField(const Value& body, const char* kind, const char* name) {
    return getNumber(field(body, kind, name), kind, name);
}

int64_t getInt(const Value& body, const char* kind, const char* name) {
    const Value& v = field(body, kind, name);
    if (v.type != Value::Type::Int) wrongType(kind, name, "an integer");
    return v.integer;
}

const std::vector<uint8_t>& getBin(const Value& body, const char* kind, const char* name) {
    const Value& v = field(body, kind, name);
    if (v.type != Value::Type::Binary) wrongType(kind, name, "binary");
    return v.binary;
}

template <std::size_t N>
std::array<double, N> getNumbers(const Value& body, const char* kind, const char* name) {
    const Value& v = field(body, kind, name);
    if (v.type != Value::Type::Array || v.array.size() != N) {
        wrongType(kind, name, (std::string("a list of ") + std::to_string(N) + " numbers").c_str());
    }
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = getNumber(v.array[i], kind, name);
    return out;
}

const std::vector<Value>& getItems(const Value& body, const char* kind, std::size_t width) {
    const Value& v = field(body, kind, "items");
    if (v.type != Value::Type::Array) wrongType(kind, "items", "a list");
    for (const Value& item : v.array) {
        if (item.type != Value::Type::Array || item.array.size() < width) {
            wrongType(kind, "items", (std::string("a list of lists of ") + std::to_string(width) + " values").c_str());
        }
    }
    return v.array;
}

std::string itemString(const Value& v, const char* kind) {
    if (v.type != Value::Type::String) wrongType(kind, "items", "lists that start with strings");
    return v.string;
}

// float32 little-endian on the wire (face weights, pose quaternions), whatever this CPU is.
float readFloat32(const uint8_t* p) {
    const uint32_t bits = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                          (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

StreamMessage decodeAudio(const Value& body) {
    AudioChunk m;
    m.avatar = getString(body, "audio", "avatar");
    m.take = getString(body, "audio", "take");
    m.seq = getInt(body, "audio", "seq");
    m.pts = getNumberField(body, "audio", "pts");
    const int64_t rate = getInt(body, "audio", "rate");
    if (rate < 1 || rate > 384000) throw FieldError("audio.rate must be between 1 and 384000 Hz");
    m.rate = static_cast<int>(rate);
    const std::vector<uint8_t>& pcm = getBin(body, "audio", "pcm");
    if (pcm.size() % 2 != 0) throw FieldError("audio.pcm must hold whole 16-bit samples");
    m.pcm.resize(pcm.size() / 2);
    for (std::size_t i = 0; i < m.pcm.size(); ++i) {  // little-endian on the wire, whatever this CPU is
        m.pcm[i] = static_cast<int16_t>(static_cast<uint16_t>(pcm[2 * i]) | (static_cast<uint16_t>(pcm[2 * i + 1]) << 8));
    }
    return m;
}

StreamMessage decodePhonemes(const Value& body) {
    Phonemes m;
    m.avatar = getString(body, "phonemes", "avatar");
    m.take = getString(body, "phonemes", "take");
    for (const Value& item : getItems(body, "phonemes", 4)) {
        m.items.push_back({itemString(item.array[0], "phonemes"), itemString(item.array[1], "phonemes"),
                           getNumber(item.array[2], "phonemes", "items"), getNumber(item.array[3], "phonemes", "items")});
    }
    return m;
}

StreamMessage decodeWords(const Value& body) {
    Words m;
    m.avatar = getString(body, "words", "avatar");
    m.take = getString(body, "words", "take");
    for (const Value& item : getItems(body, "words", 3)) {
        m.items.push_back({itemString(item.array[0], "words"), getNumber(item.array[1], "words", "items"),
                           getNumber(item.array[2], "words", "items")});
    }
    return m;
}

StreamMessage decodeFace(const Value& body) {
    FaceFrame m;
    m.avatar = getString(body, "face", "avatar");
    m.seq = getInt(body, "face", "seq");
    m.pts = getNumberField(body, "face", "pts");
    const std::vector<uint8_t>& w = getBin(body, "face", "w");
    if (w.size() != kNumFaceWeights * 4) {
        throw FieldError("face.w must be " + std::to_string(kNumFaceWeights * 4) + " bytes (52 float32), got " +
                         std::to_string(w.size()));
    }
    for (int i = 0; i < kNumFaceWeights; ++i) {
        const float f = readFloat32(&w[4 * static_cast<std::size_t>(i)]);
        m.weights[i] = std::isfinite(f) ? f : 0.0f;  // a NaN weight would poison a whole blend in the engine
    }
    m.head = getNumbers<3>(body, "face", "head");
    m.eyes = getNumbers<4>(body, "face", "eyes");
    return m;
}

StreamMessage decodePose(const Value& body) {
    PoseFrame m;
    m.avatar = getString(body, "pose", "avatar");
    m.seq = getInt(body, "pose", "seq");
    m.pts = getNumberField(body, "pose", "pts");
    m.root = getNumbers<3>(body, "pose", "root");
    const std::vector<uint8_t>& q = getBin(body, "pose", "q");
    if (q.size() % 16 != 0) {
        throw FieldError("pose.q must be whole quaternions (16 bytes: 4 float32 each), got " +
                         std::to_string(q.size()) + " bytes");
    }
    m.rotations.resize(q.size() / 16);
    for (std::size_t j = 0; j < m.rotations.size(); ++j) {
        const Quat r{readFloat32(&q[16 * j]), readFloat32(&q[16 * j + 4]), readFloat32(&q[16 * j + 8]),
                     readFloat32(&q[16 * j + 12])};
        const bool finite = std::isfinite(r.x) && std::isfinite(r.y) && std::isfinite(r.z) && std::isfinite(r.w);
        m.rotations[j] = finite ? r : Quat{};  // a NaN would tear the mesh: that joint stays at rest
    }
    return m;
}

const std::vector<Value>& getList(const Value& body, const char* where, const char* name) {
    const Value& v = field(body, where, name);
    if (v.type != Value::Type::Array) wrongType(where, name, "a list");
    return v.array;
}

void readSkeleton(const Value& body, const char* where, Skeleton& m) {
    const std::vector<Value>& joints = getList(body, where, "joints");
    const std::vector<Value>& parents = getList(body, where, "parents");
    const std::vector<Value>& offsets = getList(body, where, "offsets");
    const std::size_t n = joints.size();
    if (parents.size() != n || offsets.size() != n) {
        throw FieldError(std::string(where) + ".parents and .offsets must have one entry per joint (" +
                         std::to_string(n) + "), got " + std::to_string(parents.size()) + " and " +
                         std::to_string(offsets.size()));
    }
    m.joints.resize(n);
    m.parents.resize(n);
    m.offsets.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
        if (joints[j].type != Value::Type::String) wrongType(where, "joints", "a list of strings");
        m.joints[j] = joints[j].string;
        const Value& parent = parents[j];
        // Parents before children: one pass does forward kinematics, and a cycle cannot be expressed.
        if (parent.type != Value::Type::Int || parent.integer < -1 || parent.integer >= static_cast<int64_t>(j)) {
            throw FieldError(std::string(where) + ".parents[" + std::to_string(j) +
                             "] must be -1 or the index of an earlier joint");
        }
        m.parents[j] = static_cast<int>(parent.integer);
        const Value& offset = offsets[j];
        if (offset.type != Value::Type::Array || offset.array.size() != 3) {
            throw FieldError(std::string(where) + ".offsets[" + std::to_string(j) + "] must be [x, y, z]");
        }
        for (std::size_t k = 0; k < 3; ++k) m.offsets[j][k] = getNumber(offset.array[k], where, "offsets");
    }
}

StreamMessage decodeSkeletonMessage(const Value& body) {
    Skeleton m;
    m.avatar = getString(body, "skeleton", "avatar");
    readSkeleton(body, "skeleton", m);
    return m;
}

StreamMessage decodeEvent(const Value& body) {
    Event m;
    m.avatar = getString(body, "event", "avatar");
    m.seq = getInt(body, "event", "seq");
    m.pts = getNumberField(body, "event", "pts");
    m.type = getString(body, "event", "type");
    const Value* take = body.find("take");
    if (take != nullptr && !take->isNil()) {
        if (take->type != Value::Type::String) wrongType("event", "take", "a string or nil");
        m.hasTake = true;
        m.take = take->string;
    }
    const Value* run = body.find("run");
    if (run != nullptr) {
        if (run->type != Value::Type::String) wrongType("event", "run", "a string");
        m.run = run->string;
    }
    for (const auto& entry : body.map) {
        const std::string& k = entry.first;
        if (k != "v" && k != "kind" && k != "avatar" && k != "seq" && k != "pts" && k != "type" && k != "take" &&
            k != "run") {
            m.data.push_back(entry);
        }
    }
    return m;
}

using KindDecoder = StreamMessage (*)(const Value& body);

// The one table of kinds this core understands; a new kind is one row (and a struct and a handler).
const std::pair<const char*, KindDecoder> kKinds[] = {
    {"audio", decodeAudio}, {"phonemes", decodePhonemes}, {"words", decodeWords},
    {"face", decodeFace},   {"event", decodeEvent},   {"pose", decodePose},
    {"skeleton", decodeSkeletonMessage},
};

}  // namespace

bool decodeSkeleton(const Value& body, const char* where, Skeleton& out, std::string* error) {
    try {
        if (body.type != Value::Type::Map) throw FieldError(std::string(where) + " must be a map");
        Skeleton m;
        m.avatar = out.avatar;
        readSkeleton(body, where, m);
        out = std::move(m);
        return true;
    } catch (const std::exception& e) {
        if (error) *error = e.what();
        return false;
    }
}

DecodeResult decodeStream(const uint8_t* data, size_t size) {
    DecodeResult result;
    Value body;
    if (!decodeValue(data, size, body, &result.error)) return result;
    if (body.type != Value::Type::Map) {
        result.error = "stream message must be a map";
        return result;
    }
    const Value* kind = body.find("kind");
    if (kind != nullptr && kind->type == Value::Type::String) result.kind = kind->string;
    const Value* v = body.find("v");
    if (v == nullptr || v->type != Value::Type::Int || v->integer != kProtocolVersion) {
        result.status = DecodeStatus::Version;
        result.error = "protocol version is not " + std::to_string(kProtocolVersion);
        return result;
    }
    for (const auto& row : kKinds) {
        if (result.kind == row.first) {
            try {
                result.message = row.second(body);
                result.status = DecodeStatus::Ok;
            } catch (const std::exception& e) {
                result.status = DecodeStatus::Invalid;
                result.error = e.what();
            }
            return result;
        }
    }
    result.status = DecodeStatus::UnknownKind;
    result.error = "unknown kind '" + result.kind + "'";
    return result;
}

Reply decodeReply(const uint8_t* data, size_t size) {
    Reply reply;
    std::string error;
    if (!decodeValue(data, size, reply.body, &error) || reply.body.type != Value::Type::Map) {
        reply.body = Value();
        reply.errorCode = "malformed";
        reply.errorMessage = error.empty() ? "reply must be a map" : error;
        return reply;
    }
    if (const Value* id = reply.body.find("id")) reply.id = *id;
    const Value* ok = reply.body.find("ok");
    reply.ok = ok != nullptr && ok->type == Value::Type::Bool && ok->boolean;
    if (!reply.ok) {
        const Value* err = reply.body.find("error");
        auto text = [&](const char* key) {
            const Value* v = err ? err->find(key) : nullptr;
            return v && v->type == Value::Type::String ? v->string : std::string();
        };
        reply.errorCode = text("code");
        reply.errorMessage = text("message");
        reply.errorField = text("field");
        if (reply.errorCode.empty()) reply.errorCode = "malformed";
    }
    return reply;
}

// -- requests ------------------------------------------------------------------------------------------------

Request Request::describe() { return Request{"describe", false, 0, std::nullopt, {}}; }

Request Request::say(const std::string& text, const std::string& avatar, const std::string& emotion) {
    Request r{"say", false, 0, std::nullopt, {{"text", Value::Str(text)}}};
    if (!avatar.empty()) r.fields.emplace_back("avatar", Value::Str(avatar));
    if (!emotion.empty()) r.fields.emplace_back("emotion", Value::Str(emotion));
    return r;
}

Request Request::interrupt(const std::string& avatar) {
    Request r{"interrupt", false, 0, std::nullopt, {}};
    if (!avatar.empty()) r.fields.emplace_back("avatar", Value::Str(avatar));
    return r;
}

Request Request::ping(double tClient) {
    return Request{"ping", false, 0, std::nullopt, {{"t_client", Value::Float(tClient)}}};
}

namespace {

// Always float64 (0xcb), as Python's msgpack writes a float: msgpack-cxx 4 would pack 1235.0 as an integer.
void packFloat64(msgpack::sbuffer& buffer, double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    char bytes[9];
    bytes[0] = static_cast<char>(0xcb);
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
    buffer.write(bytes, sizeof bytes);
}

void pack(msgpack::sbuffer& buffer, msgpack::packer<msgpack::sbuffer>& p, const Value& v) {
    switch (v.type) {
        case Value::Type::Nil: p.pack_nil(); break;
        case Value::Type::Bool: v.boolean ? p.pack_true() : p.pack_false(); break;
        case Value::Type::Int: p.pack_int64(v.integer); break;  // msgpack-cxx picks the smallest encoding
        case Value::Type::Float: packFloat64(buffer, v.number); break;
        case Value::Type::String:
            p.pack_str(static_cast<uint32_t>(v.string.size()));
            p.pack_str_body(v.string.data(), static_cast<uint32_t>(v.string.size()));
            break;
        case Value::Type::Binary:
            p.pack_bin(static_cast<uint32_t>(v.binary.size()));
            p.pack_bin_body(reinterpret_cast<const char*>(v.binary.data()), static_cast<uint32_t>(v.binary.size()));
            break;
        case Value::Type::Array:
            p.pack_array(static_cast<uint32_t>(v.array.size()));
            for (const Value& item : v.array) pack(buffer, p, item);
            break;
        case Value::Type::Map:
            p.pack_map(static_cast<uint32_t>(v.map.size()));
            for (const auto& entry : v.map) {
                pack(buffer, p, Value::Str(entry.first));
                pack(buffer, p, entry.second);
            }
            break;
    }
}

}  // namespace

std::vector<uint8_t> encodeValue(const Value& value) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    pack(buffer, packer, value);
    const auto* p = reinterpret_cast<const uint8_t*>(buffer.data());
    return std::vector<uint8_t>(p, p + buffer.size());
}

std::vector<uint8_t> encodeRequest(const Request& request) {
    Value body;
    body.type = Value::Type::Map;
    body.map.emplace_back("op", Value::Str(request.op));
    if (request.idText) {
        body.map.emplace_back("id", Value::Str(*request.idText));
    } else if (request.hasId) {
        body.map.emplace_back("id", Value::Int(request.id));
    }
    for (const auto& entry : request.fields) body.map.push_back(entry);
    return encodeValue(body);
}

// -- struct -> Value -> JSON ---------------------------------------------------------------------------------

namespace {

template <std::size_t N>
Value numbers(const std::array<double, N>& values) {
    std::vector<Value> items;
    for (double d : values) items.push_back(Value::Float(d));
    return Value::Array(std::move(items));
}

struct ToValue {
    static std::vector<std::pair<std::string, Value>> head(const char* kind) {
        return {{"v", Value::Int(kProtocolVersion)}, {"kind", Value::Str(kind)}};
    }
    Value operator()(const AudioChunk& m) const {
        auto e = head("audio");
        std::vector<uint8_t> pcm(m.pcm.size() * 2);
        for (std::size_t i = 0; i < m.pcm.size(); ++i) {
            const auto u = static_cast<uint16_t>(m.pcm[i]);
            pcm[2 * i] = static_cast<uint8_t>(u & 0xff);
            pcm[2 * i + 1] = static_cast<uint8_t>(u >> 8);
        }
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"take", Value::Str(m.take)}, {"seq", Value::Int(m.seq)},
                           {"pts", Value::Float(m.pts)}, {"rate", Value::Int(m.rate)}, {"pcm", Value::Bin(pcm)}});
        return Value::Map(std::move(e));
    }
    Value operator()(const Phonemes& m) const {
        auto e = head("phonemes");
        std::vector<Value> items;
        for (const auto& p : m.items) {
            items.push_back(Value::Array({Value::Str(p.phoneme), Value::Str(p.viseme), Value::Float(p.start), Value::Float(p.end)}));
        }
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"take", Value::Str(m.take)}, {"items", Value::Array(items)}});
        return Value::Map(std::move(e));
    }
    Value operator()(const Words& m) const {
        auto e = head("words");
        std::vector<Value> items;
        for (const auto& w : m.items) items.push_back(Value::Array({Value::Str(w.word), Value::Float(w.start), Value::Float(w.end)}));
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"take", Value::Str(m.take)}, {"items", Value::Array(items)}});
        return Value::Map(std::move(e));
    }
    static void appendFloat32(std::vector<uint8_t>& out, float f) {
        uint32_t bits;
        std::memcpy(&bits, &f, sizeof bits);
        for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(bits >> (8 * b)));
    }
    Value operator()(const FaceFrame& m) const {
        auto e = head("face");
        std::vector<uint8_t> w;
        w.reserve(kNumFaceWeights * 4);
        for (float f : m.weights) appendFloat32(w, f);
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"seq", Value::Int(m.seq)}, {"pts", Value::Float(m.pts)},
                           {"w", Value::Bin(w)}, {"head", numbers(m.head)}, {"eyes", numbers(m.eyes)}});
        return Value::Map(std::move(e));
    }
    Value operator()(const PoseFrame& m) const {
        auto e = head("pose");
        std::vector<uint8_t> q;
        q.reserve(m.rotations.size() * 16);
        for (const Quat& r : m.rotations) {
            for (float f : {r.x, r.y, r.z, r.w}) appendFloat32(q, f);
        }
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"seq", Value::Int(m.seq)}, {"pts", Value::Float(m.pts)},
                           {"root", numbers(m.root)}, {"q", Value::Bin(q)}});
        return Value::Map(std::move(e));
    }
    Value operator()(const Skeleton& m) const {
        auto e = head("skeleton");
        std::vector<Value> joints, parents, offsets;
        for (std::size_t j = 0; j < m.size(); ++j) {
            joints.push_back(Value::Str(m.joints[j]));
            parents.push_back(Value::Int(m.parents[j]));
            offsets.push_back(numbers(m.offsets[j]));
        }
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"joints", Value::Array(joints)}, {"parents", Value::Array(parents)},
                           {"offsets", Value::Array(offsets)}});
        return Value::Map(std::move(e));
    }
    Value operator()(const Event& m) const {
        auto e = head("event");
        e.insert(e.end(), {{"avatar", Value::Str(m.avatar)}, {"seq", Value::Int(m.seq)}, {"pts", Value::Float(m.pts)},
                           {"type", Value::Str(m.type)}, {"take", m.hasTake ? Value::Str(m.take) : Value::Nil()}});
        if (!m.run.empty()) e.emplace_back("run", Value::Str(m.run));
        e.insert(e.end(), m.data.begin(), m.data.end());
        return Value::Map(std::move(e));
    }
};

void appendJsonString(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);  // UTF-8 passes through unchanged
                }
        }
    }
    out += '"';
}

void appendJson(std::string& out, const Value& v) {
    switch (v.type) {
        case Value::Type::Nil: out += "null"; break;
        case Value::Type::Bool: out += v.boolean ? "true" : "false"; break;
        case Value::Type::Int: out += std::to_string(v.integer); break;
        case Value::Type::Float: {
            if (!std::isfinite(v.number)) {
                out += "null";  // JSON has no NaN or infinity
                break;
            }
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", v.number);
            out += buf;
            if (std::strpbrk(buf, ".eE") == nullptr) out += ".0";  // keep it a float for the reader
            break;
        }
        case Value::Type::String: appendJsonString(out, v.string); break;
        case Value::Type::Binary: {
            static const char* hex = "0123456789abcdef";
            out += "{\"$bytes\": \"";
            for (uint8_t b : v.binary) {
                out += hex[b >> 4];
                out += hex[b & 15];
            }
            out += "\"}";
            break;
        }
        case Value::Type::Array:
            out += '[';
            for (std::size_t i = 0; i < v.array.size(); ++i) {
                if (i) out += ", ";
                appendJson(out, v.array[i]);
            }
            out += ']';
            break;
        case Value::Type::Map:
            out += '{';
            for (std::size_t i = 0; i < v.map.size(); ++i) {
                if (i) out += ", ";
                appendJsonString(out, v.map[i].first);
                out += ": ";
                appendJson(out, v.map[i].second);
            }
            out += '}';
            break;
    }
}

}  // namespace

Value toValue(const StreamMessage& message) { return std::visit(ToValue{}, message); }

std::string toJson(const Value& value) {
    std::string out;
    appendJson(out, value);
    return out;
}

}  // namespace avatarbridge

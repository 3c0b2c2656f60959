// msgpack <-> the structs of Messages.h. Never throws: bad input comes back as a status to count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "AvatarBridgeCore/Messages.h"

namespace avatarbridge {

/// Why a stream message was not delivered. Everything but Ok is skipped and counted by the client.
enum class DecodeStatus {
    Ok,
    Malformed,  // not msgpack, truncated, trailing bytes, not a map, non-string keys, nested too deep
    Version,  // `v` is not kProtocolVersion (a newer sidecar): the message must not be interpreted
    UnknownKind,  // a kind this core does not know (a newer sidecar may add kinds in a minor change)
    Invalid,  // a known kind with a missing field or a field of the wrong type or size
};

const char* toString(DecodeStatus status);

struct DecodeResult {
    DecodeStatus status = DecodeStatus::Malformed;
    std::string kind;  // the `kind` field when it could be read
    std::string error;  // what was wrong, naming the field
    std::optional<StreamMessage> message;  // set when status is Ok
};

/// Decode any msgpack document into a Value. Returns false (and says why) for malformed input.
bool decodeValue(const uint8_t* data, size_t size, Value& out, std::string* error = nullptr);

/// Decode one stream map (the second frame of a stream multipart).
DecodeResult decodeStream(const uint8_t* data, size_t size);

/// Read a skeleton map ({joints, parents, offsets}: the `skeleton` message, or `describe`'s `skeleton`) into `out`.
/// `where` names it in the error ("skeleton", "describe.skeleton"). False (and why) when a field is missing, the
/// lists differ in length, a parent is not an earlier joint or an offset is not three finite numbers.
bool decodeSkeleton(const Value& body, const char* where, Skeleton& out, std::string* error = nullptr);

/// Decode one control reply. Malformed input gives ok=false with errorCode "malformed".
Reply decodeReply(const uint8_t* data, size_t size);

/// A control request: `op`, an optional id (integer, or string when `idText` is set), and its fields.
struct Request {
    std::string op;
    bool hasId = false;
    int64_t id = 0;
    std::optional<std::string> idText;  // a string id instead of an integer one
    std::vector<std::pair<std::string, Value>> fields;  // in the order they are written

    static Request describe();
    static Request say(const std::string& text, const std::string& avatar = "", const std::string& emotion = "");
    static Request interrupt(const std::string& avatar = "");
    static Request ping(double tClient);
};

/// Encode a request as msgpack, byte for byte as bridge/protocol.py's encode_request does: op, id, fields.
std::vector<uint8_t> encodeRequest(const Request& request);

/// Encode a Value as msgpack (strings as str, binary as bin, floats as float64, ints in their smallest form).
std::vector<uint8_t> encodeValue(const Value& value);

/// A stream message back in its wire shape (v, kind and every field), for tools, tests and recorders.
Value toValue(const StreamMessage& message);

/// JSON text of a Value, binary as {"$bytes": "<hex>"} like tests/vectors/*.json. Doubles round-trip exactly.
std::string toJson(const Value& value);

}  // namespace avatarbridge

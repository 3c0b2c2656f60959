// Unit tests of the C++ core: golden vectors, hostile input, jitter buffer, clock sync, audio ring, and the
// client against an in-process stand-in publisher (garbage, another clock, a restart).
//
//   avatarbridge_core_tests VECTORS_DIR [TEST_NAME_SUBSTRING]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "AvatarBridgeCore/AudioRing.h"
#include "AvatarBridgeCore/Body.h"
#include "AvatarBridgeCore/Client.h"
#include "AvatarBridgeCore/ClockSync.h"
#include "AvatarBridgeCore/Codec.h"
#include "AvatarBridgeCore/JitterBuffer.h"
#include "AvatarBridgeCore/LiveLink.h"

using namespace avatarbridge;

// -- a tiny harness ------------------------------------------------------------------------------------------

namespace {

int g_failures = 0;
int g_checks = 0;
std::string g_vectors;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        ++g_checks;                                                                             \
        if (!(cond)) {                                                                          \
            ++g_failures;                                                                       \
            std::printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                       \
        }                                                                                       \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                   \
    do {                                                                                        \
        ++g_checks;                                                                             \
        const double a_ = (a), b_ = (b);                                                        \
        if (!(std::fabs(a_ - b_) <= (tol))) {                                                   \
            ++g_failures;                                                                       \
            std::printf("  FAIL %s:%d: %s = %.9g, expected %.9g +- %g\n", __FILE__, __LINE__, #a, a_, b_, \
                        static_cast<double>(tol));                                              \
        }                                                                                       \
    } while (0)

struct TestCase {
    const char* name;
    std::function<void()> run;
};

std::vector<uint8_t> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> vector(const std::string& name) { return readFile(g_vectors + "/" + name + ".msgpack"); }

/// A face message as the sidecar publishes it; `change` edits the map before encoding.
std::vector<uint8_t> faceBytes(int64_t seq, double pts, float w0 = 0.0f,
                               const std::function<void(Value&)>& change = nullptr) {
    std::vector<uint8_t> w(kNumFaceWeights * 4, 0);
    std::memcpy(w.data(), &w0, 4);
    Value body = Value::Map({{"v", Value::Int(1)}, {"kind", Value::Str("face")}, {"avatar", Value::Str("host")},
                      {"seq", Value::Int(seq)}, {"pts", Value::Float(pts)}, {"w", Value::Bin(w)},
                      {"head", Value::Array({Value::Float(0), Value::Float(0), Value::Float(0)})},
                      {"eyes", Value::Array({Value::Float(0), Value::Float(0), Value::Float(0), Value::Float(0)})}});
    if (change) change(body);
    return encodeValue(body);
}

void set(Value& body, const std::string& key, Value value) {
    for (auto& entry : body.map) {
        if (entry.first == key) {
            entry.second = std::move(value);
            return;
        }
    }
    body.map.emplace_back(key, std::move(value));
}

void erase(Value& body, const std::string& key) {
    for (auto it = body.map.begin(); it != body.map.end(); ++it) {
        if (it->first == key) {
            body.map.erase(it);
            return;
        }
    }
}

std::vector<uint8_t> float32s(const std::vector<float>& values) {
    std::vector<uint8_t> out(values.size() * 4);
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());  // tests run on little-endian CPUs
    return out;
}

/// A pose message as the sidecar publishes it; `change` edits the map before encoding.
std::vector<uint8_t> poseBytes(int64_t seq, double pts, const std::vector<float>& q,
                               const std::function<void(Value&)>& change = nullptr) {
    Value body = Value::Map({{"v", Value::Int(1)}, {"kind", Value::Str("pose")}, {"avatar", Value::Str("host")},
                      {"seq", Value::Int(seq)}, {"pts", Value::Float(pts)},
                      {"root", Value::Array({Value::Float(0), Value::Float(0.95), Value::Float(0)})},
                      {"q", Value::Bin(float32s(q))}});
    if (change) change(body);
    return encodeValue(body);
}

/// A three-joint chain Hips -> Spine -> Head.
Value skeletonBody(const std::function<void(Value&)>& change = nullptr) {
    auto offset = [](double x, double y, double z) { return Value::Array({Value::Float(x), Value::Float(y), Value::Float(z)}); };
    Value body = Value::Map({{"v", Value::Int(1)}, {"kind", Value::Str("skeleton")}, {"avatar", Value::Str("host")},
                      {"joints", Value::Array({Value::Str("Hips"), Value::Str("Spine"), Value::Str("Head")})},
                      {"parents", Value::Array({Value::Int(-1), Value::Int(0), Value::Int(1)})},
                      {"offsets", Value::Array({offset(0, 0, 0), offset(0, 0.1, 0), offset(0, 0.5, 0)})}});
    if (change) change(body);
    return body;
}

FaceFrame frame(double pts, float w0) {
    FaceFrame f;
    f.pts = pts;
    f.weights[0] = w0;
    return f;
}

// -- golden vectors ------------------------------------------------------------------------------------------

void testVectorsDecode() {
    int stream = 0;
    for (const auto& entry : std::filesystem::directory_iterator(g_vectors)) {
        if (entry.path().extension() != ".msgpack") continue;
        const std::vector<uint8_t> bytes = readFile(entry.path().string());
        Value v;
        CHECK(decodeValue(bytes.data(), bytes.size(), v));
        CHECK(v.type == Value::Type::Map);
        if (encodeValue(v) != bytes) std::printf("  re-encoding differs: %s\n", entry.path().c_str());
        CHECK(encodeValue(v) == bytes);  // our encoder writes what the sidecar writes
        if (entry.path().filename().string().rfind("stream_", 0) == 0) {
            ++stream;
            const DecodeResult r = decodeStream(bytes.data(), bytes.size());
            CHECK(r.status == DecodeStatus::Ok);
            if (r.message) CHECK(encodeValue(toValue(*r.message)) == bytes);  // typed decode loses nothing
        }
    }
    CHECK(stream >= 13);
}

void testVectorValues() {
    auto face = vector("stream_face");
    DecodeResult r = decodeStream(face.data(), face.size());
    CHECK(r.status == DecodeStatus::Ok && std::holds_alternative<FaceFrame>(*r.message));
    const auto& f = std::get<FaceFrame>(*r.message);
    CHECK(f.avatar == "host" && f.seq == 9001);
    CHECK_NEAR(f.pts, 1234.6, 0);
    for (int i = 0; i < kNumFaceWeights; ++i) {
        CHECK_NEAR(f.weights[i], static_cast<float>(std::round(i / 51.0 * 1e6) / 1e6), 0);
    }
    CHECK_NEAR(f.head[0], 0.1, 0);
    CHECK_NEAR(f.eyes[3], -0.02, 0);

    // The body vectors (tests/vectors/make_vectors.py): a 7-joint humanoid and a pose on it.
    auto skeletonMsg = vector("stream_skeleton");
    r = decodeStream(skeletonMsg.data(), skeletonMsg.size());
    CHECK(r.status == DecodeStatus::Ok && std::holds_alternative<Skeleton>(*r.message));
    const Skeleton k = std::get<Skeleton>(*r.message);  // a copy: `r` is reused below
    const std::vector<std::string> joints = {"Hips", "Spine", "Chest", "Neck", "Head", "LeftUpperArm", "LeftLowerArm"};
    CHECK(k.avatar == "host" && k.joints == joints && k.parents == (std::vector<int>{-1, 0, 1, 2, 3, 2, 5}));
    CHECK(k.offsets[5] == (std::array<double, 3>{-0.155, 0.225, -0.005}) && k.offsets[6][0] == -0.28);
    for (const auto& joint : k.joints) CHECK(!mannyBone(joint).empty());  // HumanBodyBones names we can drive
    auto poseMsg = vector("stream_pose");
    r = decodeStream(poseMsg.data(), poseMsg.size());
    CHECK(r.status == DecodeStatus::Ok && std::holds_alternative<PoseFrame>(*r.message));
    const PoseFrame pose = std::get<PoseFrame>(*r.message);
    CHECK(pose.avatar == "host" && pose.seq == 9001 && pose.pts == 1234.6);
    CHECK(pose.root == (std::array<double, 3>{0.0, 0.95, 0.0}));
    CHECK(pose.rotations.size() == k.size());
    const double deg = M_PI / 180;
    const std::vector<Quat> turns = {Quat{}, axisAngle({0, 1, 0}, 10 * deg), Quat{}, Quat{}, axisAngle({1, 0, 0}, 15 * deg),
                                     axisAngle({0, 0, 1}, 60 * deg), axisAngle({0, 1, 0}, -45 * deg)};
    for (std::size_t j = 0; j < turns.size() && j < pose.rotations.size(); ++j) {
        for (int c = 0; c < 4; ++c) {
            const float got[] = {pose.rotations[j].x, pose.rotations[j].y, pose.rotations[j].z, pose.rotations[j].w};
            const float want[] = {turns[j].x, turns[j].y, turns[j].z, turns[j].w};
            CHECK_NEAR(got[c], want[c], 1e-7);
        }
    }
    // Forward kinematics lands where models/body's FK puts the same joints (metres, Unity axes).
    GlobalPose g;
    CHECK(forwardKinematics(k, pose, g));
    if (g.positions.size() == 7) {
        CHECK_NEAR(g.positions[4].x, 0.003472964, 1e-6);  // Head: the spine's 10 degree turn moves it
        CHECK_NEAR(g.positions[4].y, 1.600000013, 1e-6);
        CHECK_NEAR(g.positions[4].z, 0.019696156, 1e-6);
        CHECK_NEAR(g.positions[6].x, -0.291386530, 1e-6);  // LeftLowerArm: the upper arm turned 60 degrees down
        CHECK_NEAR(g.positions[6].y, 1.152512875, 1e-6);
        CHECK_NEAR(g.positions[6].z, 0.046302175, 1e-6);
        CHECK_NEAR(angleBetween(g.rotations[6], Quat{0.2308743f, -0.26041886f, 0.44350541f, 0.82594305f}), 0.0, 1e-6);
    }

    auto audio = vector("stream_audio");
    r = decodeStream(audio.data(), audio.size());
    const auto& a = std::get<AudioChunk>(*r.message);
    const std::vector<int16_t> pcm = {0, 1000, -1000, 32767, -32767, 12, -12, 0};
    CHECK(a.pcm == pcm && a.rate == 22050 && a.take == "t7" && a.seq == 41);
    CHECK_NEAR(a.duration(), 8.0 / 22050, 1e-12);

    auto started = vector("stream_event_take_started");
    r = decodeStream(started.data(), started.size());
    const auto& e = std::get<Event>(*r.message);
    CHECK(e.type == "take_started" && e.hasTake && e.take == "t7" && e.text("text") == "Hi everyone!" &&
          e.text("emotion") == "happy" && e.run == "3f9a1c2e" && e.data.size() == 2);

    auto phonemes = vector("stream_phonemes");
    r = decodeStream(phonemes.data(), phonemes.size());
    const auto& p = std::get<Phonemes>(*r.message);
    CHECK(p.items.size() == 4 && p.items[2].phoneme == "\xcb\x88" "a" && p.items[3].viseme == "PP");
    CHECK_NEAR(p.items[3].end, 0.2, 0);

    auto say = Request::say("Hi everyone!", "", "happy");
    say.hasId = true;
    say.id = 1;
    CHECK(encodeRequest(say) == vector("request_say"));
    auto interrupt = Request::interrupt("host");
    interrupt.idText = "abc";
    CHECK(encodeRequest(interrupt) == vector("request_interrupt"));
    auto ping = Request::ping(10.25);
    ping.hasId = true;
    ping.id = 2;
    CHECK(encodeRequest(ping) == vector("request_ping"));
    auto describe = Request::describe();
    describe.hasId = true;
    describe.id = 3;
    CHECK(encodeRequest(describe) == vector("request_describe"));

    auto replyBytes = vector("reply_error");
    Reply reply = decodeReply(replyBytes.data(), replyBytes.size());
    CHECK(!reply.ok && reply.errorCode == "too_long" && reply.errorField == "text" && reply.id.integer == 4);
    replyBytes = vector("reply_ping");
    reply = decodeReply(replyBytes.data(), replyBytes.size());
    CHECK(reply.ok && reply.number("t_server") == 1234.5 && reply.number("t_client") == 10.25);
}

// -- hostile input -------------------------------------------------------------------------------------------

void testTruncatedAndCorrupted() {
    std::mt19937 random(1234);
    int decodedAfterMutation = 0;
    for (const auto& entry : std::filesystem::directory_iterator(g_vectors)) {
        if (entry.path().extension() != ".msgpack") continue;
        const std::vector<uint8_t> bytes = readFile(entry.path().string());
        for (std::size_t n = 0; n < bytes.size(); ++n) {  // every truncation is malformed, none crashes
            const DecodeResult r = decodeStream(bytes.data(), n);
            CHECK(r.status == DecodeStatus::Malformed);
            Reply reply = decodeReply(bytes.data(), n);
            CHECK(!reply.ok);
        }
        for (int i = 0; i < 3000; ++i) {  // random corruption: any status, never a crash (ASan/UBSan watch)
            std::vector<uint8_t> bad = bytes;
            const int flips = 1 + static_cast<int>(random() % 4);
            for (int k = 0; k < flips; ++k) bad[random() % bad.size()] = static_cast<uint8_t>(random());
            const DecodeResult r = decodeStream(bad.data(), bad.size());
            if (r.status == DecodeStatus::Ok) {
                ++decodedAfterMutation;
                CHECK(r.message.has_value());
            } else {
                CHECK(!r.error.empty());
            }
            decodeReply(bad.data(), bad.size());
        }
    }
    CHECK(decodedAfterMutation > 0);  // some flips land in values and stay valid: the check above saw them
}

void testHostileHeaders() {
    // Declared sizes far beyond the message: rejected without allocating what they claim.
    const std::vector<std::vector<uint8_t>> cases = {
        {0xdd, 0xff, 0xff, 0xff, 0xff},  // array32 of 4 billion
        {0xdf, 0xff, 0xff, 0xff, 0xff},  // map32 of 4 billion
        {0xc6, 0xff, 0xff, 0xff, 0xff, 0x00},  // bin32 of 4 GiB
        {0xdb, 0x7f, 0xff, 0xff, 0xff, 0x41},  // str32 of 2 GiB
        {0xc1},  // never used
        {0xd4, 0x01, 0x02},  // ext
        {},
    };
    for (const auto& bytes : cases) {
        const DecodeResult r = decodeStream(bytes.data(), bytes.size());
        CHECK(r.status == DecodeStatus::Malformed);
    }
    std::vector<uint8_t> deep(5000, 0x91);  // 5000 nested one-element arrays
    deep.push_back(0xc0);
    CHECK(decodeStream(deep.data(), deep.size()).status == DecodeStatus::Malformed);
    std::vector<uint8_t> trailing = faceBytes(1, 1.0);
    trailing.push_back(0xc0);
    CHECK(decodeStream(trailing.data(), trailing.size()).status == DecodeStatus::Malformed);
    const std::vector<uint8_t> intKey = {0x81, 0x01, 0x02};  // {1: 2}
    CHECK(decodeStream(intKey.data(), intKey.size()).status == DecodeStatus::Malformed);
    const std::vector<uint8_t> notMap = encodeValue(Value::Array({Value::Int(1)}));
    CHECK(decodeStream(notMap.data(), notMap.size()).status == DecodeStatus::Malformed);
}

void testVersionKindAndFields() {
    auto status = [](const std::vector<uint8_t>& b) { return decodeStream(b.data(), b.size()).status; };
    CHECK(status(faceBytes(1, 1.0)) == DecodeStatus::Ok);
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { set(b, "v", Value::Int(2)); })) == DecodeStatus::Version);
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { erase(b, "v"); })) == DecodeStatus::Version);
    // A kind a newer sidecar may add: skipped and counted, never an error.
    const auto sparkleBytes = faceBytes(1, 1.0, 0, [](Value& b) { set(b, "kind", Value::Str("sparkle")); });
    const DecodeResult sparkle = decodeStream(sparkleBytes.data(), sparkleBytes.size());
    CHECK(sparkle.status == DecodeStatus::UnknownKind && sparkle.kind == "sparkle");
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { set(b, "w", Value::Bin(std::vector<uint8_t>(100))); })) ==
          DecodeStatus::Invalid);
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { erase(b, "pts"); })) == DecodeStatus::Invalid);
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { set(b, "pts", Value::Str("soon")); })) == DecodeStatus::Invalid);
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { set(b, "pts", Value::Float(NAN)); })) == DecodeStatus::Invalid);
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { set(b, "head", Value::Array({Value::Float(0)})); })) ==
          DecodeStatus::Invalid);
    // Unknown keys are ignored (a minor protocol change adds fields).
    CHECK(status(faceBytes(1, 1.0, 0, [](Value& b) { set(b, "mood", Value::Str("sunny")); })) == DecodeStatus::Ok);
    const auto oddPcm = encodeValue(Value::Map({{"v", Value::Int(1)}, {"kind", Value::Str("audio")},
                                         {"avatar", Value::Str("host")}, {"take", Value::Str("t1")},
                                         {"seq", Value::Int(0)}, {"pts", Value::Float(1)},
                                         {"rate", Value::Int(22050)}, {"pcm", Value::Bin({1, 2, 3})}}));
    const DecodeResult odd = decodeStream(oddPcm.data(), oddPcm.size());
    CHECK(odd.status == DecodeStatus::Invalid && odd.error.find("pcm") != std::string::npos);
}

void testPoseAndSkeletonFields() {
    auto status = [](const std::vector<uint8_t>& b) { return decodeStream(b.data(), b.size()).status; };
    const std::vector<float> two = {0, 0, 0, 1, 0.6f, 0, 0, 0.8f};
    const auto good = poseBytes(3, 2.5, two);
    DecodeResult r = decodeStream(good.data(), good.size());
    CHECK(r.status == DecodeStatus::Ok && std::holds_alternative<PoseFrame>(*r.message));
    const auto& p = std::get<PoseFrame>(*r.message);
    CHECK(p.seq == 3 && p.rotations.size() == 2 && p.rotations[1] == (Quat{0.6f, 0, 0, 0.8f}));
    CHECK_NEAR(p.root[1], 0.95, 0);
    CHECK(status(poseBytes(0, 1, {})) == DecodeStatus::Ok);  // no joints is a (useless) valid frame
    // q must hold whole float32 quaternions: 15 or 20 bytes are invalid, and the error names the field.
    const auto ragged = poseBytes(0, 1, two, [](Value& b) { set(b, "q", Value::Bin(std::vector<uint8_t>(20))); });
    r = decodeStream(ragged.data(), ragged.size());
    CHECK(r.status == DecodeStatus::Invalid && r.error.find("pose.q") != std::string::npos);
    CHECK(status(poseBytes(0, 1, two, [](Value& b) { set(b, "q", Value::Bin(std::vector<uint8_t>(15))); })) ==
          DecodeStatus::Invalid);
    CHECK(status(poseBytes(0, 1, two, [](Value& b) { set(b, "q", Value::Str("abcd")); })) == DecodeStatus::Invalid);
    CHECK(status(poseBytes(0, 1, two, [](Value& b) { erase(b, "root"); })) == DecodeStatus::Invalid);
    CHECK(status(poseBytes(0, 1, two, [](Value& b) { set(b, "root", Value::Array({Value::Float(1)})); })) ==
          DecodeStatus::Invalid);
    CHECK(status(poseBytes(0, 1, two, [](Value& b) { set(b, "v", Value::Int(2)); })) == DecodeStatus::Version);
    // A NaN joint stays at rest instead of tearing the mesh; the others are kept.
    const auto nan = poseBytes(0, 1, {NAN, 0, 0, 1, 0.6f, 0, 0, 0.8f});
    r = decodeStream(nan.data(), nan.size());
    CHECK(r.status == DecodeStatus::Ok && std::get<PoseFrame>(*r.message).rotations[0] == Quat{} &&
          std::get<PoseFrame>(*r.message).rotations[1].x == 0.6f);

    auto skeleton = [&](const std::function<void(Value&)>& change) { return encodeValue(skeletonBody(change)); };
    const auto k = skeleton(nullptr);
    r = decodeStream(k.data(), k.size());
    CHECK(r.status == DecodeStatus::Ok && std::holds_alternative<Skeleton>(*r.message));
    const auto& sk = std::get<Skeleton>(*r.message);
    CHECK(sk.size() == 3 && sk.parents[2] == 1 && sk.indexOf("Head") == 2 && sk.indexOf("Tail") == -1);
    CHECK_NEAR(sk.offsets[2][1], 0.5, 0);
    // Parents must be earlier joints (no cycles, one FK pass); the lists must line up.
    CHECK(status(skeleton([](Value& b) { set(b, "parents", Value::Array({Value::Int(-1), Value::Int(2), Value::Int(1)})); })) ==
          DecodeStatus::Invalid);
    CHECK(status(skeleton([](Value& b) { set(b, "parents", Value::Array({Value::Int(-2), Value::Int(0), Value::Int(1)})); })) ==
          DecodeStatus::Invalid);
    CHECK(status(skeleton([](Value& b) { set(b, "parents", Value::Array({Value::Int(-1), Value::Int(0)})); })) ==
          DecodeStatus::Invalid);
    CHECK(status(skeleton([](Value& b) { set(b, "joints", Value::Array({Value::Str("Hips"), Value::Int(1), Value::Str("x")})); })) ==
          DecodeStatus::Invalid);
    CHECK(status(skeleton([](Value& b) { erase(b, "offsets"); })) == DecodeStatus::Invalid);
    Value badOffsets = skeletonBody();
    badOffsets.map.back().second.array[1] = Value::Array({Value::Float(0), Value::Float(NAN), Value::Float(0)});
    const auto badOffsetBytes = encodeValue(badOffsets);
    CHECK(status(badOffsetBytes) == DecodeStatus::Invalid);
    // describe's `skeleton` is read by the same code.
    Skeleton described;
    std::string error;
    CHECK(decodeSkeleton(skeletonBody(), "describe.skeleton", described, &error) && described.size() == 3);
    CHECK(!decodeSkeleton(Value::Int(3), "describe.skeleton", described, &error) &&
          error.find("describe.skeleton") != std::string::npos);
    CHECK(described.size() == 3);  // untouched on failure
}

// -- jitter buffer -------------------------------------------------------------------------------------------

void testJitterBufferBasics() {
    JitterBuffer<FaceFrame> buffer(8, 0.05);
    FaceFrame out;
    CHECK(!buffer.sample(0.0, out));
    CHECK(buffer.push(frame(1.0, 0.0f)));
    CHECK(buffer.push(frame(1.2, 1.0f)));
    CHECK(buffer.push(frame(1.1, 0.5f)));  // out of order: sorted in
    CHECK(!buffer.push(frame(1.1, 0.9f)));  // duplicate
    CHECK(buffer.stats().duplicates == 1);
    CHECK(buffer.sample(0.5, out) && out.pts == 1.0);  // before the first: the first
    CHECK(buffer.sample(1.05, out));
    CHECK_NEAR(out.weights[0], 0.25, 1e-6);  // halfway between 1.0 and 1.1
    CHECK(buffer.push(frame(1.01, 0.0f)));  // between the shown frame and the next: still useful
    CHECK(!buffer.push(frame(0.99, 0.0f)));  // older than the frame being shown: late
    CHECK(buffer.stats().late == 1);
    CHECK(buffer.sample(1.3, out) && out.pts == 1.2 && buffer.stats().underruns == 1);  // held, counted
    CHECK(buffer.size() == 1);
    for (int i = 0; i < 20; ++i) buffer.push(frame(2.0 + i, 0.0f));
    CHECK(buffer.size() == 8 && buffer.stats().overflow == 13);
    CHECK(buffer.dropAfter(19.5) == 2 && buffer.newestPts() == 19.0);
    buffer.clear();
    CHECK(buffer.push(frame(0.5, 0.0f)));  // after clear an older timeline is accepted again
}

void testJitterBufferUnderSimulatedJitter() {
    // 60 fps frames sent `lookahead` before their pts, each delayed by 0.2 ms + exponential jitter (mean 8 ms,
    // capped at 90 ms), so they arrive out of order. The engine renders at 144 Hz. Weight 0 equals pts, so the
    // right interpolation is known exactly.
    std::mt19937 random(7);
    std::exponential_distribution<double> jitter(1.0 / 0.008);
    const double lookahead = 0.1;
    struct Arrival {
        double at;
        FaceFrame f;
    };
    std::vector<Arrival> arrivals;
    for (int i = 0; i < 600; ++i) {
        const double pts = 100.0 + i / 60.0;
        arrivals.push_back({pts - lookahead + 0.0002 + std::min(jitter(random), 0.09), frame(pts, static_cast<float>(i / 60.0))});
    }
    std::sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
    int outOfOrder = 0;
    for (std::size_t i = 1; i < arrivals.size(); ++i) outOfOrder += arrivals[i].f.pts < arrivals[i - 1].f.pts;
    CHECK(outOfOrder > 10);
    JitterBuffer<FaceFrame> buffer(600);
    std::size_t next = 0;
    double worst = 0.0;
    int samples = 0;
    for (double t = 100.05; t < 109.5; t += 1.0 / 144) {
        while (next < arrivals.size() && arrivals[next].at <= t) buffer.push(arrivals[next++].f);
        FaceFrame out;
        CHECK(buffer.sample(t, out));
        worst = std::max(worst, std::fabs(out.weights[0] - (t - 100.0)));
        ++samples;
    }
    CHECK(samples > 1300);
    CHECK(worst < 1e-4);  // every sample interpolated between the right two frames
    CHECK(buffer.stats().late == 0 && buffer.stats().underruns == 0);
}

void testPoseJitterBuffer() {
    // Frames of a joint turning about Y at 90 degrees a second, sent out of order; samples land between them
    // on the arc, and the quaternion sign the sidecar picks (w >= 0) never makes a blend take the long way.
    auto turned = [](double pts, double radians) {
        PoseFrame f;
        f.pts = pts;
        f.root = {0.0, 0.95 + 0.1 * pts, 0.0};
        f.rotations = {Quat{}, axisAngle(Vec3{0, 1, 0}, radians)};
        return f;
    };
    JitterBuffer<PoseFrame> buffer(16);
    const double speed = M_PI / 2;
    for (int i : {2, 0, 3, 1}) CHECK(buffer.push(turned(i / 60.0, speed * i / 60.0)));
    PoseFrame out;
    CHECK(buffer.sample(1.5 / 60.0, out));
    CHECK_NEAR(angleBetween(out.rotations[1], axisAngle(Vec3{0, 1, 0}, speed * 1.5 / 60.0)), 0.0, 1e-6);
    CHECK_NEAR(out.root[1], 0.95 + 0.1 * 1.5 / 60.0, 1e-12);
    CHECK(out.pts == 1 / 60.0);
    // Across the hemisphere: q and -q are one rotation; the blend must stay near both ends.
    PoseFrame a = turned(10.0, 0.2), b = turned(10.1, 0.3);
    b.rotations[1] = Quat{-b.rotations[1].x, -b.rotations[1].y, -b.rotations[1].z, -b.rotations[1].w};
    const PoseFrame mid = interpolate(a, b, 0.5);
    CHECK_NEAR(angleBetween(mid.rotations[1], axisAngle(Vec3{0, 1, 0}, 0.25)), 0.0, 1e-6);
    // Frames of different skeletons do not blend: the nearer is given.
    PoseFrame other = turned(10.1, 0.3);
    other.rotations.push_back(Quat{});
    CHECK(interpolate(a, other, 0.4).rotations.size() == 2 && interpolate(a, other, 0.6).rotations.size() == 3);
    // An interrupt drops the poses after the cut, like the face.
    CHECK(buffer.dropAfter(2 / 60.0 + 1e-9) == 1 && buffer.stats().flushed == 1);
}

// -- body: axes, Live Link curves, retargeting ----------------------------------------------------------------

void testAxesAndCurves() {
    // Unity (x right, y up, z forward, m) -> Unreal world (x forward, y right, z up, cm) and mesh (Manny faces +Y).
    const Vec3 up{0, 1, 0}, right{1, 0, 0}, forward{0, 0, 1};
    auto same = [](const Vec3& a, const Vec3& b) { return std::fabs(a.x - b.x) + std::fabs(a.y - b.y) + std::fabs(a.z - b.z) < 1e-9; };
    CHECK(same(toUnrealPosition(forward, UnrealSpace::World), Vec3{100, 0, 0}));
    CHECK(same(toUnrealPosition(right, UnrealSpace::World), Vec3{0, 100, 0}));
    CHECK(same(toUnrealPosition(up, UnrealSpace::World), Vec3{0, 0, 100}));
    CHECK(same(toUnrealPosition(forward, UnrealSpace::Mesh), Vec3{0, 100, 0}));
    CHECK(same(toUnrealPosition(right, UnrealSpace::Mesh), Vec3{-100, 0, 0}));
    CHECK(same(toUnrealPosition(up, UnrealSpace::Mesh), Vec3{0, 0, 100}));
    // A rotation converts so that it turns converted vectors as the original turns the originals (both frames are
    // left-handed: a proper change of axes), for random rotations and vectors.
    std::mt19937 random(11);
    std::normal_distribution<double> n(0.0, 1.0);
    double worst = 0.0;
    for (int i = 0; i < 200; ++i) {
        const Quat q = normalized(Quat{static_cast<float>(n(random)), static_cast<float>(n(random)),
                                       static_cast<float>(n(random)), static_cast<float>(n(random))});
        const Vec3 v{n(random), n(random), n(random)};
        for (UnrealSpace space : {UnrealSpace::World, UnrealSpace::Mesh}) {
            const Vec3 a = toUnrealPosition(rotate(q, v), space);
            const Vec3 b = rotate(toUnrealRotation(q, space), toUnrealPosition(v, space));
            worst = std::max(worst, std::fabs(a.x - b.x) + std::fabs(a.y - b.y) + std::fabs(a.z - b.z));
        }
    }
    CHECK(worst < 1e-4);  // float32 quaternions, 100x positions

    FaceFrame face;
    face.weights[17] = 0.75f;  // jawOpen
    face.head = {M_PI / 2, -M_PI / 4, 0.1};
    face.eyes = {0.2, -0.1, 0.3, 0.4};
    const auto values = liveLinkFaceValues(face);
    CHECK(std::string(kLiveLinkFaceCurves[17]) == "JawOpen" && values[17] == 0.75f);
    CHECK_NEAR(values[52], 0.5, 1e-7);  // HeadYaw: 90 degrees / 180
    CHECK_NEAR(values[53], -0.25, 1e-7);
    CHECK_NEAR(values[55], 0.2 / M_PI, 1e-7);  // LeftEyeYaw
    CHECK(values[57] == 0.0f && values[60] == 0.0f);  // eyes do not roll
    CHECK_NEAR(values[59], 0.4 / M_PI, 1e-7);  // RightEyePitch
}

/// A rig for the retarget test: bones in order with parent, the joint of ours each is bound to (-1: unbound), and
/// the reference pose in component space.
struct TestRig {
    std::vector<std::string> names;
    std::vector<int> parents;
    std::vector<int> joint;
    std::vector<Vec3> position;
    std::vector<Quat> rotation;

    /// Component rotations and positions from local rotations (the reference's local translations).
    void fk(const std::vector<Quat>& local, std::vector<Quat>& c, std::vector<Vec3>& at) const {
        c.assign(names.size(), Quat{});
        at.assign(names.size(), Vec3{});
        for (std::size_t b = 0; b < names.size(); ++b) {
            const int p = parents[b];
            if (p < 0) {
                c[b] = local[b];
                at[b] = position[b];
                continue;
            }
            const auto pu = static_cast<std::size_t>(p);
            const Vec3 d{position[b].x - position[pu].x, position[b].y - position[pu].y, position[b].z - position[pu].z};
            const Vec3 t = rotate(conjugate(rotation[pu]), d);  // the reference local translation
            c[b] = multiply(c[pu], local[b]);
            const Vec3 moved = rotate(c[pu], t);
            at[b] = {at[pu].x + moved.x, at[pu].y + moved.y, at[pu].z + moved.z};
        }
    }
    Quat refLocal(std::size_t b) const {
        return parents[b] < 0 ? rotation[b] : multiply(conjugate(rotation[static_cast<std::size_t>(parents[b])]), rotation[b]);
    }
};

Vec3 unit(const Vec3& v) {
    const double n = std::sqrt(v.x * v.x + v.y * v.y + v.z * v.z);
    return {v.x / n, v.y / n, v.z / n};
}

double apart(const Vec3& a, const Vec3& b) { return std::fabs(a.x - b.x) + std::fabs(a.y - b.y) + std::fabs(a.z - b.z); }

void testRetargetOntoARig() {
    // Our 7-joint vector skeleton onto a rig with its own names, an extra root and spine bone and a hand we do not
    // drive, every bone with an arbitrary rest rotation, 1.1x our size, and the arm in an A-pose (40 degrees down).
    auto bytes = vector("stream_skeleton");
    const Skeleton ours = std::get<Skeleton>(*decodeStream(bytes.data(), bytes.size()).message);
    PoseFrame rest;
    rest.rotations.assign(ours.size(), Quat{});
    GlobalPose restFk;
    CHECK(forwardKinematics(ours, rest, restFk));
    std::vector<Vec3> ourRest;  // mesh axes, cm
    for (const Vec3& p : restFk.positions) ourRest.push_back(toUnrealPosition(p, UnrealSpace::Mesh));

    TestRig rig;
    rig.names = {"root", "pelvis", "spine_01", "spine_02", "spine_03", "neck_01", "head", "upperarm_l", "lowerarm_l", "hand_l"};
    rig.parents = {-1, 0, 1, 2, 3, 4, 5, 4, 7, 8};
    rig.joint = {-1, 0, 1, -1, 2, 3, 4, 5, 6, -1};
    auto scaled = [&](int j) { const Vec3& v = ourRest[static_cast<std::size_t>(j)]; return Vec3{1.1 * v.x, 1.1 * v.y, 1.1 * v.z}; };
    const Vec3 shoulder = scaled(5);
    const Quat aPose = axisAngle({0, 1, 0}, 40 * M_PI / 180);  // about the forward axis (mesh +Y): the arm drops
    auto armPoint = [&](const Vec3& tPose) {
        const Vec3 d = rotate(aPose, Vec3{tPose.x - shoulder.x, tPose.y - shoulder.y, tPose.z - shoulder.z});
        return Vec3{shoulder.x + d.x, shoulder.y + d.y, shoulder.z + d.z};
    };
    const Vec3 elbow = scaled(6);
    const Vec3 handT{elbow.x + 0.9 * (elbow.x - shoulder.x), elbow.y + 0.9 * (elbow.y - shoulder.y), elbow.z + 0.9 * (elbow.z - shoulder.z)};
    const Vec3 s1 = scaled(1), s3 = scaled(2);
    rig.position = {Vec3{}, scaled(0), s1, Vec3{(s1.x + s3.x) / 2, (s1.y + s3.y) / 2 + 1.0, (s1.z + s3.z) / 2}, s3,
                    scaled(3), scaled(4), shoulder, armPoint(elbow), armPoint(handT)};
    std::mt19937 random(5);
    std::normal_distribution<double> n(0.0, 1.0);
    auto randomQuat = [&] {
        return normalized(Quat{static_cast<float>(n(random)), static_cast<float>(n(random)), static_cast<float>(n(random)),
                               static_cast<float>(n(random))});
    };
    rig.rotation = {Quat{}};
    for (std::size_t b = 1; b < rig.names.size(); ++b) rig.rotation.push_back(randomQuat());

    // What the Unreal retarget asset builds from the mesh's reference pose.
    std::vector<RetargetBone> bones;
    std::vector<int> listOf(rig.names.size(), -1);
    std::vector<Vec3> refPosition;
    std::vector<Quat> refComponent;
    for (std::size_t b = 0; b < rig.names.size(); ++b) {
        if (rig.joint[b] < 0) continue;
        RetargetBone bone;
        bone.joint = rig.joint[b];
        Quat chain;  // ref locals of the unbound bones up to the bound ancestor, innermost last
        int p = rig.parents[b];
        while (p >= 0 && rig.joint[static_cast<std::size_t>(p)] < 0) {
            chain = multiply(rig.refLocal(static_cast<std::size_t>(p)), chain);
            p = rig.parents[static_cast<std::size_t>(p)];
        }
        bone.parentBone = p >= 0 ? listOf[static_cast<std::size_t>(p)] : -1;
        bone.parentChain = chain;
        listOf[b] = static_cast<int>(bones.size());
        bones.push_back(bone);
        refPosition.push_back(rig.position[b]);
        refComponent.push_back(rig.rotation[b]);
    }
    CHECK(bones.size() == 7 && bones[2].parentBone == 1 && bones[0].parentBone == -1);
    std::vector<int> aimAt;
    for (const RetargetBone& bone : bones) {
        const int child = aimChild(ours, bone.joint);
        int at = -1;
        for (std::size_t i = 0; i < bones.size(); ++i) {
            if (bones[i].joint == child) at = static_cast<int>(i);
        }
        aimAt.push_back(at);
    }
    CHECK(aimAt == (std::vector<int>{1, 2, 3, 4, -1, 6, -1}));  // the chest aims up the neck, not along the arm
    alignRestToTPose(ourRest, refPosition, refComponent, aimAt, bones);
    CHECK(angleBetween(bones[5].restComponent, refComponent[5]) > 30 * M_PI / 180);  // the A-pose arm was raised

    auto rigLocals = [&](const std::vector<Quat>& retargeted) {
        std::vector<Quat> local;
        for (std::size_t b = 0; b < rig.names.size(); ++b) {
            local.push_back(listOf[b] >= 0 ? retargeted[static_cast<std::size_t>(listOf[b])] : rig.refLocal(b));
        }
        return local;
    };
    auto check = [&](const PoseFrame& pose, double tolerance) {
        GlobalPose g;
        CHECK(forwardKinematics(ours, pose, g));
        std::vector<Quat> globalMesh;
        for (const Quat& q : g.rotations) globalMesh.push_back(toUnrealRotation(q, UnrealSpace::Mesh));
        std::vector<Quat> c;
        std::vector<Vec3> at;
        rig.fk(rigLocals(retargetRotations(globalMesh, bones)), c, at);
        double worstDirection = 0.0, worstRotation = 0.0;
        for (std::size_t b = 0; b < rig.names.size(); ++b) {
            const int i = listOf[b];
            if (i < 0) continue;
            const RetargetBone& bone = bones[static_cast<std::size_t>(i)];
            // Every driven bone turns by our joint's turn away from the T-pose...
            worstRotation = std::max(worstRotation, angleBetween(c[b], multiply(globalMesh[static_cast<std::size_t>(bone.joint)], bone.restComponent)));
            // ...so it points where ours points (the leaf forearm: on to the undriven hand, straight as ours).
            const int aim = aimAt[static_cast<std::size_t>(i)];
            const std::size_t to = aim >= 0 ? static_cast<std::size_t>(std::find(listOf.begin(), listOf.end(), aim) - listOf.begin()) : 9;
            if (aim < 0 && b != 8) continue;
            const int ourFrom = bone.joint, ourTo = aim >= 0 ? bones[static_cast<std::size_t>(aim)].joint : -1;
            const Vec3 rigDir = unit(Vec3{at[to].x - at[b].x, at[to].y - at[b].y, at[to].z - at[b].z});
            const Vec3 ourDir = ourTo >= 0
                ? unit(toUnrealPosition(Vec3{g.positions[static_cast<std::size_t>(ourTo)].x - g.positions[static_cast<std::size_t>(ourFrom)].x,
                                             g.positions[static_cast<std::size_t>(ourTo)].y - g.positions[static_cast<std::size_t>(ourFrom)].y,
                                             g.positions[static_cast<std::size_t>(ourTo)].z - g.positions[static_cast<std::size_t>(ourFrom)].z}, UnrealSpace::Mesh))
                : unit(toUnrealPosition(rotate(g.rotations[static_cast<std::size_t>(ourFrom)], Vec3{-1, 0, 0}), UnrealSpace::Mesh));
            worstDirection = std::max(worstDirection, apart(rigDir, ourDir));
        }
        CHECK(worstRotation < tolerance);
        CHECK(worstDirection < tolerance);
    };
    check(rest, 1e-5);  // our T-pose puts the rig in a T-pose (its arm raised out of the A-pose)
    for (int trial = 0; trial < 20; ++trial) {
        PoseFrame pose = rest;
        for (Quat& q : pose.rotations) {
            q = axisAngle(Vec3{n(random), n(random), n(random)}, 0.8 * n(random));
        }
        check(pose, 1e-4);
    }
    // The root: our 0.95 m hips onto a rig whose hips are 104.5 cm high, in mesh axes (Manny faces +Y).
    const Vec3 root = rootInRig(toUnrealPosition(Vec3{0.1, 0.95, 0.2}, UnrealSpace::Mesh), 104.5);
    CHECK(apart(root, Vec3{-11.0, 22.0, 104.5}) < 1e-9);
}

// -- clock sync ----------------------------------------------------------------------------------------------

struct ClockRun {
    double offsetError;
    double skew;
};

/// Ping once a second for `seconds`; the sidecar's clock = local * (1 + skew) + offset; one-way delays of
/// 0.1 ms + exponential queueing (mean 3 ms up, 1 ms down: asymmetric).
ClockRun simulateClock(double trueOffset, double trueSkew, double seconds, unsigned seed) {
    std::mt19937 random(seed);
    std::exponential_distribution<double> up(1.0 / 0.003), down(1.0 / 0.001);
    ClockSync sync(16);
    double local = 1000.0;
    for (int i = 0; i < seconds; ++i) {
        const double tSend = local;
        const double atServer = tSend + 0.0001 + up(random);
        const double tServer = atServer * (1.0 + trueSkew) + trueOffset;
        const double tReceive = atServer + 0.0001 + down(random);
        CHECK(sync.addSample(tSend, tServer, tReceive));
        local += 1.0;
    }
    const double now = local + 0.5;
    return {sync.toSidecar(now) - (now * (1.0 + trueSkew) + trueOffset), sync.skew()};
}

void testClockSync() {
    ClockSync sync;
    CHECK(!sync.synced() && sync.offset(5.0) == 0.0);
    CHECK(!sync.addSample(2.0, 10.0, 1.0));  // negative round trip
    CHECK(!sync.addSample(NAN, 10.0, 1.0));
    CHECK(sync.addSample(1.0, 11.5, 1.01) && sync.synced());
    CHECK_NEAR(sync.offset(1.005), 10.495, 1e-9);
    CHECK(sync.addSample(2.0, 12.5, 2.002));  // faster exchange wins
    CHECK_NEAR(sync.rtt(), 0.002, 1e-9);
    CHECK_NEAR(sync.offset(2.001), 10.499, 1e-9);

    const ClockRun steady = simulateClock(123.456, 0.0, 60, 1);
    CHECK_NEAR(steady.offsetError, 0.0, 0.0005);
    const ClockRun skewed = simulateClock(-42.0, 200e-6, 60, 2);  // 200 ppm: 12 ms of drift over the minute
    CHECK_NEAR(skewed.skew, 200e-6, 60e-6);
    CHECK_NEAR(skewed.offsetError, 0.0, 0.0008);
}

// -- audio ring ----------------------------------------------------------------------------------------------

std::vector<int16_t> ramp(std::size_t n, int16_t from) {
    std::vector<int16_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<int16_t>(from + static_cast<int>(i));
    return v;
}

void testAudioRing() {
    const int rate = 1000;  // 1 sample = 1 ms keeps the arithmetic readable
    AudioRing ring(4096, 0.02);
    std::vector<int16_t> out(100);
    CHECK(ring.read(out.data(), 10, 0.0) == 0);  // nothing yet: silence
    ring.write(ramp(100, 1).data(), 100, 10.0, rate);
    ring.write(ramp(100, 101).data(), 100, 10.1, rate);  // contiguous
    CHECK(ring.buffered() == 200 && ring.stats().gapFilled == 0);
    CHECK_NEAR(ring.endPts(), 10.2, 1e-9);
    // Read 50 samples from 9.98: 20 of silence, then the audio from its first sample.
    CHECK(ring.read(out.data(), 50, 9.98) == 30);
    CHECK(out[19] == 0 && out[20] == 1 && out[49] == 30);
    // A reader whose clock wobbles by 5 ms stays continuous.
    CHECK(ring.read(out.data(), 10, 10.035) == 10);
    CHECK(out[0] == 31 && ring.stats().resyncs == 0);
    // A jump of 50 ms is followed: the 50 skipped samples are late.
    CHECK(ring.read(out.data(), 10, 10.09) == 10);
    CHECK(out[0] == 91 && ring.stats().resyncs == 1 && ring.stats().late == 50);
    // A gap becomes silence; an overlap is trimmed.
    ring.write(ramp(10, 500).data(), 10, 10.25, rate);
    CHECK(ring.stats().gapFilled == 50);
    ring.write(ramp(10, 700).data(), 10, 10.255, rate);
    CHECK(ring.stats().overlap == 5 && ring.buffered() == 100 + 50 + 15);
    // Interrupt at 10.15: everything from 10.15 on goes.
    CHECK(ring.dropAfter(10.15) == 115);
    CHECK_NEAR(ring.endPts(), 10.15, 1e-9);
    CHECK(ring.read(out.data(), 100, 10.1) == 50 && out[49] == 150 && out[50] == 0);
    // A chunk whose start the reader has already passed loses its late head.
    ring.write(ramp(40, 1).data(), 40, 10.18, rate);  // playhead is at 10.2
    CHECK(ring.buffered() == 20 && ring.stats().late == 70);
    // A new rate starts over.
    ring.write(ramp(10, 1).data(), 10, 20.0, 2000);
    CHECK(ring.rate() == 2000 && ring.buffered() == 10);
    // Overflow keeps the newest.
    AudioRing small(1024);
    small.write(ramp(1000, 0).data(), 1000, 0.0, rate);
    small.write(ramp(100, 0).data(), 100, 1.0, rate);
    CHECK(small.buffered() == 1024 && small.stats().overflow == 76);
    CHECK_NEAR(small.startPts(), 0.076, 1e-9);
}

// -- the client against an in-process stand-in for the sidecar ------------------------------------------------

struct StandIn {
    zmq::context_t context{1};
    zmq::socket_t pub{context, zmq::socket_type::pub};
    zmq::socket_t router{context, zmq::socket_type::router};
    std::string pubEndpoint, routerEndpoint;
    double clockOffset;

    explicit StandIn(double offset, const std::string& pubAt = "tcp://127.0.0.1:*",
                     const std::string& routerAt = "tcp://127.0.0.1:*")
        : clockOffset(offset) {
        pub.set(zmq::sockopt::linger, 0);
        router.set(zmq::sockopt::linger, 0);
        pub.bind(pubAt);
        router.bind(routerAt);
        pubEndpoint = pub.get(zmq::sockopt::last_endpoint);
        routerEndpoint = router.get(zmq::sockopt::last_endpoint);
    }

    void publish(const std::string& topic, const std::vector<uint8_t>& payload) {
        pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
        pub.send(zmq::const_buffer(payload.data(), payload.size()), zmq::send_flags::none);
    }

    /// Answer pings (with this stand-in's clock) and describes for `seconds`, publishing a face frame every
    /// 10 ms with seq from `seq`.
    void serve(double seconds, int64_t& seq) {
        const double until = Client::localNow() + seconds;
        double nextFrame = 0.0;
        while (Client::localNow() < until) {
            zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
            zmq::poll(items, 1, std::chrono::milliseconds(1));
            if (items[0].revents & ZMQ_POLLIN) {
                zmq::message_t identity, body;
                (void)router.recv(identity);
                (void)router.recv(body);
                Value request;
                CHECK(decodeValue(body.data<uint8_t>(), body.size(), request));
                Value reply = Value::Map({{"id", *request.find("id")}, {"ok", Value::Bool(true)}});
                const std::string op = request.find("op")->string;
                if (op == "ping") {
                    reply.map.emplace_back("t_client", *request.find("t_client"));
                    reply.map.emplace_back("t_server", Value::Float(Client::localNow() + clockOffset));
                } else if (op == "describe") {
                    reply.map.emplace_back("protocol_version", Value::Int(1));
                }
                const std::vector<uint8_t> bytes = encodeValue(reply);
                router.send(identity, zmq::send_flags::sndmore);
                router.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
            }
            const double now = Client::localNow();
            if (now >= nextFrame) {
                publish("host/face", faceBytes(seq++, now + clockOffset + 0.1));
                nextFrame = now + 0.01;
            }
        }
    }
};

void testClientSkipsAndCounts() {
    StandIn sidecar(5.0);  // its clock runs 5 s ahead of ours
    ClientConfig config;
    config.control = sidecar.routerEndpoint;
    config.stream = sidecar.pubEndpoint;
    config.silenceTimeout = 0.3;
    Client client(config);
    client.start();
    int64_t seq = 0;
    sidecar.serve(0.6, seq);  // connect, subscribe, clock burst
    CHECK(client.state() == ConnectionState::Connected);

    const std::vector<uint8_t> good = faceBytes(seq, 0.0);
    std::vector<uint8_t> truncated(good.begin(), good.begin() + static_cast<long>(good.size() / 2));
    sidecar.publish("host/face", truncated);
    sidecar.publish("host/face", {0xc1, 0xc1, 0xc1});
    sidecar.publish("host/sparkle", faceBytes(0, 0.0, 0, [](Value& b) { set(b, "kind", Value::Str("sparkle")); }));
    sidecar.publish("host/face", faceBytes(0, 0.0, 0, [](Value& b) { set(b, "v", Value::Int(2)); }));
    sidecar.publish("host/face", faceBytes(0, 0.0, 0, [](Value& b) { erase(b, "w"); }));
    sidecar.publish("host/face", faceBytes(0, 0.0, 0, [](Value& b) { set(b, "avatar", Value::Str("hostess")); }));
    sidecar.pub.send(zmq::buffer(std::string("host/face")), zmq::send_flags::none);  // one frame only
    sidecar.pub.send(zmq::buffer(std::string("host/face")), zmq::send_flags::sndmore);  // three frames
    sidecar.pub.send(zmq::buffer(good), zmq::send_flags::sndmore);
    sidecar.pub.send(zmq::buffer(good), zmq::send_flags::none);
    sidecar.publish("guest/face", good);  // another avatar's topic: not even subscribed
    sidecar.serve(0.4, seq);

    ClientStats s = client.stats();
    CHECK(s.state == ConnectionState::Connected);
    CHECK(s.malformed == 4);  // truncated, garbage, one frame, three frames
    CHECK(s.unknownKind == 1 && s.versionMismatch == 1 && s.invalid == 1 && s.otherAvatar == 1);
    CHECK(s.lost == 0 && s.restarts == 0);
    CHECK(s.face > 50);
    CHECK(s.clockSamples >= 8);
    CHECK_NEAR(s.clockOffset, 5.0, 0.002);
    FaceFrame f;
    CHECK(client.sampleFace(Client::localNow(), f));
    CHECK_NEAR(f.pts, Client::localNow() + 5.0, 0.05);  // the frame due now on the sidecar's clock

    // The body: a skeleton (sent again unchanged: the client keeps the one it holds) and poses on the same clock.
    CHECK(client.skeleton() == nullptr);
    PoseFrame body;
    CHECK(!client.samplePose(Client::localNow(), body));
    sidecar.publish("host/skeleton", encodeValue(skeletonBody()));
    const double due = Client::localNow() + 5.0;
    for (int i = 0; i < 3; ++i) sidecar.publish("host/pose", poseBytes(i, due + i / 60.0, {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}));
    sidecar.serve(0.1, seq);
    const std::shared_ptr<const Skeleton> held = client.skeleton();
    CHECK(held && held->size() == 3 && held->joints[2] == "Head");
    sidecar.publish("host/skeleton", encodeValue(skeletonBody()));
    sidecar.serve(0.1, seq);
    CHECK(client.skeleton() == held);
    CHECK(client.samplePose(Client::localNow(), body) && body.rotations.size() == held->size());
    s = client.stats();
    CHECK(s.pose == 3 && s.skeletons == 2 && s.skeletonChanges == 1 && s.skeletonJoints == 3 && s.invalid == 1);

    // Requests: a reply comes back through the handle.
    PendingReply reply = client.request(Request::describe());
    sidecar.serve(0.2, seq);
    Reply r = reply.get();
    CHECK(r.ok && r.number("protocol_version") == 1);
    CHECK(client.info().valid && client.info().protocolVersion == 1);
    client.stop();
    CHECK(client.state() == ConnectionState::Stopped);
    CHECK(client.request(Request::describe()).get().errorCode == "stopped");
}

void testClientSurvivesRestart() {
    std::string pubEndpoint, routerEndpoint;
    ClientConfig config;
    config.silenceTimeout = 0.3;
    config.requestTimeout = 0.5;
    int64_t seq = 0;
    std::unique_ptr<Client> client;
    {
        StandIn first(1.0);
        pubEndpoint = first.pubEndpoint;
        routerEndpoint = first.routerEndpoint;
        config.control = routerEndpoint;
        config.stream = pubEndpoint;
        client = std::make_unique<Client>(config);
        client->start();
        first.serve(0.6, seq);
        CHECK(client->state() == ConnectionState::Connected);
        CHECK_NEAR(client->stats().clockOffset, 1.0, 0.002);
    }  // the sidecar dies
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(client->state() == ConnectionState::Reconnecting);
    // A request while it is down fails after its timeout instead of reaching the next sidecar late.
    CHECK(client->say("anyone there?").get().errorCode == "not_connected");
    StandIn second(-3.0, pubEndpoint, routerEndpoint);  // same ports, another clock, seq from 0
    seq = 0;
    second.serve(1.0, seq);
    ClientStats s = client->stats();
    CHECK(s.state == ConnectionState::Connected);
    CHECK(s.reconnects == 1 && s.restarts == 1);
    CHECK_NEAR(s.clockOffset, -3.0, 0.002);  // measured anew
    PendingReply reply = client->request(Request::describe());
    second.serve(0.2, seq);
    CHECK(reply.get().ok);
    client->stop();
}

/// An event as the sidecar publishes it, from run `run`.
std::vector<uint8_t> eventBytes(int64_t seq, const std::string& run) {
    return encodeValue(Value::Map({{"v", Value::Int(1)}, {"kind", Value::Str("event")}, {"avatar", Value::Str("host")},
                                   {"seq", Value::Int(seq)}, {"pts", Value::Float(0.0)},
                                   {"type", Value::Str("take_ended")}, {"take", Value::Nil()},
                                   {"run", Value::Str(run)}}));
}

void testClientTellsRestartByRun() {
    StandIn sidecar(0.0);
    ClientConfig config;
    config.control = sidecar.routerEndpoint;
    config.stream = sidecar.pubEndpoint;
    Client client(config);
    client.start();
    int64_t seq = 0;
    sidecar.serve(0.6, seq);
    CHECK(client.state() == ConnectionState::Connected);
    sidecar.publish("host/event", eventBytes(0, "aaaa1111"));
    sidecar.publish("host/event", eventBytes(1, "aaaa1111"));
    sidecar.serve(0.1, seq);
    CHECK(client.stats().restarts == 0);
    // Another run whose event seq goes on (its first events lost to a slow reconnect): a restart, not 3 lost.
    sidecar.publish("host/event", eventBytes(5, "bbbb2222"));
    sidecar.publish("host/event", eventBytes(6, "bbbb2222"));
    sidecar.serve(0.1, seq);
    ClientStats s = client.stats();
    CHECK(s.restarts == 1 && s.lost == 0 && s.events == 4);
    // Another run with seq back at 0: one restart, not one for the run and one for the seq.
    sidecar.publish("host/event", eventBytes(0, "cccc3333"));
    sidecar.serve(0.1, seq);
    s = client.stats();
    CHECK(s.restarts == 2 && s.lost == 0);
    client.stop();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: avatarbridge_core_tests VECTORS_DIR [NAME_FILTER]\n");
        return 2;
    }
    g_vectors = argv[1];
    const std::string filter = argc > 2 ? argv[2] : "";
    const std::vector<TestCase> tests = {
        {"vectors_decode", testVectorsDecode},
        {"vector_values", testVectorValues},
        {"truncated_and_corrupted", testTruncatedAndCorrupted},
        {"hostile_headers", testHostileHeaders},
        {"version_kind_fields", testVersionKindAndFields},
        {"pose_and_skeleton_fields", testPoseAndSkeletonFields},
        {"jitter_buffer_basics", testJitterBufferBasics},
        {"pose_jitter_buffer", testPoseJitterBuffer},
        {"jitter_buffer_simulated_jitter", testJitterBufferUnderSimulatedJitter},
        {"axes_and_curves", testAxesAndCurves},
        {"retarget_onto_a_rig", testRetargetOntoARig},
        {"clock_sync", testClockSync},
        {"audio_ring", testAudioRing},
        {"client_skips_and_counts", testClientSkipsAndCounts},
        {"client_survives_restart", testClientSurvivesRestart},
        {"client_tells_restart_by_run", testClientTellsRestartByRun},
    };
    int failedTests = 0;
    for (const auto& test : tests) {
        if (!filter.empty() && std::string(test.name).find(filter) == std::string::npos) continue;
        const int before = g_failures;
        test.run();
        const bool ok = g_failures == before;
        failedTests += !ok;
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", test.name);
    }
    std::printf("%d checks, %d failed, %d test(s) failed\n", g_checks, g_failures, failedTests);
    return g_failures ? 1 : 0;
}

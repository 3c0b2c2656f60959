// avatarbridge_client: a small command-line client on the C++ core, the way an engine uses it.
//
//   avatarbridge_client decode FILE...             one JSON line per golden vector (typed decode, back to wire shape)
//   avatarbridge_client livelink FILE              the 61 Live Link Face values of a face message (JSON list)
//   avatarbridge_client axes world|mesh X Y Z QX QY QZ QW ...   positions and rotations in Unreal's axes
//   avatarbridge_client bones                      our joint -> Manny bone table (JSON map)
//   avatarbridge_client session --control EP [--stream EP] [--avatar NAME] [--silence S]
//       then commands on stdin, one per line, each answered by one JSON line on stdout:
//       wait_connected SECONDS | say TEXT | interrupt | wait_event TYPE SECONDS | play | stop_play | report |
//       stats | reset | quit
//
// `play` runs a simulated audio device: a thread that pulls 512-sample blocks from the core at the stream's
// rate on its own sample clock, paced by the real clock, the way an engine's audio callback does, and records
// what became audible and when.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "AvatarBridgeCore/Body.h"
#include "AvatarBridgeCore/Client.h"
#include "AvatarBridgeCore/Codec.h"
#include "AvatarBridgeCore/LiveLink.h"

using namespace avatarbridge;

namespace {

Value num(double d) { return Value::Float(d); }
Value cnt(uint64_t n) { return Value::Int(static_cast<int64_t>(n)); }

std::vector<uint8_t> readFile(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int decodeFiles(int argc, char** argv) {
    int failures = 0;
    for (int i = 2; i < argc; ++i) {
        const std::vector<uint8_t> bytes = readFile(argv[i]);
        const std::string name = argv[i];
        const std::string base = name.substr(name.find_last_of("/\\") + 1);
        Value out;
        if (base.rfind("stream_", 0) == 0) {
            DecodeResult r = decodeStream(bytes.data(), bytes.size());
            if (r.status != DecodeStatus::Ok) {
                out = Value::Map({{"error", Value::Str(std::string(toString(r.status)) + ": " + r.error)}});
                ++failures;
            } else {
                out = toValue(*r.message);
            }
        } else if (base.rfind("reply_", 0) == 0) {
            out = decodeReply(bytes.data(), bytes.size()).body;
        } else {
            std::string error;
            if (!decodeValue(bytes.data(), bytes.size(), out, &error)) {
                out = Value::Map({{"error", Value::Str(error)}});
                ++failures;
            }
        }
        std::cout << toJson(out) << "\n";
    }
    return failures ? 1 : 0;
}

/// The Live Link curves the Unreal plugin would publish for a face message.
int liveLink(int argc, char** argv) {
    if (argc != 3) return 2;
    const std::vector<uint8_t> bytes = readFile(argv[2]);
    const DecodeResult r = decodeStream(bytes.data(), bytes.size());
    if (r.status != DecodeStatus::Ok || !std::holds_alternative<FaceFrame>(*r.message)) {
        std::cerr << "not a face message: " << r.error << "\n";
        return 1;
    }
    std::vector<Value> values;
    for (float v : liveLinkFaceValues(std::get<FaceFrame>(*r.message))) values.push_back(num(v));
    std::cout << toJson(Value::Array(std::move(values))) << "\n";
    return 0;
}

/// Unity-axes positions and rotations (groups of 7 numbers) in Unreal's world or mesh axes.
int axes(int argc, char** argv) {
    if (argc < 3 || (argc - 3) % 7 != 0) return 2;
    const UnrealSpace space = std::string(argv[2]) == "world" ? UnrealSpace::World : UnrealSpace::Mesh;
    std::vector<Value> out;
    for (int i = 3; i + 6 < argc; i += 7) {
        double v[7];
        for (int k = 0; k < 7; ++k) v[k] = std::stod(argv[i + k]);
        const Vec3 p = toUnrealPosition(Vec3{v[0], v[1], v[2]}, space);
        const Quat q = toUnrealRotation(Quat{static_cast<float>(v[3]), static_cast<float>(v[4]),
                                             static_cast<float>(v[5]), static_cast<float>(v[6])}, space);
        out.push_back(Value::Array({Value::Array({num(p.x), num(p.y), num(p.z)}), Value::Array({num(q.x), num(q.y), num(q.z), num(q.w)})}));
    }
    std::cout << toJson(Value::Array(std::move(out))) << "\n";
    return 0;
}

int bones() {
    std::vector<std::pair<std::string, Value>> table;
    for (const auto& [joint, bone] : kMannyBones) table.emplace_back(joint, Value::Str(bone));
    std::cout << toJson(Value::Map(std::move(table))) << "\n";
    return 0;
}

/// What the session saw, recorded by the client's observer on its thread.
struct Recording {
    struct Take {
        uint64_t samples = 0;
        int rate = 0;
        double firstPts = 0.0;
        double endPts = 0.0;
        uint64_t chunks = 0;
        uint64_t discontinuities = 0;  // a chunk whose pts is not where the previous one ended
        double phonemeEnd = 0.0;
        uint64_t words = 0;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::string, Take> takes;
    std::vector<double> facePts;
    std::vector<double> posePts;
    std::map<std::size_t, uint64_t> poseJoints;  // quaternions per pose frame -> frames
    std::vector<Value> skeletons;  // {joints, root, first joint} of each skeleton message
    std::vector<Value> events;
    Value atInterrupt;  // buffer state the moment the interrupted event was applied

    Take& take(const std::string& id) { return takes[id]; }
};

/// The simulated audio device.
struct Player {
    std::atomic<bool> running{false};
    std::thread thread;
    std::mutex mutex;
    uint64_t audible = 0;
    double firstAudibleSidecar = -1.0;
    double lastAudibleSidecar = -1.0;
    uint64_t blocks = 0;

    void start(Client& client) {
        if (running.exchange(true)) return;
        thread = std::thread([this, &client] {
            constexpr std::size_t kBlock = 512;
            std::vector<int16_t> buffer(kBlock);
            double anchor = -1.0;  // local time of the device's first sample
            uint64_t samples = 0;  // samples the device has asked for since
            while (running) {
                const int rate = client.audioRate();
                if (rate <= 0) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    continue;
                }
                // A device plays on its own sample clock: block k starts at anchor + k * 512 / rate, however
                // late the callback that fills it runs.
                if (anchor < 0) anchor = Client::localNow();
                const double t = anchor + static_cast<double>(samples) / rate;
                client.readAudio(buffer.data(), kBlock, t);
                const double sidecar = client.sidecarTime(t);
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    ++blocks;
                    for (std::size_t i = 0; i < kBlock; ++i) {
                        if (buffer[i] == 0) continue;
                        const double at = sidecar + static_cast<double>(i) / rate;
                        if (firstAudibleSidecar < 0) firstAudibleSidecar = at;
                        lastAudibleSidecar = at;
                        ++audible;
                    }
                }
                samples += kBlock;
                const double wait = anchor + static_cast<double>(samples) / rate - Client::localNow();
                if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
            }
        });
    }

    void stop() {
        running = false;
        if (thread.joinable()) thread.join();
    }

    Value report() {
        std::lock_guard<std::mutex> lock(mutex);
        return Value::Map({{"audible_samples", cnt(audible)},
                    {"first_audible_pts", num(firstAudibleSidecar)},
                    {"last_audible_pts", num(lastAudibleSidecar)},
                    {"blocks", cnt(blocks)}});
    }
};

Value statsValue(const ClientStats& s) {
    return Value::Map({
        {"state", Value::Str(toString(s.state))},
        {"received", cnt(s.received)},
        {"audio", cnt(s.audio)},
        {"face", cnt(s.face)},
        {"phonemes", cnt(s.phonemes)},
        {"words", cnt(s.words)},
        {"events", cnt(s.events)},
        {"pose", cnt(s.pose)},
        {"skeletons", cnt(s.skeletons)},
        {"skeleton_changes", cnt(s.skeletonChanges)},
        {"skeleton_joints", cnt(s.skeletonJoints)},
        {"malformed", cnt(s.malformed)},
        {"version_mismatch", cnt(s.versionMismatch)},
        {"unknown_kind", cnt(s.unknownKind)},
        {"invalid", cnt(s.invalid)},
        {"other_avatar", cnt(s.otherAvatar)},
        {"lost", cnt(s.lost)},
        {"restarts", cnt(s.restarts)},
        {"reconnects", cnt(s.reconnects)},
        {"stale_audio", cnt(s.staleAudio)},
        {"requests_sent", cnt(s.requestsSent)},
        {"requests_failed", cnt(s.requestsFailed)},
        {"face_buffered", cnt(s.faceBuffered)},
        {"face_newest_pts", num(s.faceNewestPts)},
        {"face_flushed", cnt(s.faceBuffer.flushed)},
        {"face_late", cnt(s.faceBuffer.late)},
        {"face_underruns", cnt(s.faceBuffer.underruns)},
        {"pose_buffered", cnt(s.poseBuffered)},
        {"pose_newest_pts", num(s.poseNewestPts)},
        {"pose_flushed", cnt(s.poseBuffer.flushed)},
        {"pose_late", cnt(s.poseBuffer.late)},
        {"pose_underruns", cnt(s.poseBuffer.underruns)},
        {"audio_buffered", cnt(s.audioBuffered)},
        {"audio_end_pts", num(s.audioEndPts)},
        {"audio_flushed", cnt(s.audioRing.flushed)},
        {"audio_late", cnt(s.audioRing.late)},
        {"audio_played", cnt(s.audioRing.played)},
        {"audio_gap_filled", cnt(s.audioRing.gapFilled)},
        {"audio_resyncs", cnt(s.audioRing.resyncs)},
        {"clock_offset", num(s.clockOffset)},
        {"clock_rtt", num(s.clockRtt)},
        {"clock_skew", num(s.clockSkew)},
        {"clock_samples", cnt(s.clockSamples)},
        {"protocol_version", Value::Int(s.protocolVersion)},
        {"last_error", Value::Str(s.lastError)},
    });
}

Value replyValue(const Reply& r) {
    Value v = r.body.type == Value::Type::Map ? r.body : Value::Map({});
    if (!r.ok) {
        v.map.emplace_back("ok", Value::Bool(false));
        v.map.emplace_back("error_code", Value::Str(r.errorCode));
        v.map.emplace_back("error_message", Value::Str(r.errorMessage));
    }
    return v;
}

Value reportValue(Recording& rec, Player& player) {
    std::lock_guard<std::mutex> lock(rec.mutex);
    std::vector<std::pair<std::string, Value>> takes;
    for (const auto& [id, t] : rec.takes) {
        takes.emplace_back(id, Value::Map({{"samples", cnt(t.samples)},
                                    {"rate", Value::Int(t.rate)},
                                    {"seconds", num(t.rate ? static_cast<double>(t.samples) / t.rate : 0.0)},
                                    {"first_pts", num(t.firstPts)},
                                    {"end_pts", num(t.endPts)},
                                    {"chunks", cnt(t.chunks)},
                                    {"discontinuities", cnt(t.discontinuities)},
                                    {"phoneme_end", num(t.phonemeEnd)},
                                    {"words", cnt(t.words)}}));
    }
    std::vector<Value> face;
    face.reserve(rec.facePts.size());
    for (double pts : rec.facePts) face.push_back(num(pts));
    std::vector<Value> pose;
    pose.reserve(rec.posePts.size());
    for (double pts : rec.posePts) pose.push_back(num(pts));
    std::vector<std::pair<std::string, Value>> joints;
    for (const auto& [n, frames] : rec.poseJoints) joints.emplace_back(std::to_string(n), cnt(frames));
    return Value::Map({{"takes", Value::Map(std::move(takes))},
                {"face_pts", Value::Array(std::move(face))},
                {"pose_pts", Value::Array(std::move(pose))},
                {"pose_joints", Value::Map(std::move(joints))},
                {"skeletons", Value::Array(rec.skeletons)},
                {"events", Value::Array(rec.events)},
                {"at_interrupt", rec.atInterrupt},
                {"playback", player.report()}});
}

int session(int argc, char** argv) {
    ClientConfig config;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--control") config.control = argv[i + 1];
        else if (flag == "--stream") config.stream = argv[i + 1];
        else if (flag == "--avatar") config.avatar = argv[i + 1];
        else if (flag == "--silence") config.silenceTimeout = std::stod(argv[i + 1]);
        else {
            std::cerr << "unknown option " << flag << "\n";
            return 2;
        }
    }
    Client client(config);
    Recording rec;
    Player player;
    client.setObserver([&](const StreamMessage& message, double) {
        std::lock_guard<std::mutex> lock(rec.mutex);
        if (const auto* a = std::get_if<AudioChunk>(&message)) {
            Recording::Take& t = rec.take(a->take);
            if (t.chunks == 0) {
                t.firstPts = a->pts;
            } else if (std::fabs(a->pts - t.endPts) > 1e-6) {
                ++t.discontinuities;
            }
            t.rate = a->rate;
            t.samples += a->pcm.size();
            t.endPts = a->pts + a->duration();
            ++t.chunks;
        } else if (const auto* f = std::get_if<FaceFrame>(&message)) {
            rec.facePts.push_back(f->pts);
        } else if (const auto* b = std::get_if<PoseFrame>(&message)) {
            rec.posePts.push_back(b->pts);
            ++rec.poseJoints[b->rotations.size()];
        } else if (const auto* k = std::get_if<Skeleton>(&message)) {
            rec.skeletons.push_back(Value::Map({{"joints", cnt(k->size())},
                                         {"root", Value::Str(k->size() ? k->joints[0] : "")},
                                         {"roots", cnt(static_cast<uint64_t>(
                                                       std::count(k->parents.begin(), k->parents.end(), -1)))}}));
        } else if (const auto* p = std::get_if<Phonemes>(&message)) {
            for (const auto& item : p->items) rec.take(p->take).phonemeEnd = std::max(rec.take(p->take).phonemeEnd, item.end);
        } else if (const auto* w = std::get_if<Words>(&message)) {
            rec.take(w->take).words += w->items.size();
        } else if (const auto* e = std::get_if<Event>(&message)) {
            rec.events.push_back(Value::Map({{"type", Value::Str(e->type)},
                                      {"take", e->hasTake ? Value::Str(e->take) : Value::Nil()},
                                      {"pts", num(e->pts)}}));
            if (e->type == "interrupted") {
                // The observer runs right after the cut was applied, before the next message: this is what the
                // buffers held at the cut.
                const ClientStats s = client.stats();
                rec.atInterrupt = Value::Map({{"cut", num(e->pts)},
                                       {"audio_end_pts", num(s.audioEndPts)},
                                       {"audio_buffered", cnt(s.audioBuffered)},
                                       {"face_newest_pts", num(s.faceNewestPts)},
                                       {"face_flushed", cnt(s.faceBuffer.flushed)},
                                       {"pose_newest_pts", num(s.poseNewestPts)},
                                       {"pose_flushed", cnt(s.poseBuffer.flushed)},
                                       {"audio_flushed", cnt(s.audioRing.flushed)}});
            }
        }
        rec.changed.notify_all();
    });
    client.start();

    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        Value out;
        if (command == "wait_connected") {
            double seconds = 10;
            in >> seconds;
            const double deadline = Client::localNow() + seconds;
            ClientStats s = client.stats();
            while (Client::localNow() < deadline &&
                   (s.state != ConnectionState::Connected || s.clockSamples < config.pingBurst || !client.info().valid)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                s = client.stats();
            }
            out = statsValue(s);
        } else if (command == "say") {
            std::string text;
            std::getline(in >> std::ws, text);
            out = replyValue(client.say(text).get());
        } else if (command == "interrupt") {
            out = replyValue(client.interrupt().get());
        } else if (command == "wait_event") {
            std::string type;
            double seconds = 10;
            in >> type >> seconds;
            std::unique_lock<std::mutex> lock(rec.mutex);
            const auto seen = [&] {
                for (const Value& e : rec.events) {
                    if (e.find("type")->string == type) return true;
                }
                return false;
            };
            const bool ok = rec.changed.wait_for(lock, std::chrono::duration<double>(seconds), seen);
            out = Value::Map({{"ok", Value::Bool(ok)}});
        } else if (command == "play") {
            player.start(client);
            out = Value::Map({{"ok", Value::Bool(true)}});
        } else if (command == "stop_play") {
            player.stop();
            out = player.report();
        } else if (command == "report") {
            out = reportValue(rec, player);
        } else if (command == "stats") {
            out = statsValue(client.stats());
        } else if (command == "reset") {
            std::lock_guard<std::mutex> lock(rec.mutex);
            rec.takes.clear();
            rec.facePts.clear();
            rec.posePts.clear();
            rec.poseJoints.clear();
            rec.skeletons.clear();
            rec.events.clear();
            rec.atInterrupt = Value();
            out = Value::Map({{"ok", Value::Bool(true)}});
        } else if (command == "quit") {
            break;
        } else {
            out = Value::Map({{"error", Value::Str("unknown command '" + command + "'")}});
        }
        std::cout << toJson(out) << std::endl;
    }
    player.stop();
    client.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "decode") return decodeFiles(argc, argv);
    if (mode == "session") return session(argc, argv);
    if (mode == "livelink") return liveLink(argc, argv);
    if (mode == "axes") return axes(argc, argv);
    if (mode == "bones") return bones();
    std::cerr << "usage: avatarbridge_client decode FILE... | session --control EP [--stream EP] [--avatar NAME] | "
                 "livelink FILE | axes world|mesh X Y Z QX QY QZ QW ... | bones\n";
    return 2;
}

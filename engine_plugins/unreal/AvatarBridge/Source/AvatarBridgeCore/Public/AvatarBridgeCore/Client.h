// The sidecar client an engine embeds: a background thread owns the ZeroMQ sockets (SUB for the stream,
// DEALER for requests), keeps the clock in sync, and fills face and pose jitter buffers and an audio ring that the
// engine samples on its own threads. Nothing here calls into the engine; the engine polls.
//
//     avatarbridge::Client client({/*control*/ "tcp://127.0.0.1:5555"});
//     client.start();
//     client.say("Hi everyone!");
//     // game thread, every frame:   client.sampleFace(Client::localNow(), face);
//     //                               client.samplePose(Client::localNow(), pose);  // + client.skeleton()
//     // audio thread, per buffer:   client.readAudio(out, n, Client::localNow() + outputLatency);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "AvatarBridgeCore/AudioRing.h"
#include "AvatarBridgeCore/Codec.h"
#include "AvatarBridgeCore/JitterBuffer.h"
#include "AvatarBridgeCore/Messages.h"

namespace avatarbridge {

struct ClientConfig {
    std::string control = "tcp://127.0.0.1:5555";
    std::string stream;  // "" = the control endpoint with its port + 1 (the sidecar's default layout)
    std::string avatar = "host";  // the avatar this client follows (one client per avatar)
    double requestTimeout = 5.0;  // a request without a reply by then fails with "timeout"
    double silenceTimeout = 1.0;  // no stream message this long: the sidecar is gone, reconnect
    double pingInterval = 1.0;  // clock-sync pings once connected (a burst of `pingBurst` first)
    std::size_t pingBurst = 8;
    std::size_t clockWindow = 16;
    double jitterDelay = 0.0;  // extra playout delay on top of the sidecar's lookahead (seconds)
    std::size_t faceCapacity = 600;  // frames (10 s at 60 fps)
    std::size_t poseCapacity = 600;  // frames (10 s at 60 fps)
    std::size_t audioCapacity = std::size_t(1) << 20;  // samples (47 s at 22050 Hz)
    std::size_t queueCapacity = 256;  // events, phonemes and words kept for polling
    // CurveZMQ, Z85 text (40 characters each); all empty = plain TCP (loopback).
    std::string curveServerKey;
    std::string curvePublicKey;
    std::string curveSecretKey;
};

enum class ConnectionState { Stopped, Connecting, Connected, Reconnecting };
const char* toString(ConnectionState state);

struct ClientStats {
    ConnectionState state = ConnectionState::Stopped;
    uint64_t received = 0;  // stream messages, whatever became of them
    uint64_t audio = 0, face = 0, phonemes = 0, words = 0, events = 0, pose = 0, skeletons = 0;  // delivered
    uint64_t skeletonChanges = 0;  // skeletons that differed from the one held (the first one included)
    uint64_t malformed = 0;  // not msgpack, truncated, not a two-frame multipart
    uint64_t versionMismatch = 0;  // another protocol version: not interpreted
    uint64_t unknownKind = 0;  // a kind this core does not know (yet)
    uint64_t invalid = 0;  // a known kind with a missing or wrong field
    uint64_t otherAvatar = 0;  // for another avatar
    uint64_t lost = 0;  // messages missing from the seq numbering (publisher high-water mark)
    uint64_t restarts = 0;  // sidecar restarts seen (another run id in the events, or seq numbering started over)
    uint64_t reconnects = 0;  // times the stream went silent and the client reconnected
    uint64_t staleAudio = 0;  // audio chunks of an interrupted take, dropped on arrival
    uint64_t requestsSent = 0, requestsFailed = 0, queueOverflow = 0;
    JitterStats faceBuffer;
    AudioStats audioRing;
    std::size_t faceBuffered = 0;
    double faceNewestPts = 0.0;
    JitterStats poseBuffer;
    std::size_t poseBuffered = 0;
    double poseNewestPts = 0.0;
    std::size_t skeletonJoints = 0;  // joints of the skeleton held (0 until one arrived)
    std::size_t audioBuffered = 0;
    double audioEndPts = 0.0;
    double clockOffset = 0.0, clockRtt = 0.0, clockSkew = 0.0;  // sidecar - local (s), best round trip, drift
    std::size_t clockSamples = 0;
    int protocolVersion = 0;  // from describe (0 until answered)
    std::string lastError;  // the latest skipped message or failure, for a status line
};

/// The latest sidecar description (`describe` reply), fetched on every (re)connect.
struct SidecarInfo {
    bool valid = false;
    int protocolVersion = 0;
    std::vector<std::string> avatars;
    std::vector<std::string> blendshapes;  // must equal kArkitBlendshapes for protocol 1
    int audioRate = 0;
    double frameRate = 0.0;
    double lookahead = 0.0;
    std::string voice;
    bool hasSkeleton = false;  // describe carried a valid `skeleton` (it also becomes Client::skeleton())
};

/// The reply to a request, once the sidecar (or the client itself: "timeout", "stopped") gives it. Drop it to fire
/// and forget, or wait on it. A plain handle on purpose: Client.h pulls in neither <future> nor any code that
/// throws, so the Unreal glue, built with exceptions off (UE's default), sees only plain declarations.
class PendingReply {
public:
    PendingReply() = default;
    /// False for a default-constructed handle and after get().
    bool valid() const;
    /// True once the reply has come; never blocks.
    bool ready() const;
    /// Wait up to `seconds` for the reply; true when it has come.
    bool waitFor(double seconds) const;
    /// Block until the reply comes and take it (once: the handle is then no longer valid).
    Reply get();

private:
    friend class Client;
    struct State;
    explicit PendingReply(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
};

class Client {
public:
    explicit Client(ClientConfig config);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Start the background thread (connects, subscribes, syncs the clock). Idempotent.
    void start();
    /// Stop the thread and close the sockets; pending requests fail with "stopped". Idempotent.
    void stop();

    /// Send a request; the handle gets the reply, or a local failure (errorCode "timeout", "stopped").
    PendingReply request(Request request);
    PendingReply say(const std::string& text, const std::string& emotion = "");
    PendingReply interrupt();

    /// Seconds on this process's monotonic clock: the local time every other call takes.
    static double localNow();
    /// The sidecar's time at a local time (clock sync applied; the identity before the first ping reply).
    double sidecarTime(double localTime) const;

    /// The face to show at `localTime` (jitter delay applied). False until a frame has arrived.
    bool sampleFace(double localTime, FaceFrame& out);
    /// The body pose due at `localTime` (jitter delay applied), its rotations in the order of skeleton().
    /// False until a frame has arrived.
    bool samplePose(double localTime, PoseFrame& out);
    /// The latest skeleton (from `describe` or the stream), or null before one arrived. The pointer changes only
    /// when the skeleton does (a re-sent identical one keeps it), so an engine can compare it to rebuild its rig.
    std::shared_ptr<const Skeleton> skeleton() const;
    /// Fill `n` mono samples at audioRate() that start playing at `localTime`; returns real (non-silent) ones.
    /// Meant for the audio thread: it locks only the ring.
    std::size_t readAudio(int16_t* out, std::size_t n, double localTime);
    /// The stream's sample rate (0 until the first audio chunk; the describe reply has it earlier).
    int audioRate() const;

    /// Take the events (take_started, take_ended, interrupted, error), phonemes and words received so far.
    std::vector<Event> pollEvents();
    std::vector<Phonemes> pollPhonemes();
    std::vector<Words> pollWords();

    ConnectionState state() const;
    ClientStats stats() const;
    SidecarInfo info() const;

    /// Called on the background thread with each delivered message and its local receive time (recorders,
    /// tests). Keep it quick; set it before start().
    void setObserver(std::function<void(const StreamMessage&, double)> observer);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace avatarbridge

// The client's background thread: ZeroMQ sockets, decoding, clock sync, buffers, reconnects.
// Every failure is caught here and counted; nothing propagates into the engine.
#include "AvatarBridgeCore/Client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <zmq.hpp>

#include "AvatarBridgeCore/ClockSync.h"

namespace avatarbridge {

const char* toString(ConnectionState state) {
    switch (state) {
        case ConnectionState::Stopped: return "stopped";
        case ConnectionState::Connecting: return "connecting";
        case ConnectionState::Connected: return "connected";
        case ConnectionState::Reconnecting: return "reconnecting";
    }
    return "?";
}

double Client::localNow() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

namespace {

constexpr int kPollMs = 5;  // the thread's heartbeat: sends queued requests and pings at least this often
constexpr double kPingTimeout = 1.0;
constexpr std::size_t kMaxDrain = 2000;  // messages handled per wake-up before requests get a turn
constexpr std::size_t kInterruptedTakesKept = 64;

std::string defaultStream(const std::string& control) {
    const auto colon = control.rfind(':');
    if (colon == std::string::npos) return control;
    try {
        return control.substr(0, colon + 1) + std::to_string(std::stoi(control.substr(colon + 1)) + 1);
    } catch (const std::exception&) {
        return control;  // not tcp://HOST:PORT: the caller must give the stream endpoint
    }
}

Reply localFailure(const char* code, const std::string& message) {
    Reply r;
    r.ok = false;
    r.errorCode = code;
    r.errorMessage = message;
    return r;
}

template <typename T>
void pushBounded(std::deque<T>& queue, T item, std::size_t capacity, uint64_t& overflow) {
    queue.push_back(std::move(item));
    while (queue.size() > capacity) {
        queue.pop_front();
        ++overflow;
    }
}

}  // namespace

struct Client::Impl {
    explicit Impl(ClientConfig c)
        : config(std::move(c)),
          clock(config.clockWindow),
          face(config.faceCapacity),
          pose(config.poseCapacity),
          audio(config.audioCapacity) {
        if (config.stream.empty()) config.stream = defaultStream(config.control);
    }

    ClientConfig config;

    // Shared with the engine's threads, under `mutex` (audio has its own, for the audio thread).
    mutable std::mutex mutex;
    ClockSync clock;
    JitterBuffer<FaceFrame> face;
    JitterBuffer<PoseFrame> pose;
    std::shared_ptr<const Skeleton> skeleton;
    std::deque<Event> events;
    std::deque<Phonemes> phonemes;
    std::deque<Words> words;
    ClientStats stats;
    SidecarInfo info;
    std::function<void(const StreamMessage&, double)> observer;

    mutable std::mutex audioMutex;
    AudioRing audio;

    // Requests handed to the thread.
    struct Outgoing {
        Request request;
        std::promise<Reply> promise;
        double deadline;
    };
    std::mutex outboxMutex;
    std::deque<Outgoing> outbox;

    // Thread-only state.
    std::thread worker;
    std::atomic<bool> running{false};
    std::atomic<ConnectionState> state{ConnectionState::Stopped};
    enum class Purpose { User, Ping, Describe };
    struct Pending {
        Purpose purpose;
        std::promise<Reply> promise;  // User only
        double tSend;
        double deadline;
        std::string op;
    };
    std::map<int64_t, Pending> pending;
    int64_t nextId = 1;
    double lastStream = 0.0;  // local time of the latest stream message
    double nextPing = 0.0;
    bool pingInFlight = false;
    bool describeWanted = true;
    std::unordered_map<std::string, int64_t> lastSeq;  // per kind
    std::string streamRun;  // of the sidecar the stream comes from, as its events say ("" until one does)
    std::deque<std::string> interruptedTakes;

    // -- thread ---------------------------------------------------------------------------------------------

    void run() {
        try {
            zmq::context_t context(1);
            std::unique_ptr<zmq::socket_t> sub = makeSub(context);
            std::unique_ptr<zmq::socket_t> dealer = makeDealer(context);
            state = ConnectionState::Connecting;
            while (running) {
                zmq::pollitem_t items[] = {{sub->handle(), 0, ZMQ_POLLIN, 0}, {dealer->handle(), 0, ZMQ_POLLIN, 0}};
                zmq::poll(items, 2, std::chrono::milliseconds(kPollMs));
                if (items[0].revents & ZMQ_POLLIN) drainStream(*sub);
                if (items[1].revents & ZMQ_POLLIN) drainReplies(*dealer);
                const double now = localNow();
                if (updateConnection(now)) {
                    // The stream went silent: the sidecar is gone or restarting. A fresh DEALER drops replies
                    // that can no longer come and requests that must not reach a new sidecar late.
                    failPending("not_connected", "the sidecar stopped answering; reconnecting");
                    dealer = makeDealer(context);
                }
                sendRequests(*dealer, now);
                expirePending(now);
            }
            sub.reset();
            dealer.reset();
        } catch (const std::exception& e) {
            // Only a broken ZeroMQ context gets here (e.g. an invalid endpoint); report it, never throw.
            std::lock_guard<std::mutex> lock(mutex);
            stats.lastError = std::string("client thread stopped: ") + e.what();
        }
        failPending("stopped", "the client was stopped");
        failOutbox("stopped", "the client was stopped");
        state = ConnectionState::Stopped;
    }

    void secure(zmq::socket_t& socket) {
        if (config.curveServerKey.empty()) return;
        socket.set(zmq::sockopt::curve_serverkey, config.curveServerKey);
        socket.set(zmq::sockopt::curve_publickey, config.curvePublicKey);
        socket.set(zmq::sockopt::curve_secretkey, config.curveSecretKey);
    }

    std::unique_ptr<zmq::socket_t> makeSub(zmq::context_t& context) {
        auto sub = std::make_unique<zmq::socket_t>(context, zmq::socket_type::sub);
        sub->set(zmq::sockopt::linger, 0);
        sub->set(zmq::sockopt::rcvhwm, 100000);
        sub->set(zmq::sockopt::maxmsgsize, int64_t(4) << 20);  // nothing legitimate is near this
        secure(*sub);
        sub->set(zmq::sockopt::subscribe, config.avatar + "/");
        sub->connect(config.stream);
        return sub;
    }

    std::unique_ptr<zmq::socket_t> makeDealer(zmq::context_t& context) {
        auto dealer = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
        dealer->set(zmq::sockopt::linger, 0);
        // Queue a request only on a live connection, so a `say` never reaches a restarted sidecar late.
        dealer->set(zmq::sockopt::immediate, 1);
        dealer->set(zmq::sockopt::heartbeat_ivl, 1000);
        dealer->set(zmq::sockopt::heartbeat_timeout, 3000);
        secure(*dealer);
        dealer->connect(config.control);
        return dealer;
    }

    /// Returns true when the stream has just gone silent (connected -> reconnecting).
    bool updateConnection(double now) {
        const ConnectionState s = state;
        if (s == ConnectionState::Connected && now - lastStream > config.silenceTimeout) {
            state = ConnectionState::Reconnecting;
            std::lock_guard<std::mutex> lock(mutex);
            ++stats.reconnects;
            stats.lastError = "no stream for " + std::to_string(config.silenceTimeout) + " s; reconnecting";
            return true;
        }
        return false;
    }

    void onStreamAlive(double now) {
        lastStream = now;
        const ConnectionState s = state;
        if (s != ConnectionState::Connected) {
            state = ConnectionState::Connected;
            // (Re)connected: the clock may differ (another sidecar, another machine); measure it anew.
            resync();
        }
    }

    void resync() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            clock.reset();
        }
        nextPing = 0.0;
        describeWanted = true;
    }

    // -- stream ---------------------------------------------------------------------------------------------

    void drainStream(zmq::socket_t& sub) {
        for (std::size_t n = 0; n < kMaxDrain; ++n) {
            zmq::message_t topic;
            if (!sub.recv(topic, zmq::recv_flags::dontwait)) return;
            const double now = localNow();
            std::vector<zmq::message_t> parts;
            while (sub.get(zmq::sockopt::rcvmore)) {
                parts.emplace_back();
                if (!sub.recv(parts.back(), zmq::recv_flags::dontwait)) break;
            }
            onStreamAlive(now);
            if (parts.size() != 1) {
                count(&ClientStats::malformed, "a stream message must be two frames [topic, map], got " +
                                                   std::to_string(parts.size() + 1));
                continue;
            }
            handle(decodeStream(parts[0].data<uint8_t>(), parts[0].size()), now);
        }
    }

    void count(uint64_t ClientStats::*counter, std::string error) {
        std::lock_guard<std::mutex> lock(mutex);
        ++(stats.*counter);
        ++stats.received;
        stats.lastError = std::move(error);
    }

    void handle(DecodeResult result, double now) {
        switch (result.status) {
            case DecodeStatus::Ok: break;
            case DecodeStatus::Malformed: return count(&ClientStats::malformed, result.error);
            case DecodeStatus::Version: return count(&ClientStats::versionMismatch, result.error);
            case DecodeStatus::UnknownKind: return count(&ClientStats::unknownKind, result.error);
            case DecodeStatus::Invalid: return count(&ClientStats::invalid, result.error);
        }
        StreamMessage& message = *result.message;
        std::function<void(const StreamMessage&, double)> observe;
        {
            std::lock_guard<std::mutex> lock(mutex);
            ++stats.received;
            if (!deliver(message)) return;
            observe = observer;
        }
        if (observe) observe(message, now);
    }

    /// Track seq per kind: a gap is loss, a step back is a restarted sidecar. Called under `mutex`.
    void trackSeq(const char* kind, int64_t seq) {
        auto it = lastSeq.find(kind);
        if (it != lastSeq.end()) {
            if (seq <= it->second) {
                ++stats.restarts;
                stats.lastError = std::string("sidecar restarted (") + kind + " seq " + std::to_string(seq) +
                                  " after " + std::to_string(it->second) + ")";
                restartLocked();
            } else {
                stats.lost += static_cast<uint64_t>(seq - it->second - 1);
            }
        }
        lastSeq[kind] = seq;
    }

    /// An event from another run than the one before is a restarted sidecar, even where its seq numbers go on
    /// (the first messages of the new run lost to the subscription's reconnect): a restart, never loss. Called under
    /// `mutex`, before the event's seq is tracked.
    void trackRun(const std::string& eventRun) {
        if (eventRun.empty()) return;  // a sidecar that sends no run id: seq alone tells
        if (!streamRun.empty() && eventRun != streamRun) {
            ++stats.restarts;
            stats.lastError = "sidecar restarted (run " + eventRun + " after " + streamRun + ")";
            restartLocked();
        }
        streamRun = eventRun;
    }

    /// A new sidecar: its timeline has nothing to do with what is buffered. Called under `mutex`.
    void restartLocked() {
        lastSeq.clear();
        streamRun.clear();  // the new run's first event names it, without counting the restart twice
        interruptedTakes.clear();
        face.clear();
        pose.clear();
        // The skeleton stays until the new sidecar sends its own (describe asks at once): frames keep a rig.
        {
            std::lock_guard<std::mutex> audioLock(audioMutex);
            audio.clear();
        }
        clock.reset();
        nextPing = 0.0;
        describeWanted = true;
    }

    bool forThisAvatar(const std::string& avatar) {
        if (avatar == config.avatar) return true;
        ++stats.otherAvatar;
        return false;
    }

    /// Apply one message to the buffers and queues. Called under `mutex`. False when it was dropped.
    bool deliver(StreamMessage& message) {
        if (auto* m = std::get_if<FaceFrame>(&message)) {
            if (!forThisAvatar(m->avatar)) return false;
            trackSeq("face", m->seq);
            ++stats.face;
            face.push(*m);
        } else if (auto* f = std::get_if<PoseFrame>(&message)) {
            if (!forThisAvatar(f->avatar)) return false;
            trackSeq("pose", f->seq);
            ++stats.pose;
            pose.push(*f);
        } else if (auto* k = std::get_if<Skeleton>(&message)) {
            if (!forThisAvatar(k->avatar)) return false;
            ++stats.skeletons;
            keepSkeleton(*k);
        } else if (auto* a = std::get_if<AudioChunk>(&message)) {
            if (!forThisAvatar(a->avatar)) return false;
            trackSeq("audio", a->seq);
            if (std::find(interruptedTakes.begin(), interruptedTakes.end(), a->take) != interruptedTakes.end()) {
                ++stats.staleAudio;
                return false;
            }
            ++stats.audio;
            std::lock_guard<std::mutex> audioLock(audioMutex);
            audio.write(a->pcm.data(), a->pcm.size(), a->pts, a->rate);
        } else if (auto* e = std::get_if<Event>(&message)) {
            if (!forThisAvatar(e->avatar)) return false;
            trackRun(e->run);
            trackSeq("event", e->seq);
            ++stats.events;
            if (e->type == "interrupted") applyCut(*e);
            pushBounded(events, *e, config.queueCapacity, stats.queueOverflow);
        } else if (auto* p = std::get_if<Phonemes>(&message)) {
            if (!forThisAvatar(p->avatar)) return false;
            ++stats.phonemes;
            pushBounded(phonemes, *p, config.queueCapacity, stats.queueOverflow);
        } else if (auto* w = std::get_if<Words>(&message)) {
            if (!forThisAvatar(w->avatar)) return false;
            ++stats.words;
            pushBounded(words, *w, config.queueCapacity, stats.queueOverflow);
        }
        return true;
    }

    /// Hold `k` as the skeleton unless it is the one already held. Called under `mutex`.
    void keepSkeleton(const Skeleton& k) {
        if (skeleton && skeleton->sameShape(k)) return;
        skeleton = std::make_shared<const Skeleton>(k);
        ++stats.skeletonChanges;
    }

    /// An interrupt: what was buffered for after the cut will not be heard. Frames that arrive after the event
    /// are the face relaxing, and stay. Called under `mutex`.
    void applyCut(const Event& e) {
        face.dropAfter(e.pts);
        pose.dropAfter(e.pts);
        {
            std::lock_guard<std::mutex> audioLock(audioMutex);
            audio.dropAfter(e.pts);
        }
        if (e.hasTake) {
            interruptedTakes.push_back(e.take);
            if (interruptedTakes.size() > kInterruptedTakesKept) interruptedTakes.pop_front();
        }
    }

    // -- control --------------------------------------------------------------------------------------------

    bool send(zmq::socket_t& dealer, Request request, Purpose purpose, std::promise<Reply>* promise, double now,
              double timeout) {
        const int64_t id = nextId++;
        request.hasId = true;
        request.id = id;
        request.idText.reset();
        const std::vector<uint8_t> bytes = encodeRequest(request);
        zmq::send_result_t sent;
        try {
            sent = dealer.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
        } catch (const zmq::error_t&) {
            sent = {};
        }
        if (!sent) return false;  // no live connection yet (ZMQ_IMMEDIATE): try again on the next turn
        Pending p{purpose, {}, now, now + timeout, request.op};
        if (promise) p.promise = std::move(*promise);
        pending.emplace(id, std::move(p));
        std::lock_guard<std::mutex> lock(mutex);
        ++stats.requestsSent;
        return true;
    }

    void sendRequests(zmq::socket_t& dealer, double now) {
        std::deque<Outgoing> batch;
        {
            std::lock_guard<std::mutex> lock(outboxMutex);
            batch.swap(outbox);
        }
        std::deque<Outgoing> unsent;
        for (auto& out : batch) {
            if (!send(dealer, out.request, Purpose::User, &out.promise, now, out.deadline - now)) {
                unsent.push_back(std::move(out));
            }
        }
        if (!unsent.empty()) {
            std::lock_guard<std::mutex> lock(outboxMutex);
            for (auto& out : unsent) outbox.push_front(std::move(out));
        }
        if (state != ConnectionState::Connected) return;
        if (describeWanted && send(dealer, Request::describe(), Purpose::Describe, nullptr, now, config.requestTimeout)) {
            describeWanted = false;
        }
        if (!pingInFlight && now >= nextPing) {
            pingInFlight = send(dealer, Request::ping(now), Purpose::Ping, nullptr, now, kPingTimeout);
            if (!pingInFlight) nextPing = now + 0.05;
        }
    }

    void drainReplies(zmq::socket_t& dealer) {
        for (std::size_t n = 0; n < kMaxDrain; ++n) {
            zmq::message_t frame;
            if (!dealer.recv(frame, zmq::recv_flags::dontwait)) return;
            const double tReceive = localNow();
            while (dealer.get(zmq::sockopt::rcvmore)) {  // a reply is one frame; drop anything extra
                zmq::message_t extra;
                if (!dealer.recv(extra, zmq::recv_flags::dontwait)) break;
            }
            Reply reply = decodeReply(frame.data<uint8_t>(), frame.size());
            if (reply.id.type != Value::Type::Int) continue;  // not ours (or unreadable): nothing waits for it
            auto it = pending.find(reply.id.integer);
            if (it == pending.end()) continue;  // answered after it timed out
            Pending p = std::move(it->second);
            pending.erase(it);
            onReply(p, std::move(reply), tReceive);
        }
    }

    void onReply(Pending& p, Reply reply, double tReceive) {
        switch (p.purpose) {
            case Purpose::Ping: {
                pingInFlight = false;
                const double tServer = reply.number("t_server", -1.0);
                std::lock_guard<std::mutex> lock(mutex);
                if (reply.ok && tServer >= 0.0) clock.addSample(p.tSend, tServer, tReceive);
                const bool burst = clock.sampleCount() < config.pingBurst;
                nextPing = tReceive + (burst ? 0.0 : config.pingInterval);
                return;
            }
            case Purpose::Describe: {
                std::lock_guard<std::mutex> lock(mutex);
                if (!reply.ok) {
                    stats.lastError = "describe failed: " + reply.errorMessage;
                    return;
                }
                readInfo(reply);
                return;
            }
            case Purpose::User:
                if (!reply.ok) {
                    std::lock_guard<std::mutex> lock(mutex);
                    ++stats.requestsFailed;
                }
                p.promise.set_value(std::move(reply));
                return;
        }
    }

    /// Called under `mutex`.
    void readInfo(const Reply& reply) {
        SidecarInfo i;
        i.valid = true;
        i.protocolVersion = static_cast<int>(reply.number("protocol_version"));
        auto strings = [&](const char* key) {
            std::vector<std::string> out;
            if (const Value* v = reply.body.find(key)) {
                for (const Value& item : v->array) {
                    if (item.type == Value::Type::String) out.push_back(item.string);
                }
            }
            return out;
        };
        i.avatars = strings("avatars");
        i.blendshapes = strings("blendshapes");
        if (const Value* a = reply.body.find("audio")) {
            if (const Value* rate = a->find("rate")) i.audioRate = static_cast<int>(rate->asDouble());
        }
        i.frameRate = reply.number("frame_rate");
        i.lookahead = reply.number("lookahead");
        i.voice = reply.text("voice");
        if (const Value* k = reply.body.find("skeleton")) {
            Skeleton described;
            described.avatar = config.avatar;
            std::string error;
            i.hasSkeleton = decodeSkeleton(*k, "describe.skeleton", described, &error);
            if (i.hasSkeleton) {
                keepSkeleton(described);
            } else {
                stats.lastError = error;  // the stream sends one every second anyway
            }
        }
        info = i;
        stats.protocolVersion = i.protocolVersion;
        if (i.protocolVersion != kProtocolVersion) {
            stats.lastError = "the sidecar speaks protocol " + std::to_string(i.protocolVersion) + "; this client " +
                              std::to_string(kProtocolVersion) + ": its messages are skipped";
        } else if (!std::equal(i.blendshapes.begin(), i.blendshapes.end(), kArkitBlendshapes.begin(),
                               kArkitBlendshapes.end())) {
            stats.lastError = "the sidecar's blendshape list differs from ARKit order";
        }
    }

    void expirePending(double now) {
        for (auto it = pending.begin(); it != pending.end();) {
            if (now < it->second.deadline) {
                ++it;
                continue;
            }
            if (it->second.purpose == Purpose::Ping) {
                pingInFlight = false;
                nextPing = now;
            } else if (it->second.purpose == Purpose::Describe) {
                describeWanted = true;
            } else {
                it->second.promise.set_value(
                    localFailure("timeout", "no reply to '" + it->second.op + "' within the request timeout"));
                std::lock_guard<std::mutex> lock(mutex);
                ++stats.requestsFailed;
            }
            it = pending.erase(it);
        }
        std::deque<Outgoing> expired;
        {
            std::lock_guard<std::mutex> lock(outboxMutex);
            for (auto it = outbox.begin(); it != outbox.end();) {
                if (now >= it->deadline) {
                    expired.push_back(std::move(*it));
                    it = outbox.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& out : expired) {
            out.promise.set_value(localFailure("not_connected", "could not reach the sidecar at " + config.control));
            std::lock_guard<std::mutex> lock(mutex);
            ++stats.requestsFailed;
        }
    }

    void failPending(const char* code, const std::string& message) {
        for (auto& entry : pending) {
            if (entry.second.purpose == Purpose::User) entry.second.promise.set_value(localFailure(code, message));
        }
        pending.clear();
        pingInFlight = false;
        describeWanted = true;
    }

    void failOutbox(const char* code, const std::string& message) {
        std::lock_guard<std::mutex> lock(outboxMutex);
        for (auto& out : outbox) out.promise.set_value(localFailure(code, message));
        outbox.clear();
    }
};

Client::Client(ClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Client::~Client() { stop(); }

void Client::start() {
    if (impl_->running.exchange(true)) return;
    impl_->state = ConnectionState::Connecting;
    impl_->worker = std::thread([this] { impl_->run(); });
}

void Client::stop() {
    impl_->running = false;
    if (impl_->worker.joinable()) impl_->worker.join();
    impl_->failOutbox("stopped", "the client was stopped");
}

struct PendingReply::State {
    std::future<Reply> future;
};

bool PendingReply::valid() const { return state_ && state_->future.valid(); }

bool PendingReply::ready() const { return waitFor(0.0); }

bool PendingReply::waitFor(double seconds) const {
    return valid() && state_->future.wait_for(std::chrono::duration<double>(seconds)) == std::future_status::ready;
}

Reply PendingReply::get() {
    if (!valid()) return localFailure("invalid", "this reply was already taken, or never asked for");
    return state_->future.get();
}

PendingReply Client::request(Request request) {
    Impl::Outgoing out{std::move(request), {}, localNow() + impl_->config.requestTimeout};
    PendingReply reply(std::make_shared<PendingReply::State>(PendingReply::State{out.promise.get_future()}));
    if (!impl_->running) {
        out.promise.set_value(localFailure("stopped", "the client is not started"));
        return reply;
    }
    std::lock_guard<std::mutex> lock(impl_->outboxMutex);
    impl_->outbox.push_back(std::move(out));
    return reply;
}

PendingReply Client::say(const std::string& text, const std::string& emotion) {
    return request(Request::say(text, impl_->config.avatar, emotion));
}

PendingReply Client::interrupt() { return request(Request::interrupt(impl_->config.avatar)); }

double Client::sidecarTime(double localTime) const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->clock.toSidecar(localTime);
}

bool Client::sampleFace(double localTime, FaceFrame& out) {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    const double t = impl_->clock.toSidecar(localTime) - impl_->config.jitterDelay;
    return impl_->face.sample(t, out);
}

bool Client::samplePose(double localTime, PoseFrame& out) {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    const double t = impl_->clock.toSidecar(localTime) - impl_->config.jitterDelay;
    return impl_->pose.sample(t, out);
}

std::shared_ptr<const Skeleton> Client::skeleton() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->skeleton;
}

std::size_t Client::readAudio(int16_t* out, std::size_t n, double localTime) {
    double t;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        t = impl_->clock.toSidecar(localTime) - impl_->config.jitterDelay;
    }
    std::lock_guard<std::mutex> lock(impl_->audioMutex);
    return impl_->audio.read(out, n, t);
}

int Client::audioRate() const {
    std::lock_guard<std::mutex> lock(impl_->audioMutex);
    return impl_->audio.rate();
}

std::vector<Event> Client::pollEvents() {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    std::vector<Event> out(impl_->events.begin(), impl_->events.end());
    impl_->events.clear();
    return out;
}

std::vector<Phonemes> Client::pollPhonemes() {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    std::vector<Phonemes> out(impl_->phonemes.begin(), impl_->phonemes.end());
    impl_->phonemes.clear();
    return out;
}

std::vector<Words> Client::pollWords() {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    std::vector<Words> out(impl_->words.begin(), impl_->words.end());
    impl_->words.clear();
    return out;
}

ConnectionState Client::state() const { return impl_->state; }

ClientStats Client::stats() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    ClientStats s = impl_->stats;
    s.state = impl_->state;
    s.faceBuffer = impl_->face.stats();
    s.faceBuffered = impl_->face.size();
    s.faceNewestPts = impl_->face.newestPts();
    s.poseBuffer = impl_->pose.stats();
    s.poseBuffered = impl_->pose.size();
    s.poseNewestPts = impl_->pose.newestPts();
    s.skeletonJoints = impl_->skeleton ? impl_->skeleton->size() : 0;
    const double now = localNow();
    s.clockOffset = impl_->clock.offset(now);
    s.clockRtt = impl_->clock.rtt();
    s.clockSkew = impl_->clock.skew();
    s.clockSamples = impl_->clock.sampleCount();
    std::lock_guard<std::mutex> audioLock(impl_->audioMutex);
    s.audioRing = impl_->audio.stats();
    s.audioBuffered = impl_->audio.buffered();
    s.audioEndPts = impl_->audio.endPts();
    return s;
}

SidecarInfo Client::info() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->info;
}

void Client::setObserver(std::function<void(const StreamMessage&, double)> observer) {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->observer = std::move(observer);
}

}  // namespace avatarbridge

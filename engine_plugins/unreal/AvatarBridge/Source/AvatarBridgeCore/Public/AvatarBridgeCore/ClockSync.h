// Maps this process's clock to the sidecar's (NTP-style ping, minimum-round-trip filter, skew tracking).
#pragma once

#include <cstddef>
#include <deque>

namespace avatarbridge {

/// One ping exchange: sent at local tSend, the sidecar answered tServer, received at local tReceive.
struct ClockSample {
    double tSend = 0.0;
    double tServer = 0.0;
    double tReceive = 0.0;
    double rtt() const { return tReceive - tSend; }
    /// sidecar - local, assuming the request and the reply took equally long.
    double offset() const { return tServer - 0.5 * (tSend + tReceive); }
    double midpoint() const { return 0.5 * (tSend + tReceive); }
};

/// sidecar_time = local_time + offset(local_time).
///
/// The offset comes from the sample with the smallest round trip among the latest `window` (queueing delay only
/// ever adds to a round trip, so the fastest exchange is the most symmetric one). Two clocks that tick at
/// slightly different rates drift apart; the drift (skew) is fitted over the near-fastest samples of a longer
/// history, so the offset of an older best sample is carried forward to now instead of going stale.
class ClockSync {
public:
    /// `window`: samples the best is chosen from (at one ping a second, 16 s). `history`: samples the skew is
    /// fitted over (64 s). `maxSkew`: the largest drift believed (1e-3 = 1 ms per second).
    explicit ClockSync(std::size_t window = 16, std::size_t history = 64, double maxSkew = 1e-3);

    /// Add an exchange. Returns false (and ignores it) when it is impossible: negative round trip, not finite.
    bool addSample(double tSend, double tServer, double tReceive);
    /// True once a sample has been taken.
    bool synced() const { return !samples_.empty(); }
    /// The offset to add to a local time to get the sidecar's time at that moment (0 before any sample).
    double offset(double localTime) const;
    double toSidecar(double localTime) const { return localTime + offset(localTime); }
    /// Round trip of the best sample (seconds); 0 before any sample.
    double rtt() const;
    /// Fitted drift in seconds per second (sidecar clock rate minus local clock rate).
    double skew() const { return skew_; }
    std::size_t sampleCount() const { return samples_.size(); }
    void reset();

private:
    void refit();
    std::size_t window_;
    std::size_t history_;
    double maxSkew_;
    std::deque<ClockSample> samples_;
    ClockSample best_;
    double skew_ = 0.0;
};

}  // namespace avatarbridge

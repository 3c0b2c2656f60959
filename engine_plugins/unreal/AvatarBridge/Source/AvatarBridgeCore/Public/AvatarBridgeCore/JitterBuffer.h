// A jitter buffer keyed by pts (face and pose frames alike): frames arrive early (the sidecar sends them `lookahead` ahead) and a little
// out of step; the engine samples the pose at "now" on the sidecar's clock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>

#include "AvatarBridgeCore/Messages.h"

namespace avatarbridge {

/// The face between two frames: weights and rotations blended linearly (alpha 0 = a, 1 = b), pts and seq of a.
FaceFrame interpolate(const FaceFrame& a, const FaceFrame& b, double alpha);
/// The body between two frames: the root blended linearly, each joint by a normalized lerp on the short arc (pts
/// and seq of a). Frames of different skeletons (joint counts) do not blend: the nearer one is given.
PoseFrame interpolate(const PoseFrame& a, const PoseFrame& b, double alpha);

struct JitterStats {
    uint64_t pushed = 0;  // frames accepted
    uint64_t late = 0;  // arrived after a newer frame had already been shown: dropped
    uint64_t duplicates = 0;  // a frame with the same pts was already buffered: dropped
    uint64_t overflow = 0;  // the oldest frames dropped because the buffer was full
    uint64_t flushed = 0;  // dropped by an interrupt (pts after the cut)
    uint64_t underruns = 0;  // samples taken past the newest frame by more than the hold tolerance
};

/// Frames ordered by pts. `Frame` needs a `double pts` and an `interpolate(a, b, alpha)` found by lookup.
/// Not thread-safe: the owner locks (the client holds it under its mutex).
template <typename Frame>
class JitterBuffer {
public:
    /// `capacity`: frames kept (600 = 10 s at 60 fps). `holdTolerance`: how far past the newest frame a sample
    /// may fall before it counts as an underrun (the pose is held either way).
    explicit JitterBuffer(std::size_t capacity = 600, double holdTolerance = 0.05)
        : capacity_(std::max<std::size_t>(capacity, 2)), holdTolerance_(holdTolerance) {}

    /// Insert a frame in pts order. Returns false when it was dropped (late or duplicate).
    bool push(Frame frame) {
        if (frame.pts < shownPts_) {
            ++stats_.late;
            return false;
        }
        auto at = std::lower_bound(frames_.begin(), frames_.end(), frame.pts,
                                   [](const Frame& f, double pts) { return f.pts < pts; });
        if (at != frames_.end() && at->pts == frame.pts) {
            ++stats_.duplicates;
            return false;
        }
        frames_.insert(at, std::move(frame));
        ++stats_.pushed;
        while (frames_.size() > capacity_) {
            frames_.pop_front();
            ++stats_.overflow;
        }
        return true;
    }

    /// The pose at sidecar time t, interpolated between the frames around t; before the first frame the first
    /// is given, past the newest the newest is held. Frames older than the one before t are released.
    /// Returns false when the buffer is empty.
    bool sample(double t, Frame& out) {
        if (frames_.empty()) return false;
        auto after = std::upper_bound(frames_.begin(), frames_.end(), t,
                                      [](double pts, const Frame& f) { return pts < f.pts; });
        if (after == frames_.begin()) {
            out = frames_.front();
            return true;
        }
        frames_.erase(frames_.begin(), after - 1);  // keep the frame at or before t
        const Frame& a = frames_.front();
        shownPts_ = a.pts;
        if (frames_.size() == 1) {
            if (t - a.pts > holdTolerance_) ++stats_.underruns;
            out = a;
            return true;
        }
        const Frame& b = frames_[1];
        out = interpolate(a, b, (t - a.pts) / (b.pts - a.pts));
        return true;
    }

    /// Drop every frame with pts after the cut (an interrupt). Returns how many were dropped.
    std::size_t dropAfter(double cutPts) {
        auto from = std::upper_bound(frames_.begin(), frames_.end(), cutPts,
                                     [](double pts, const Frame& f) { return pts < f.pts; });
        const auto n = static_cast<std::size_t>(frames_.end() - from);
        frames_.erase(from, frames_.end());
        stats_.flushed += n;
        return n;
    }

    /// Forget everything (a sidecar restart): the next frames start a new timeline.
    void clear() {
        frames_.clear();
        shownPts_ = -std::numeric_limits<double>::infinity();
    }

    std::size_t size() const { return frames_.size(); }
    bool empty() const { return frames_.empty(); }
    double oldestPts() const { return frames_.empty() ? 0.0 : frames_.front().pts; }
    double newestPts() const { return frames_.empty() ? 0.0 : frames_.back().pts; }
    const JitterStats& stats() const { return stats_; }

private:
    std::size_t capacity_;
    double holdTolerance_;
    std::deque<Frame> frames_;
    double shownPts_ = -std::numeric_limits<double>::infinity();
    JitterStats stats_;
};

}  // namespace avatarbridge

#include "AvatarBridgeCore/ClockSync.h"

#include <algorithm>
#include <cmath>

namespace avatarbridge {

namespace {
// Skew is fitted only once the samples span this long: over a shorter span, a 1 ms asymmetry reads as a
// large drift.
constexpr double kMinSkewSpan = 4.0;
}  // namespace

ClockSync::ClockSync(std::size_t window, std::size_t history, double maxSkew)
    : window_(std::max<std::size_t>(window, 1)), history_(std::max(history, window_)), maxSkew_(maxSkew) {}

bool ClockSync::addSample(double tSend, double tServer, double tReceive) {
    const ClockSample s{tSend, tServer, tReceive};
    if (!std::isfinite(tSend) || !std::isfinite(tServer) || !std::isfinite(tReceive) || s.rtt() < 0.0) return false;
    samples_.push_back(s);
    while (samples_.size() > history_) samples_.pop_front();
    refit();
    return true;
}

void ClockSync::refit() {
    const auto faster = [](const ClockSample& a, const ClockSample& b) { return a.rtt() < b.rtt(); };
    const auto recent = samples_.end() - static_cast<std::ptrdiff_t>(std::min(window_, samples_.size()));
    best_ = *std::min_element(recent, samples_.end(), faster);
    // Fit the drift through the samples that were nearly as fast as the fastest: their offsets carry little
    // queueing noise, while a slow sample's offset can be off by half its round trip.
    const double fastest = std::min_element(samples_.begin(), samples_.end(), faster)->rtt();
    const double limit = fastest + std::max(fastest, 0.0005);
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, first = 0, last = 0;
    for (const ClockSample& s : samples_) {
        if (s.rtt() > limit) continue;
        const double x = s.midpoint() - best_.midpoint();  // centred, so the sums stay well conditioned
        const double y = s.offset() - best_.offset();
        if (n == 0) first = s.midpoint();
        last = s.midpoint();
        n += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    const double denominator = n * sxx - sx * sx;
    if (n >= 3 && last - first >= kMinSkewSpan && denominator > 0.0) {
        skew_ = std::clamp((n * sxy - sx * sy) / denominator, -maxSkew_, maxSkew_);
    } else {
        skew_ = 0.0;
    }
}

double ClockSync::offset(double localTime) const {
    if (samples_.empty()) return 0.0;
    return best_.offset() + skew_ * (localTime - best_.midpoint());
}

double ClockSync::rtt() const { return samples_.empty() ? 0.0 : best_.rtt(); }

void ClockSync::reset() {
    samples_.clear();
    best_ = ClockSample{};
    skew_ = 0.0;
}

}  // namespace avatarbridge

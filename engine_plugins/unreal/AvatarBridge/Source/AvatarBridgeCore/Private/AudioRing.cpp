#include "AvatarBridgeCore/AudioRing.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace avatarbridge {

AudioRing::AudioRing(std::size_t capacity, double driftTolerance)
    : ring_(std::max<std::size_t>(capacity, 1024)), driftTolerance_(driftTolerance) {}

double AudioRing::startPts() const { return count_ ? timeOf(startIndex_) : 0.0; }

double AudioRing::endPts() const { return count_ ? timeOf(startIndex_ + static_cast<int64_t>(count_)) : 0.0; }

void AudioRing::push(const int16_t* pcm, std::size_t n) {
    if (n > ring_.size()) {  // more than the ring holds: keep the newest part
        const std::size_t skip = n - ring_.size();
        stats_.overflow += skip;
        if (pcm) pcm += skip;
        n = ring_.size();
        pop(count_, nullptr);
        startIndex_ += static_cast<int64_t>(skip);
    }
    if (count_ + n > ring_.size()) {
        const std::size_t drop = count_ + n - ring_.size();
        stats_.overflow += drop;
        pop(drop, nullptr);
    }
    std::size_t tail = (head_ + count_) % ring_.size();
    std::size_t done = 0;
    while (done < n) {
        const std::size_t run = std::min(n - done, ring_.size() - tail);
        if (pcm) {
            std::memcpy(&ring_[tail], pcm + done, run * sizeof(int16_t));
        } else {
            std::fill_n(&ring_[tail], run, int16_t(0));
        }
        done += run;
        tail = (tail + run) % ring_.size();
    }
    count_ += n;
}

void AudioRing::pop(std::size_t n, int16_t* out) {
    n = std::min(n, count_);
    std::size_t done = 0;
    while (done < n) {
        const std::size_t run = std::min(n - done, ring_.size() - head_);
        if (out) std::memcpy(out + done, &ring_[head_], run * sizeof(int16_t));
        done += run;
        head_ = (head_ + run) % ring_.size();
    }
    count_ -= n;
    startIndex_ += static_cast<int64_t>(n);
}

void AudioRing::write(const int16_t* pcm, std::size_t n, double pts, int rate) {
    if (pcm == nullptr || n == 0 || rate <= 0 || !std::isfinite(pts)) return;
    if (rate != rate_) {
        stats_.flushed += count_;
        pop(count_, nullptr);
        rate_ = rate;
        hasPlayhead_ = false;  // the old read position was counted in the old rate
    }
    int64_t index;
    if (count_ == 0) {
        // A fresh timeline starts at this chunk; whatever of it the reader has already passed is too late.
        basePts_ = pts;
        startIndex_ = 0;
        index = 0;
        if (hasPlayhead_ && pts < playhead_) {
            const auto skip = std::min<std::size_t>(n, static_cast<std::size_t>(std::llround((playhead_ - pts) * rate_)));
            stats_.late += skip;
            pcm += skip;
            n -= skip;
            startIndex_ = static_cast<int64_t>(skip);
        }
    } else {
        index = std::llround((pts - basePts_) * rate_);
        const int64_t expected = startIndex_ + static_cast<int64_t>(count_);
        const int64_t gap = index - expected;
        if (gap > static_cast<int64_t>(ring_.size() / 2)) {
            // Far beyond what is buffered: a new timeline (the old audio still plays out first would need a
            // ring this large; a gap that long means the rest is stale).
            stats_.flushed += count_;
            pop(count_, nullptr);
            basePts_ = pts;
            startIndex_ = 0;
        } else if (gap > 0) {
            stats_.gapFilled += static_cast<uint64_t>(gap);
            push(nullptr, static_cast<std::size_t>(gap));
        } else if (gap < 0) {
            const auto skip = std::min<std::size_t>(n, static_cast<std::size_t>(-gap));
            stats_.overlap += skip;
            pcm += skip;
            n -= skip;
        }
    }
    stats_.written += n;
    push(pcm, n);
}

std::size_t AudioRing::read(int16_t* out, std::size_t n, double t) {
    if (out == nullptr || n == 0) return 0;
    if (rate_ <= 0) {
        std::fill_n(out, n, int16_t(0));
        return 0;
    }
    if (hasPlayhead_) {
        if (std::fabs(t - playhead_) <= driftTolerance_) {
            t = playhead_;  // continuous with the previous read: no click from clock jitter
        } else {
            ++stats_.resyncs;
        }
    }
    hasPlayhead_ = true;
    playhead_ = t + static_cast<double>(n) / rate_;
    std::size_t pos = 0;
    std::size_t real = 0;
    if (count_ > 0) {
        const int64_t lead = std::llround((startPts() - t) * rate_);
        if (lead > 0) {
            pos = std::min<std::size_t>(n, static_cast<std::size_t>(lead));
            std::fill_n(out, pos, int16_t(0));
        } else if (lead < 0) {
            const auto skip = std::min<std::size_t>(count_, static_cast<std::size_t>(-lead));
            stats_.late += skip;
            pop(skip, nullptr);
        }
        real = std::min(count_, n - pos);
        pop(real, out + pos);
        pos += real;
        stats_.played += real;
    }
    std::fill_n(out + pos, n - pos, int16_t(0));
    return real;
}

std::size_t AudioRing::dropAfter(double cutPts) {
    if (count_ == 0) return 0;
    const int64_t cutIndex = static_cast<int64_t>(std::ceil((cutPts - basePts_) * rate_ - 1e-9));
    const int64_t keep = std::clamp<int64_t>(cutIndex - startIndex_, 0, static_cast<int64_t>(count_));
    const std::size_t dropped = count_ - static_cast<std::size_t>(keep);
    count_ = static_cast<std::size_t>(keep);
    stats_.flushed += dropped;
    return dropped;
}

void AudioRing::clear() {
    stats_.flushed += count_;
    pop(count_, nullptr);
    hasPlayhead_ = false;
}

}  // namespace avatarbridge

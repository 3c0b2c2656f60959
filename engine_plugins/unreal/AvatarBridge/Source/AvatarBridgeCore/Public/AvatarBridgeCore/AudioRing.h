// A ring of s16 mono samples placed on the sidecar's timeline: chunks are written at their pts, the audio
// device reads "the samples for time t". Gaps become silence, late samples are dropped, so the voice stays on
// the clock the face frames follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace avatarbridge {

struct AudioStats {
    uint64_t written = 0;  // samples accepted
    uint64_t played = 0;  // samples of real audio handed to the device
    uint64_t gapFilled = 0;  // silence inserted where a chunk started after the previous one ended
    uint64_t late = 0;  // samples dropped because their time had already been played
    uint64_t overlap = 0;  // samples dropped because the ring already held audio for their time
    uint64_t overflow = 0;  // oldest samples dropped because the ring was full
    uint64_t flushed = 0;  // samples dropped by an interrupt (after the cut) or a restart
    uint64_t resyncs = 0;  // reads whose time jumped by more than the drift tolerance
};

/// Not thread-safe: the owner locks (the client guards it with its own mutex, shared with the audio thread).
class AudioRing {
public:
    /// `capacity`: samples held at most (2^20 = 47 s at 22050 Hz). `driftTolerance`: how far (seconds) the
    /// time a reader asks for may wander from where the previous read ended and still be read as continuous;
    /// beyond it the read jumps to the asked time (a clock step, a device that ran fast or slow). 40 ms
    /// absorbs an audio callback that runs a buffer late, and stays under the ~45 ms at which people notice
    /// sound leading the picture (ITU-R BT.1359).
    explicit AudioRing(std::size_t capacity = std::size_t(1) << 20, double driftTolerance = 0.04);

    /// Place `n` samples at sidecar time `pts` (of the first) and sample `rate`. A rate change starts anew.
    void write(const int16_t* pcm, std::size_t n, double pts, int rate);

    /// Fill `out` with the `n` samples that play from sidecar time `t`: silence where nothing is due, audio
    /// where it is. Returns how many samples of real audio were written.
    std::size_t read(int16_t* out, std::size_t n, double t);

    /// Drop every sample with a time after the cut (an interrupt). Returns how many were dropped.
    std::size_t dropAfter(double cutPts);
    /// Drop everything and forget the read position (a sidecar restart).
    void clear();

    /// The sample rate of the buffered audio (0 before the first write): open the device at this rate.
    int rate() const { return rate_; }
    std::size_t buffered() const { return count_; }
    double bufferedSeconds() const { return rate_ > 0 ? static_cast<double>(count_) / rate_ : 0.0; }
    /// Time of the first buffered sample, and just after the last (both 0 when empty).
    double startPts() const;
    double endPts() const;
    const AudioStats& stats() const { return stats_; }

private:
    void push(const int16_t* pcm, std::size_t n);  // nullptr pushes silence
    void pop(std::size_t n, int16_t* out);  // nullptr discards
    double timeOf(int64_t index) const { return basePts_ + static_cast<double>(index) / rate_; }

    std::vector<int16_t> ring_;
    std::size_t head_ = 0;  // index in ring_ of the first buffered sample
    std::size_t count_ = 0;
    int rate_ = 0;
    double basePts_ = 0.0;  // the timeline: sample k (counted from the base) plays at basePts_ + k / rate_
    int64_t startIndex_ = 0;  // timeline index of the first buffered sample
    bool hasPlayhead_ = false;
    double playhead_ = 0.0;  // where the previous read ended
    double driftTolerance_;
    AudioStats stats_;
};

}  // namespace avatarbridge

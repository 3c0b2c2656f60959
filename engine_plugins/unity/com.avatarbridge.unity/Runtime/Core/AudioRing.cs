// A ring of s16 mono samples placed on the sidecar's timeline: chunks are written at their pts, the audio device
// reads "the samples for time t" at its own rate (linear resampling), for any number of channels. Gaps become
// silence and late samples are dropped, so the voice stays on the clock the face follows. Mirrors the C++ core's
// AudioRing, plus resampling (Unity mixes at AudioSettings.outputSampleRate, the voice is usually 22050 Hz).
using System;

namespace AvatarBridge.Core
{
    public sealed class AudioStats
    {
        public long Written;  // samples accepted
        public long Played;  // samples consumed by reads
        public long GapFilled;  // silence inserted where a chunk started after the previous one ended
        public long Late;  // dropped: their time had already been played
        public long Overlap;  // dropped: the ring already held audio for their time
        public long Overflow;  // oldest dropped because the ring was full
        public long Flushed;  // dropped by an interrupt (after the cut) or a restart
        public long Resyncs;  // reads whose time jumped by more than the drift tolerance

        public AudioStats Copy() { return (AudioStats)MemberwiseClone(); }
    }

    /// <summary>Not thread-safe: the owner locks (BridgeSession shares it with the audio thread under a lock).</summary>
    public sealed class AudioRing
    {
        private readonly short[] ring;
        private readonly double driftTolerance;
        private int head;  // index in ring of the first buffered sample
        private int count;
        private double basePts;  // timeline: sample k (counted from the base) plays at basePts + k / Rate
        private long startIndex;  // timeline index of the first buffered sample
        private bool hasPlayhead;
        private double playhead;  // where the previous read ended

        /// <param name="capacity">Samples held at most (2^20 = 47 s at 22050 Hz).</param>
        /// <param name="driftTolerance">How far (seconds) a read's time may wander from where the previous read
        /// ended and still be read as continuous; 40 ms absorbs a late audio callback and stays under the ~45 ms
        /// at which people notice sound leading the picture.</param>
        public AudioRing(int capacity = 1 << 20, double driftTolerance = 0.04)
        {
            ring = new short[Math.Max(capacity, 1024)];
            this.driftTolerance = driftTolerance;
            Stats = new AudioStats();
        }

        public AudioStats Stats { get; private set; }
        /// <summary>The rate of the buffered audio (0 before the first write).</summary>
        public int Rate { get; private set; }
        public int Buffered { get { return count; } }
        public double StartPts { get { return count > 0 ? TimeOf(startIndex) : 0.0; } }
        public double EndPts { get { return count > 0 ? TimeOf(startIndex + count) : 0.0; } }

        private double TimeOf(long index) { return basePts + (double)index / Rate; }

        private short At(long index) { return ring[(head + (int)(index - startIndex)) % ring.Length]; }

        private void Push(short[] pcm, int from, int n)  // pcm null pushes silence
        {
            if (n > ring.Length)
            {
                int skip = n - ring.Length;
                Stats.Overflow += skip;
                from += skip;
                n = ring.Length;
                Pop(count);
                startIndex += skip;
            }
            if (count + n > ring.Length)
            {
                int drop = count + n - ring.Length;
                Stats.Overflow += drop;
                Pop(drop);
            }
            int tail = (head + count) % ring.Length;
            for (int i = 0; i < n; i++)
            {
                ring[tail] = pcm != null ? pcm[from + i] : (short)0;
                tail = tail + 1 == ring.Length ? 0 : tail + 1;
            }
            count += n;
        }

        private void Pop(long n)
        {
            int k = (int)Math.Min(n, count);
            head = (head + k) % ring.Length;
            count -= k;
            startIndex += k;
        }

        /// <summary>Place samples at sidecar time pts (of the first). A rate change starts anew.</summary>
        public void Write(short[] pcm, double pts, int rate)
        {
            if (pcm == null || pcm.Length == 0 || rate <= 0 || double.IsNaN(pts) || double.IsInfinity(pts)) return;
            int from = 0, n = pcm.Length;
            if (rate != Rate)
            {
                Stats.Flushed += count;
                Pop(count);
                Rate = rate;
                hasPlayhead = false;
            }
            if (count == 0)
            {
                // A fresh timeline starts at this chunk; what the reader has already passed is too late.
                basePts = pts;
                startIndex = 0;
                if (hasPlayhead && pts < playhead)
                {
                    int skip = (int)Math.Min(n, Math.Round((playhead - pts) * Rate));
                    Stats.Late += skip;
                    from += skip;
                    n -= skip;
                    startIndex = skip;
                }
            }
            else
            {
                long index = (long)Math.Round((pts - basePts) * Rate);
                long gap = index - (startIndex + count);
                if (gap > ring.Length / 2)
                {
                    // Far beyond what is buffered: the rest is stale, start a new timeline.
                    Stats.Flushed += count;
                    Pop(count);
                    basePts = pts;
                    startIndex = 0;
                }
                else if (gap > 0)
                {
                    Stats.GapFilled += gap;
                    Push(null, 0, (int)gap);
                }
                else if (gap < 0)
                {
                    int skip = (int)Math.Min(n, -gap);
                    Stats.Overlap += skip;
                    from += skip;
                    n -= skip;
                }
            }
            Stats.Written += n;
            Push(pcm, from, n);
        }

        /// <summary>
        /// Fill `frames` frames of `channels` interleaved floats at dst[offset..] with the audio that plays from
        /// sidecar time t at outputRate (linear resampling; every channel gets the mono voice). Silence where
        /// nothing is due. Returns the number of frames that carried audio.
        /// </summary>
        public int Read(float[] dst, int offset, int frames, int channels, int outputRate, double t)
        {
            if (Rate <= 0 || outputRate <= 0)
            {
                Array.Clear(dst, offset, frames * channels);
                return 0;
            }
            if (hasPlayhead)
            {
                if (Math.Abs(t - playhead) <= driftTolerance) t = playhead;  // continuous: no click from jitter
                else Stats.Resyncs++;
            }
            hasPlayhead = true;
            playhead = t + (double)frames / outputRate;
            double step = (double)Rate / outputRate;
            double pos = (t - basePts) * Rate;  // timeline position of the first output frame
            if (Math.Abs(pos - Math.Round(pos)) < 1e-6) pos = Math.Round(pos);  // same rate: stay on the samples
            long end = startIndex + count;
            int real = 0;
            for (int j = 0; j < frames; j++)
            {
                double p = pos + j * step;
                long i = (long)Math.Floor(p);
                float value = 0f;
                if (count > 0 && i >= startIndex && i < end)
                {
                    float s0 = At(i), s1 = i + 1 < end ? At(i + 1) : s0;
                    value = (s0 + (float)(p - i) * (s1 - s0)) / 32768f;
                    real++;
                }
                int at = offset + j * channels;
                for (int c = 0; c < channels; c++) dst[at + c] = value;
            }
            // Release what this read consumed; samples before its start were skipped (late).
            long readFrom = Math.Max(startIndex, Math.Min(end, (long)Math.Floor(pos)));
            long readTo = Math.Max(readFrom, Math.Min(end, (long)Math.Floor(pos + frames * step)));
            Stats.Late += readFrom - startIndex;
            Stats.Played += readTo - readFrom;
            Pop(readTo - startIndex);
            return real;
        }

        /// <summary>Drop every sample with a time after the cut (an interrupt). Returns how many.</summary>
        public int DropAfter(double cutPts)
        {
            if (count == 0) return 0;
            long cutIndex = (long)Math.Ceiling((cutPts - basePts) * Rate - 1e-9);
            long keep = Math.Max(0, Math.Min(count, cutIndex - startIndex));
            int dropped = count - (int)keep;
            count = (int)keep;
            Stats.Flushed += dropped;
            return dropped;
        }

        /// <summary>Drop everything and forget the read position (a sidecar restart).</summary>
        public void Clear()
        {
            Stats.Flushed += count;
            Pop(count);
            hasPlayhead = false;
        }
    }
}

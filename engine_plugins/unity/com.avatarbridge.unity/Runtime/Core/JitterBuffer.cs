// A jitter buffer keyed by pts: frames arrive early (the sidecar sends them `lookahead` ahead) and a little out
// of step; the engine samples the pose at "now" on the sidecar's clock. Mirrors the C++ core's JitterBuffer.
using System;
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    public sealed class JitterStats
    {
        public long Pushed;  // frames accepted
        public long Late;  // arrived after a newer frame had already been shown: dropped
        public long Duplicates;  // a frame with the same pts was already buffered: dropped
        public long Overflow;  // oldest frames dropped because the buffer was full
        public long Flushed;  // dropped by an interrupt (pts after the cut)
        public long Underruns;  // samples taken past the newest frame by more than the hold tolerance

        public JitterStats Copy() { return (JitterStats)MemberwiseClone(); }
    }

    /// <summary>Frames ordered by pts. Not thread-safe: the owner locks.</summary>
    public sealed class JitterBuffer<T> where T : class, IStamped
    {
        private readonly List<T> frames = new List<T>();
        private readonly Func<T, T, double, T> interpolate;
        private readonly int capacity;
        private readonly double holdTolerance;
        private double shownPts = double.NegativeInfinity;

        /// <param name="interpolate">The frame between a and b at alpha (0 = a, 1 = b).</param>
        /// <param name="capacity">Frames kept (600 = 10 s at 60 fps).</param>
        /// <param name="holdTolerance">How far past the newest frame a sample may fall before it counts as an
        /// underrun (the pose is held either way).</param>
        public JitterBuffer(Func<T, T, double, T> interpolate, int capacity = 600, double holdTolerance = 0.05)
        {
            this.interpolate = interpolate;
            this.capacity = Math.Max(capacity, 2);
            this.holdTolerance = holdTolerance;
            Stats = new JitterStats();
        }

        public JitterStats Stats { get; private set; }
        public int Count { get { return frames.Count; } }
        public double OldestPts { get { return frames.Count > 0 ? frames[0].Pts : 0.0; } }
        public double NewestPts { get { return frames.Count > 0 ? frames[frames.Count - 1].Pts : 0.0; } }

        /// <summary>Insert in pts order. False when dropped (late or duplicate).</summary>
        public bool Push(T frame)
        {
            if (frame.Pts < shownPts)
            {
                Stats.Late++;
                return false;
            }
            int at = FirstAfter(frame.Pts, true);
            if (at < frames.Count && frames[at].Pts == frame.Pts)
            {
                Stats.Duplicates++;
                return false;
            }
            frames.Insert(at, frame);
            Stats.Pushed++;
            if (frames.Count > capacity)
            {
                int drop = frames.Count - capacity;
                frames.RemoveRange(0, drop);
                Stats.Overflow += drop;
            }
            return true;
        }

        /// <summary>The pose at sidecar time t, interpolated between the frames around t; before the first frame
        /// the first is given, past the newest the newest is held. Older frames are released.</summary>
        public bool TrySample(double t, out T frame)
        {
            frame = null;
            if (frames.Count == 0) return false;
            int after = FirstAfter(t, false);
            if (after == 0)
            {
                frame = frames[0];
                return true;
            }
            frames.RemoveRange(0, after - 1);  // keep the frame at or before t
            var a = frames[0];
            shownPts = a.Pts;
            if (frames.Count == 1)
            {
                if (t - a.Pts > holdTolerance) Stats.Underruns++;
                frame = a;
                return true;
            }
            var b = frames[1];
            frame = interpolate(a, b, (t - a.Pts) / (b.Pts - a.Pts));
            return true;
        }

        /// <summary>Drop every frame with pts after the cut (an interrupt). Returns how many.</summary>
        public int DropAfter(double cutPts)
        {
            int from = FirstAfter(cutPts, false);
            int n = frames.Count - from;
            frames.RemoveRange(from, n);
            Stats.Flushed += n;
            return n;
        }

        /// <summary>Forget everything (a sidecar restart): the next frames start a new timeline.</summary>
        public void Clear()
        {
            frames.Clear();
            shownPts = double.NegativeInfinity;
        }

        /// <summary>Index of the first frame with pts &gt;= t (orEqual) or &gt; t.</summary>
        private int FirstAfter(double t, bool orEqual)
        {
            int lo = 0, hi = frames.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) / 2;
                bool before = orEqual ? frames[mid].Pts < t : frames[mid].Pts <= t;
                if (before) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }
    }
}

// Maps this process's clock to the sidecar's (NTP-style ping, minimum-round-trip filter, skew tracking).
// The same algorithm as the C++ core's ClockSync.
using System;
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    /// <summary>One ping exchange: sent at local TSend, the sidecar answered TServer, received at local TReceive.</summary>
    public struct ClockSample
    {
        public double TSend, TServer, TReceive;
        public double Rtt { get { return TReceive - TSend; } }
        /// <summary>sidecar - local, assuming the request and the reply took equally long.</summary>
        public double Offset { get { return TServer - 0.5 * (TSend + TReceive); } }
        public double Midpoint { get { return 0.5 * (TSend + TReceive); } }
    }

    /// <summary>
    /// sidecar_time = local_time + Offset(local_time). The offset comes from the fastest exchange among the latest
    /// `window` (queueing only ever adds to a round trip, so the fastest is the most symmetric); the drift between
    /// the two clocks is fitted over the near-fastest samples of a longer history, so an older best sample is
    /// carried forward to now instead of going stale. Not thread-safe: the owner locks.
    /// </summary>
    public sealed class ClockSync
    {
        // Skew is fitted only over a span this long: over less, a 1 ms asymmetry reads as a large drift.
        private const double MinSkewSpan = 4.0;
        private readonly int window;
        private readonly int history;
        private readonly double maxSkew;
        private readonly List<ClockSample> samples = new List<ClockSample>();
        private ClockSample best;

        /// <param name="window">Samples the best is chosen from (16 s at one ping a second).</param>
        /// <param name="history">Samples the skew is fitted over (64 s).</param>
        /// <param name="maxSkew">The largest drift believed (1e-3 = 1 ms per second).</param>
        public ClockSync(int window = 16, int history = 64, double maxSkew = 1e-3)
        {
            this.window = Math.Max(window, 1);
            this.history = Math.Max(history, this.window);
            this.maxSkew = maxSkew;
        }

        public bool Synced { get { return samples.Count > 0; } }
        public int SampleCount { get { return samples.Count; } }
        /// <summary>Fitted drift, seconds per second (sidecar clock rate minus local clock rate).</summary>
        public double Skew { get; private set; }
        /// <summary>Round trip of the best sample (0 before any).</summary>
        public double Rtt { get { return Synced ? best.Rtt : 0.0; } }

        /// <summary>Add an exchange; false (ignored) when impossible: negative round trip, not finite.</summary>
        public bool AddSample(double tSend, double tServer, double tReceive)
        {
            var s = new ClockSample { TSend = tSend, TServer = tServer, TReceive = tReceive };
            if (!Finite(tSend) || !Finite(tServer) || !Finite(tReceive) || s.Rtt < 0) return false;
            samples.Add(s);
            if (samples.Count > history) samples.RemoveAt(0);
            Refit();
            return true;
        }

        public double Offset(double localTime)
        {
            return Synced ? best.Offset + Skew * (localTime - best.Midpoint) : 0.0;
        }

        public double ToSidecar(double localTime) { return localTime + Offset(localTime); }

        public void Reset()
        {
            samples.Clear();
            best = new ClockSample();
            Skew = 0.0;
        }

        private static bool Finite(double d) { return !double.IsNaN(d) && !double.IsInfinity(d); }

        private void Refit()
        {
            int recent = Math.Max(0, samples.Count - window);
            best = samples[recent];
            for (int i = recent; i < samples.Count; i++) if (samples[i].Rtt < best.Rtt) best = samples[i];
            double fastest = double.MaxValue;
            foreach (var s in samples) fastest = Math.Min(fastest, s.Rtt);
            // Fit the drift through the samples nearly as fast as the fastest: their offsets carry little
            // queueing noise, while a slow sample's offset can be off by half its round trip.
            double limit = fastest + Math.Max(fastest, 0.0005);
            double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, first = 0, last = 0;
            foreach (var s in samples)
            {
                if (s.Rtt > limit) continue;
                double x = s.Midpoint - best.Midpoint, y = s.Offset - best.Offset;  // centred: well conditioned
                if (n == 0) first = s.Midpoint;
                last = s.Midpoint;
                n += 1;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double denominator = n * sxx - sx * sx;
            if (n >= 3 && last - first >= MinSkewSpan && denominator > 0)
            {
                Skew = Math.Max(-maxSkew, Math.Min(maxSkew, (n * sxy - sx * sy) / denominator));
            }
            else
            {
                Skew = 0.0;
            }
        }
    }
}

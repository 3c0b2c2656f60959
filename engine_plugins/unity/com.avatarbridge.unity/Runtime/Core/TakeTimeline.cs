// The takes a client has heard of, on the sidecar's timeline: when each starts and ends, its emotion, its phonemes
// and words (sent ahead, times from the take's first sample). Answers "what is being said at t": the viseme for rigs
// driven by visemes (VRM, Ready Player Me), the emotion for emotion blendshapes, the words for subtitles. The same
// rules as the browser preview's playout (engine_plugins/web/src/playout.js). Not thread-safe: the owner locks.
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    /// <summary>The take being heard at a time.</summary>
    public sealed class TakeState
    {
        public string Take;
        public string Text = "";
        /// <summary>The emotion the take started in; null once it has ended and the face has relaxed.</summary>
        public string Emotion;
        /// <summary>The viseme of the phoneme being heard ("sil" in pauses and after the take).</summary>
        public string Viseme = "sil";
        /// <summary>Seconds since the take's first sample.</summary>
        public double Into;
        /// <summary>Words whose start has been heard (subtitles).</summary>
        public int WordsSpoken;
        public bool Ended, Interrupted;
    }

    public sealed class TakeTimeline
    {
        /// <summary>A take stays current this long after it ends (subtitles stay readable).</summary>
        public const double Hold = 1.5;
        /// <summary>The face keeps a take's emotion this long after it ends (docs/protocol.md: 0.5 s, then it relaxes).</summary>
        public const double EmotionHold = 0.5;
        private const int TakesKept = 50;

        private sealed class Take
        {
            public string Id;
            public double Start = double.NaN, End = double.NaN;
            public string Text = "", Emotion;
            public bool Interrupted;
            public readonly List<PhonemeItem> Phonemes = new List<PhonemeItem>();
            public readonly List<WordItem> Words = new List<WordItem>();
        }

        private readonly List<Take> takes = new List<Take>();

        public int Count { get { return takes.Count; } }

        private Take Find(string id)
        {
            foreach (var t in takes) if (t.Id == id) return t;
            var take = new Take { Id = id };
            takes.Add(take);
            if (takes.Count > TakesKept) takes.RemoveAt(0);
            return take;
        }

        /// <summary>Feed a stream message (others are ignored).</summary>
        public void Add(StreamMessage message)
        {
            var p = message as Phonemes;
            if (p != null)
            {
                Find(p.Take).Phonemes.AddRange(p.Items);
                return;
            }
            var w = message as Words;
            if (w != null)
            {
                Find(w.Take).Words.AddRange(w.Items);
                return;
            }
            var a = message as AudioChunk;
            if (a != null)
            {
                var take = Find(a.Take);
                if (double.IsNaN(take.Start)) take.Start = a.Pts;  // joined after take_started
                return;
            }
            var e = message as BridgeEvent;
            if (e == null || e.Take == null) return;
            if (e.Type == "take_started")
            {
                var take = Find(e.Take);
                take.Start = e.Pts;
                take.Text = e.Text("text");
                take.Emotion = e.Text("emotion").Length > 0 ? e.Text("emotion") : null;
            }
            else if (e.Type == "take_ended" || e.Type == "interrupted")
            {
                var take = Find(e.Take);
                take.End = e.Pts;
                take.Interrupted = e.Type == "interrupted";
            }
        }

        /// <summary>Forget everything (a restarted sidecar).</summary>
        public void Clear() { takes.Clear(); }

        /// <summary>The latest take that has started by sidecar time t and ended no more than Hold before it.</summary>
        public TakeState Current(double t)
        {
            Take best = null;
            foreach (var take in takes)
            {
                if (double.IsNaN(take.Start) || take.Start > t) continue;
                if (!double.IsNaN(take.End) && t > take.End + Hold) continue;
                if (best == null || take.Start > best.Start) best = take;
            }
            if (best == null) return null;
            double into = t - best.Start;
            bool ended = !double.IsNaN(best.End) && t >= best.End;
            var state = new TakeState
            {
                Take = best.Id, Text = best.Text, Into = into, Ended = ended, Interrupted = best.Interrupted,
                Emotion = !double.IsNaN(best.End) && t > best.End + EmotionHold ? null : best.Emotion,
            };
            double cut = double.IsNaN(best.End) ? double.PositiveInfinity : best.End - best.Start;
            foreach (var w in best.Words) if (w.Start <= into && w.Start < cut) state.WordsSpoken++;
            if (into < cut)
            {
                foreach (var ph in best.Phonemes) if (ph.Start <= into && into < ph.End) state.Viseme = ph.Viseme;
            }
            return state;
        }
    }
}

// The Avatar Bridge wire schema, version 1, as plain C# classes (mirrors bridge/protocol.py, docs/protocol.md
// and the C++ core's Messages.h). Times are seconds on the sidecar's clock (pts) unless a name says otherwise.
//
// Adding a stream kind (e.g. `pose` and `skeleton` when the body stream lands) is a small change: a class here,
// a decode function and one entry in Codec.Kinds (and its ToWire case), and a handler in BridgeSession.Deliver.
// Until then such messages are skipped and counted as UnknownKind.
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    public static class Arkit
    {
        public const int Count = 52;

        /// <summary>The 52 ARKit blendshapes in ARKit order, Apple's lower camel case (describe.blendshapes).</summary>
        public static readonly string[] Blendshapes =
        {
            "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
            "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
            "eyeSquintRight", "eyeWideRight", "jawForward", "jawLeft", "jawRight", "jawOpen", "mouthClose", "mouthFunnel",
            "mouthPucker", "mouthLeft", "mouthRight", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft",
            "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
            "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthPressLeft", "mouthPressRight",
            "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight", "browDownLeft",
            "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff", "cheekSquintLeft",
            "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
        };
    }

    public abstract class StreamMessage
    {
        public string Avatar;
        /// <summary>The wire `kind`: "audio", "face", ...</summary>
        public abstract string Kind { get; }
    }

    /// <summary>Something with a presentation time (what a jitter buffer orders by).</summary>
    public interface IStamped
    {
        double Pts { get; }
    }

    /// <summary>Mono s16le PCM to play at Pts (the pts of the first sample).</summary>
    public sealed class AudioChunk : StreamMessage
    {
        public override string Kind { get { return "audio"; } }
        public string Take;
        public long Seq;
        public double Pts;
        public int Rate;
        public short[] Pcm;
        public double Duration { get { return Rate > 0 ? (double)Pcm.Length / Rate : 0.0; } }
    }

    public sealed class PhonemeItem
    {
        public string Phoneme;
        public string Viseme;
        public double Start;  // seconds from the take's first sample
        public double End;
    }

    /// <summary>Phonemes of one synthesized clause of a take; sent ahead of the audio.</summary>
    public sealed class Phonemes : StreamMessage
    {
        public override string Kind { get { return "phonemes"; } }
        public string Take;
        public List<PhonemeItem> Items = new List<PhonemeItem>();
    }

    public sealed class WordItem
    {
        public string Word;
        public double Start;  // seconds from the take's first sample
        public double End;
    }

    /// <summary>Words of one synthesized clause of a take: subtitles, gesture timing, what was heard.</summary>
    public sealed class Words : StreamMessage
    {
        public override string Kind { get { return "words"; } }
        public string Take;
        public List<WordItem> Items = new List<WordItem>();
    }

    /// <summary>One face pose to apply at Pts: 52 ARKit weights (0..1) and head and eye rotations (radians).</summary>
    public sealed class FaceFrame : StreamMessage, IStamped
    {
        public override string Kind { get { return "face"; } }
        public long Seq;
        public double Pts { get; set; }
        public float[] Weights = new float[Arkit.Count];
        public double[] Head = new double[3];  // yaw, pitch, roll
        public double[] Eyes = new double[4];  // left yaw, left pitch, right yaw, right pitch

        /// <summary>The face between two frames (alpha 0 = a, 1 = b); pts and seq of a. Rotations are small
        /// angles, so a linear blend of them is exact enough.</summary>
        public static FaceFrame Interpolate(FaceFrame a, FaceFrame b, double alpha)
        {
            if (alpha < 0) alpha = 0;
            if (alpha > 1) alpha = 1;
            var f = new FaceFrame { Avatar = a.Avatar, Seq = a.Seq, Pts = a.Pts };
            float k = (float)alpha;
            for (int i = 0; i < Arkit.Count; i++) f.Weights[i] = a.Weights[i] + k * (b.Weights[i] - a.Weights[i]);
            for (int i = 0; i < 3; i++) f.Head[i] = a.Head[i] + alpha * (b.Head[i] - a.Head[i]);
            for (int i = 0; i < 4; i++) f.Eyes[i] = a.Eyes[i] + alpha * (b.Eyes[i] - a.Eyes[i]);
            return f;
        }
    }

    /// <summary>Something that happened at Pts: take_started {text, emotion}, take_ended, interrupted,
    /// error {code, message}. Take is null for events that belong to no take.</summary>
    public sealed class BridgeEvent : StreamMessage
    {
        public override string Kind { get { return "event"; } }
        public long Seq;
        public double Pts;
        public string Type;
        public string Take;
        public Dictionary<string, object> Data = new Dictionary<string, object>();

        /// <summary>A string field of Data ("" when absent or not a string).</summary>
        public string Text(string key)
        {
            object v;
            return Data.TryGetValue(key, out v) && v is string ? (string)v : "";
        }
    }

    /// <summary>A control reply: {id, ok: true, ...} or {id, ok: false, error: {code, message, field}}.</summary>
    public sealed class Reply
    {
        public object Id;
        public bool Ok;
        /// <summary>The sidecar's code, or the session's own: "timeout", "not_connected", "malformed", "stopped".</summary>
        public string ErrorCode = "";
        public string ErrorMessage = "";
        public string ErrorField = "";
        public Dictionary<string, object> Body = new Dictionary<string, object>();

        public string Text(string key)
        {
            object v;
            return Body.TryGetValue(key, out v) && v is string ? (string)v : "";
        }

        public double Number(string key, double fallback = 0.0)
        {
            object v;
            if (!Body.TryGetValue(key, out v)) return fallback;
            if (v is long) return (long)v;
            if (v is double) return (double)v;
            return fallback;
        }

        public static Reply Failure(string code, string message)
        {
            return new Reply { Ok = false, ErrorCode = code, ErrorMessage = message };
        }
    }

    /// <summary>A control request: op, an optional id (long or string) and its fields, written in order.</summary>
    public sealed class Request
    {
        public string Op;
        public object Id;
        public readonly List<KeyValuePair<string, object>> Fields = new List<KeyValuePair<string, object>>();

        public Request(string op) { Op = op; }

        public Request With(string key, object value)
        {
            if (value != null) Fields.Add(new KeyValuePair<string, object>(key, value));
            return this;
        }

        public static Request Describe() { return new Request("describe"); }

        public static Request Say(string text, string avatar = null, string emotion = null)
        {
            return new Request("say").With("text", text).With("avatar", Empty(avatar)).With("emotion", Empty(emotion));
        }

        public static Request Interrupt(string avatar = null) { return new Request("interrupt").With("avatar", Empty(avatar)); }

        public static Request Ping(double tClient) { return new Request("ping").With("t_client", tClient); }

        private static string Empty(string s) { return string.IsNullOrEmpty(s) ? null : s; }
    }
}

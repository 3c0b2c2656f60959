// The Avatar Bridge wire schema, version 1, as plain C# classes (mirrors bridge/protocol.py, docs/protocol.md
// and the C++ core's Messages.h). Times are seconds on the sidecar's clock (pts) unless a name says otherwise.
//
// Adding a stream kind is a small change: a class here, a decode function and one entry in Codec.Kinds (and its
// ToWire case), and a handler in BridgeSession.Deliver. Kinds this core does not know are skipped and counted.
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

    /// <summary>A rotation as the wire carries it: float32 x, y, z, w (Hamilton product on coordinates; Unity's
    /// Quaternion has the same layout, so a Unity glue copies the four numbers as they are).</summary>
    public struct Quat
    {
        public float X, Y, Z, W;

        public Quat(float x, float y, float z, float w)
        {
            X = x;
            Y = y;
            Z = z;
            W = w;
        }

        public static readonly Quat Identity = new Quat(0f, 0f, 0f, 1f);

        public override string ToString() { return "(" + X + ", " + Y + ", " + Z + ", " + W + ")"; }
    }

    /// <summary>One body pose to apply at Pts: the Hips position (metres) and each joint's rotation local to its
    /// parent, in the order of the latest Skeleton; Unity axes, T-pose = every rotation the identity.</summary>
    public sealed class PoseFrame : StreamMessage, IStamped
    {
        public override string Kind { get { return "pose"; } }
        public long Seq;
        public double Pts { get; set; }
        public double[] Root = new double[3];
        public Quat[] Rotations = new Quat[0];

        /// <summary>The pose between two frames (alpha 0 = a, 1 = b); pts and seq of a. Joints are blended with
        /// a normalized lerp on the short arc: for frames 1/60 s apart it is within 0.01 degrees of a slerp. Frames
        /// of different skeletons do not blend (the nearer one is given).</summary>
        public static PoseFrame Interpolate(PoseFrame a, PoseFrame b, double alpha)
        {
            if (alpha < 0) alpha = 0;
            if (alpha > 1) alpha = 1;
            if (a.Rotations.Length != b.Rotations.Length) return alpha < 0.5 ? a : b;
            var p = new PoseFrame { Avatar = a.Avatar, Seq = a.Seq, Pts = a.Pts, Rotations = new Quat[a.Rotations.Length] };
            for (int i = 0; i < 3; i++) p.Root[i] = a.Root[i] + alpha * (b.Root[i] - a.Root[i]);
            for (int j = 0; j < a.Rotations.Length; j++) p.Rotations[j] = QuatMath.Nlerp(a.Rotations[j], b.Rotations[j], alpha);
            return p;
        }
    }

    /// <summary>The joints pose frames refer to: Unity HumanBodyBones names, parent indices (-1 for the root, a parent
    /// always before its child) and rest offsets from the parent in metres (T-pose, Unity axes).</summary>
    public sealed class Skeleton : StreamMessage
    {
        public override string Kind { get { return "skeleton"; } }
        public string[] Joints = new string[0];
        public int[] Parents = new int[0];
        public double[][] Offsets = new double[0][];

        public int Count { get { return Joints.Length; } }

        /// <summary>The index of a joint by name, -1 when the skeleton has none.</summary>
        public int IndexOf(string joint) { return System.Array.IndexOf(Joints, joint); }

        /// <summary>Same joints, parents and offsets (a re-sent skeleton changes nothing).</summary>
        public bool SameAs(Skeleton other)
        {
            if (other == null || other.Count != Count) return false;
            for (int j = 0; j < Count; j++)
            {
                if (Joints[j] != other.Joints[j] || Parents[j] != other.Parents[j]) return false;
                for (int k = 0; k < 3; k++) if (Offsets[j][k] != other.Offsets[j][k]) return false;
            }
            return true;
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
        /// <summary>The id of the sidecar run that sent it: another one means a restart (null when not sent).</summary>
        public string Run;
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

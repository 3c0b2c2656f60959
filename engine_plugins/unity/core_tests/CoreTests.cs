// Tests of the Unity plugin's C# core, run with mono (no Unity, no NetMQ):
//
//   mono CoreTests.exe decode FILE...      one JSON line per golden vector (typed decode, back to wire shape)
//   mono CoreTests.exe bones               the HumanBodyBones value of each joint name, as JSON
//   mono CoreTests.exe live CONTROL STREAM say a line to a real sidecar over libzmq; one JSON line of results
//   mono CoreTests.exe test VECTORS_DIR    unit tests; prints "N checks, M failed"
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using AvatarBridge.Core;

namespace AvatarBridge.CoreTests
{
    internal static class JsonWriter
    {
        public static string Write(object value)
        {
            var sb = new StringBuilder();
            Append(sb, value);
            return sb.ToString();
        }

        private static void Append(StringBuilder sb, object v)
        {
            if (v == null) sb.Append("null");
            else if (v is bool) sb.Append((bool)v ? "true" : "false");
            else if (v is long || v is int) sb.Append(Convert.ToInt64(v).ToString(CultureInfo.InvariantCulture));
            else if (v is double)
            {
                double d = (double)v;
                string s = d.ToString("R", CultureInfo.InvariantCulture);
                sb.Append(s);
                if (s.IndexOfAny(new[] { '.', 'E', 'e' }) < 0) sb.Append(".0");
            }
            else if (v is string) AppendString(sb, (string)v);
            else if (v is byte[])
            {
                sb.Append("{\"$bytes\": \"");
                foreach (byte b in (byte[])v) sb.Append(b.ToString("x2"));
                sb.Append("\"}");
            }
            else if (v is IList<object>)
            {
                sb.Append('[');
                bool first = true;
                foreach (var item in (IList<object>)v)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    Append(sb, item);
                }
                sb.Append(']');
            }
            else if (v is IEnumerable<KeyValuePair<string, object>>)
            {
                sb.Append('{');
                bool first = true;
                foreach (var entry in (IEnumerable<KeyValuePair<string, object>>)v)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    AppendString(sb, entry.Key);
                    sb.Append(": ");
                    Append(sb, entry.Value);
                }
                sb.Append('}');
            }
            else throw new ArgumentException("no JSON for " + v.GetType().Name);
        }

        private static void AppendString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }

    internal static partial class Program
    {
        private static int checks, failures;
        private static string vectors;

        private static void Check(bool condition, string what)
        {
            checks++;
            if (condition) return;
            failures++;
            var frame = new System.Diagnostics.StackTrace(1, true).GetFrame(0);
            Console.WriteLine("  FAIL line " + frame.GetFileLineNumber() + ": " + what);
        }

        private static void Near(double actual, double expected, double tolerance, string what)
        {
            Check(Math.Abs(actual - expected) <= tolerance,
                  what + " = " + actual.ToString("R", CultureInfo.InvariantCulture) + ", expected " +
                  expected.ToString("R", CultureInfo.InvariantCulture) + " +- " + tolerance);
        }

        private static byte[] Vector(string name) { return File.ReadAllBytes(Path.Combine(vectors, name + ".msgpack")); }

        private static int Main(string[] args)
        {
            if (args.Length >= 1 && args[0] == "decode") return Decode(args.Skip(1));
            if (args.Length >= 1 && args[0] == "bones") return Bones();
            if (args.Length >= 3 && args[0] == "live") return Live(args[1], args[2]);
            if (args.Length >= 2 && args[0] == "test")
            {
                vectors = args[1];
                string filter = args.Length > 2 ? args[2] : "";
                var tests = new List<KeyValuePair<string, Action>>
                {
                    new KeyValuePair<string, Action>("vectors_decode", VectorsDecode),
                    new KeyValuePair<string, Action>("vector_values", VectorValues),
                    new KeyValuePair<string, Action>("truncated_and_corrupted", TruncatedAndCorrupted),
                    new KeyValuePair<string, Action>("hostile_headers", HostileHeaders),
                    new KeyValuePair<string, Action>("version_kind_fields", VersionKindFields),
                    new KeyValuePair<string, Action>("pose_and_skeleton_fields", PoseAndSkeletonFields),
                    new KeyValuePair<string, Action>("pose_interpolation", PoseInterpolation),
                    new KeyValuePair<string, Action>("jitter_buffer_basics", JitterBufferBasics),
                    new KeyValuePair<string, Action>("jitter_buffer_simulated_jitter", JitterBufferSimulatedJitter),
                    new KeyValuePair<string, Action>("clock_sync", ClockSyncTests),
                    new KeyValuePair<string, Action>("audio_ring", AudioRingTests),
                    new KeyValuePair<string, Action>("audio_ring_resampling", AudioRingResampling),
                    new KeyValuePair<string, Action>("audio_device_change", AudioDeviceChangeTests),
                    new KeyValuePair<string, Action>("json_reader", JsonReader),
                    new KeyValuePair<string, Action>("rig_profiles", RigProfiles),
                    new KeyValuePair<string, Action>("rig_binding", RigBindingTests),
                    new KeyValuePair<string, Action>("take_timeline", TakeTimelineTests),
                    new KeyValuePair<string, Action>("face_axes", FaceAxesTests),
                    new KeyValuePair<string, Action>("humanoid_retarget", HumanoidRetargetTests),
                    new KeyValuePair<string, Action>("humanoid_a_pose", HumanoidAPoseTests),
                    new KeyValuePair<string, Action>("session_plays_a_take", SessionPlaysATake),
                    new KeyValuePair<string, Action>("session_interrupt_flushes", SessionInterruptFlushes),
                    new KeyValuePair<string, Action>("session_skips_and_counts", SessionSkipsAndCounts),
                    new KeyValuePair<string, Action>("session_survives_restart", SessionSurvivesRestart),
                    new KeyValuePair<string, Action>("session_tells_restart_by_run", SessionTellsRestartByRun),
                    new KeyValuePair<string, Action>("bridge_pump", BridgePumpTests),
                };
                int failedTests = 0;
                foreach (var test in tests)
                {
                    if (filter.Length > 0 && !test.Key.Contains(filter)) continue;
                    int before = failures;
                    try
                    {
                        test.Value();
                    }
                    catch (Exception e)
                    {
                        failures++;
                        Console.WriteLine("  FAIL threw " + e);
                    }
                    bool ok = failures == before;
                    if (!ok) failedTests++;
                    Console.WriteLine((ok ? "ok   " : "FAIL ") + test.Key);
                }
                Console.WriteLine(checks + " checks, " + failures + " failed, " + failedTests + " test(s) failed");
                return failures == 0 ? 0 : 1;
            }
            Console.Error.WriteLine("usage: CoreTests.exe decode FILE... | test VECTORS_DIR [FILTER]");
            return 2;
        }

        private static int Decode(IEnumerable<string> files)
        {
            int bad = 0;
            foreach (var file in files)
            {
                var bytes = File.ReadAllBytes(file);
                string name = Path.GetFileName(file);
                object value;
                if (name.StartsWith("stream_", StringComparison.Ordinal))
                {
                    var r = Codec.DecodeStream(bytes);
                    if (r.Status != DecodeStatus.Ok)
                    {
                        bad++;
                        value = new Dictionary<string, object> { { "error", r.Status + ": " + r.Error } };
                    }
                    else value = Codec.ToWire(r.Message);
                }
                else if (name.StartsWith("reply_", StringComparison.Ordinal)) value = Codec.DecodeReply(bytes).Body;
                else value = MsgPack.Decode(bytes);
                Console.WriteLine(JsonWriter.Write(value));
            }
            return bad == 0 ? 0 : 1;
        }

        // -- golden vectors ---------------------------------------------------------------------------------------

        private static void VectorsDecode()
        {
            int stream = 0;
            foreach (var file in Directory.GetFiles(vectors, "*.msgpack"))
            {
                var bytes = File.ReadAllBytes(file);
                Check(MsgPack.Decode(bytes) is Dictionary<string, object>, file + " is a map");
                if (!Path.GetFileName(file).StartsWith("stream_", StringComparison.Ordinal)) continue;
                stream++;
                var r = Codec.DecodeStream(bytes);
                Check(r.Status == DecodeStatus.Ok, file + " decodes");
                if (r.Message == null) continue;
                var w = new MsgPackWriter();
                w.Value(Codec.ToWire(r.Message));
                Check(w.ToArray().SequenceEqual(bytes), file + ": the typed decode loses nothing");
            }
            Check(stream >= 6, "stream vectors found");
        }

        private static void VectorValues()
        {
            var f = (FaceFrame)Codec.DecodeStream(Vector("stream_face")).Message;
            Check(f.Avatar == "host" && f.Seq == 9001 && f.Pts == 1234.6, "face header");
            for (int i = 0; i < Arkit.Count; i++)
            {
                Check(f.Weights[i] == (float)(Math.Round(i / 51.0 * 1e6) / 1e6), "weight " + i);
            }
            Check(f.Head[0] == 0.1 && f.Eyes[3] == -0.02, "face rotations");
            var a = (AudioChunk)Codec.DecodeStream(Vector("stream_audio")).Message;
            Check(a.Pcm.SequenceEqual(new short[] { 0, 1000, -1000, 32767, -32767, 12, -12, 0 }), "pcm samples");
            Check(a.Rate == 22050 && a.Take == "t7" && a.Seq == 41, "audio header");
            var e = (BridgeEvent)Codec.DecodeStream(Vector("stream_event_take_started")).Message;
            Check(e.Type == "take_started" && e.Take == "t7" && e.Text("text") == "Hi everyone!" && e.Text("emotion") == "happy", "event");
            Check(e.Run == "3f9a1c2e" && e.Data.Count == 2, "the event's run, not in its data");
            var ended = (BridgeEvent)Codec.DecodeStream(Vector("stream_event_interrupted")).Message;
            Check(ended.Type == "interrupted" && ended.Data.Count == 0, "interrupted event");
            var p = (Phonemes)Codec.DecodeStream(Vector("stream_phonemes")).Message;
            Check(p.Items.Count == 4 && p.Items[2].Phoneme == "\u02c8a" && p.Items[3].Viseme == "PP" && p.Items[3].End == 0.2, "phonemes");
            var words = (Words)Codec.DecodeStream(Vector("stream_words")).Message;
            Check(words.Items.Count == 2 && words.Items[1].Word == "everyone", "words");

            BodyVectorValues();

            var say = Request.Say("Hi everyone!", null, "happy");
            say.Id = 1L;
            Check(Codec.EncodeRequest(say).SequenceEqual(Vector("request_say")), "say request bytes");
            var interrupt = Request.Interrupt("host");
            interrupt.Id = "abc";
            Check(Codec.EncodeRequest(interrupt).SequenceEqual(Vector("request_interrupt")), "interrupt request bytes");
            var ping = Request.Ping(10.25);
            ping.Id = 2L;
            Check(Codec.EncodeRequest(ping).SequenceEqual(Vector("request_ping")), "ping request bytes");
            var describe = Request.Describe();
            describe.Id = 3L;
            Check(Codec.EncodeRequest(describe).SequenceEqual(Vector("request_describe")), "describe request bytes");

            var error = Codec.DecodeReply(Vector("reply_error"));
            Check(!error.Ok && error.ErrorCode == "too_long" && error.ErrorField == "text" && (long)error.Id == 4, "error reply");
            var pong = Codec.DecodeReply(Vector("reply_ping"));
            Check(pong.Ok && pong.Number("t_server") == 1234.5 && pong.Number("t_client") == 10.25, "ping reply");
        }

        /// <summary>stream_pose and stream_skeleton (when present): the typed values against their JSON twins, read
        /// independently (the quaternions from the twin's hex bytes), and the skeleton's joints are Unity's bones.</summary>
        private static void BodyVectorValues()
        {
            string posePath = Path.Combine(vectors, "stream_pose.msgpack"), skeletonPath = Path.Combine(vectors, "stream_skeleton.msgpack");
            if (!File.Exists(posePath) || !File.Exists(skeletonPath)) return;
            Func<string, Dictionary<string, object>> twin = name => (Dictionary<string, object>)AvatarBridge.Core.Json.Parse(File.ReadAllText(Path.Combine(vectors, name + ".json")));
            var pose = (PoseFrame)Codec.DecodeStream(Vector("stream_pose")).Message;
            var pj = twin("stream_pose");
            Check(pose.Avatar == (string)pj["avatar"] && pose.Seq == (long)(double)pj["seq"] && pose.Pts == (double)pj["pts"], "pose header");
            var root = (List<object>)pj["root"];
            Check(pose.Root.SequenceEqual(root.Select(v => (double)v)), "pose root");
            var hex = (string)((Dictionary<string, object>)pj["q"])["$bytes"];
            Check(hex.Length == pose.Rotations.Length * 32 && pose.Rotations.Length > 0, "one quaternion per 16 bytes");
            for (int j = 0; j < pose.Rotations.Length; j++)
            {
                var values = new float[4];
                for (int k = 0; k < 4; k++)
                {
                    var bytes = new byte[4];
                    for (int b = 0; b < 4; b++) bytes[b] = Convert.ToByte(hex.Substring(32 * j + 8 * k + 2 * b, 2), 16);
                    values[k] = BitConverter.ToSingle(bytes, 0);
                }
                var r = pose.Rotations[j];
                Check(r.X == values[0] && r.Y == values[1] && r.Z == values[2] && r.W == values[3], "quaternion " + j);
            }
            var skeleton = (Skeleton)Codec.DecodeStream(Vector("stream_skeleton")).Message;
            var sj = twin("stream_skeleton");
            var joints = (List<object>)sj["joints"];
            Check(skeleton.Joints.SequenceEqual(joints.Cast<string>()), "skeleton joints");
            Check(skeleton.Parents.SequenceEqual(((List<object>)sj["parents"]).Select(v => (int)(double)v)), "skeleton parents");
            var offsets = (List<object>)sj["offsets"];
            for (int j = 0; j < skeleton.Count; j++)
            {
                Check(skeleton.Offsets[j].SequenceEqual(((List<object>)offsets[j]).Select(v => (double)v)), "offset " + j);
                Check(HumanBones.Of(skeleton.Joints[j]) >= 0, skeleton.Joints[j] + " is a HumanBodyBones name");
            }
            Check(skeleton.Parents[0] == -1, "the first joint is the root");
            if (skeleton.Count == pose.Rotations.Length)
            {
                Quat[] targets;
                Check(new HumanoidRetarget(skeleton, b => Quat.Identity).Solve(pose, null, out targets), "the vector pose solves on its skeleton");
            }
        }

        // -- hostile input ------------------------------------------------------------------------------------------

        private static void TruncatedAndCorrupted()
        {
            var random = new Random(1234);
            int stillValid = 0;
            foreach (var file in Directory.GetFiles(vectors, "*.msgpack"))
            {
                var bytes = File.ReadAllBytes(file);
                for (int n = 0; n < bytes.Length; n++)
                {
                    var cut = new byte[n];
                    Array.Copy(bytes, cut, n);
                    Check(Codec.DecodeStream(cut).Status == DecodeStatus.Malformed, file + " cut at " + n);
                    Check(!Codec.DecodeReply(cut).Ok, file + " reply cut at " + n);
                }
                for (int i = 0; i < 3000; i++)
                {
                    var bad = (byte[])bytes.Clone();
                    int flips = 1 + random.Next(4);
                    for (int k = 0; k < flips; k++) bad[random.Next(bad.Length)] = (byte)random.Next(256);
                    var r = Codec.DecodeStream(bad);  // must not throw, whatever the bytes
                    if (r.Status == DecodeStatus.Ok) stillValid++;
                    else Check(r.Error.Length > 0, "a skipped message says why");
                    Codec.DecodeReply(bad);
                }
            }
            Check(stillValid > 0, "some corruptions land in values and stay valid");
        }

        private static void HostileHeaders()
        {
            var cases = new[]
            {
                new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff },  // array32 of 4 billion
                new byte[] { 0xdf, 0xff, 0xff, 0xff, 0xff },  // map32 of 4 billion
                new byte[] { 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00 },  // bin32 of 4 GiB
                new byte[] { 0xdb, 0x7f, 0xff, 0xff, 0xff, 0x41 },  // str32 of 2 GiB
                new byte[] { 0xc1 },
                new byte[] { 0xd4, 0x01, 0x02 },  // ext
                new byte[] { 0xa2, 0xc3, 0x28 },  // a string that is not UTF-8
                new byte[0],
                null,
            };
            foreach (var bytes in cases) Check(Codec.DecodeStream(bytes).Status == DecodeStatus.Malformed, "hostile header");
            var deep = Enumerable.Repeat((byte)0x91, 5000).Concat(new byte[] { 0xc0 }).ToArray();
            Check(Codec.DecodeStream(deep).Status == DecodeStatus.Malformed, "5000 nested arrays");
            var trailing = FaceBytes(1, 1.0).Concat(new byte[] { 0xc0 }).ToArray();
            Check(Codec.DecodeStream(trailing).Status == DecodeStatus.Malformed, "trailing bytes");
            Check(Codec.DecodeStream(new byte[] { 0x81, 0x01, 0x02 }).Status == DecodeStatus.Malformed, "integer key");
            Check(Codec.DecodeStream(new byte[] { 0x91, 0x01 }).Status == DecodeStatus.Malformed, "not a map");
        }

        internal static byte[] FaceBytes(long seq, double pts, float w0 = 0f, Action<Dictionary<string, object>> change = null, string avatar = "host")
        {
            var w = new byte[Arkit.Count * 4];
            Buffer.BlockCopy(BitConverter.GetBytes(w0), 0, w, 0, 4);
            var body = new Dictionary<string, object>
            {
                { "v", 1L }, { "kind", "face" }, { "avatar", avatar }, { "seq", seq }, { "pts", pts }, { "w", w },
                { "head", new List<object> { 0.0, 0.0, 0.0 } }, { "eyes", new List<object> { 0.0, 0.0, 0.0, 0.0 } },
            };
            if (change != null) change(body);
            var writer = new MsgPackWriter();
            writer.Value(body);
            return writer.ToArray();
        }

        /// <summary>A pose frame's bytes: the first joint turned `hipsTurn` radians about +Y, the others at rest.</summary>
        internal static byte[] PoseBytes(long seq, double pts, double hipsTurn, int joints, Action<Dictionary<string, object>> change = null)
        {
            var q = new byte[joints * 16];
            for (int j = 0; j < joints; j++)
            {
                var r = j == 0 ? QuatMath.AxisAngle(0, 1, 0, hipsTurn) : Quat.Identity;
                var values = new[] { r.X, r.Y, r.Z, r.W };
                for (int k = 0; k < 4; k++) Buffer.BlockCopy(BitConverter.GetBytes(values[k]), 0, q, 16 * j + 4 * k, 4);
            }
            var body = new Dictionary<string, object>
            {
                { "v", 1L }, { "kind", "pose" }, { "avatar", "host" }, { "seq", seq }, { "pts", pts },
                { "root", new List<object> { 0.0, 0.95, 0.0 } }, { "q", q },
            };
            if (change != null) change(body);
            var writer = new MsgPackWriter();
            writer.Value(body);
            return writer.ToArray();
        }

        private static void VersionKindFields()
        {
            Func<byte[], DecodeStatus> status = b => Codec.DecodeStream(b).Status;
            Check(status(FaceBytes(1, 1.0)) == DecodeStatus.Ok, "a good frame");
            Check(status(FaceBytes(1, 1.0, 0, b => b["v"] = 2L)) == DecodeStatus.Version, "v 2");
            Check(status(FaceBytes(1, 1.0, 0, b => b.Remove("v"))) == DecodeStatus.Version, "no v");
            var unknown = Codec.DecodeStream(FaceBytes(1, 1.0, 0, b => b["kind"] = "hologram"));
            Check(unknown.Status == DecodeStatus.UnknownKind && unknown.Kind == "hologram", "an unknown kind is named");
            Check(status(FaceBytes(1, 1.0, 0, b => b["w"] = new byte[100])) == DecodeStatus.Invalid, "short w");
            Check(status(FaceBytes(1, 1.0, 0, b => b.Remove("pts"))) == DecodeStatus.Invalid, "no pts");
            Check(status(FaceBytes(1, 1.0, 0, b => b["pts"] = "soon")) == DecodeStatus.Invalid, "pts a string");
            Check(status(FaceBytes(1, 1.0, 0, b => b["pts"] = double.NaN)) == DecodeStatus.Invalid, "pts NaN");
            Check(status(FaceBytes(1, 1.0, 0, b => b["head"] = new List<object> { 0.0 })) == DecodeStatus.Invalid, "head of 1");
            Check(status(FaceBytes(1, 1.0, 0, b => b["mood"] = "sunny")) == DecodeStatus.Ok, "unknown keys are ignored");
            var w = new MsgPackWriter();
            w.Value(new Dictionary<string, object>
            {
                { "v", 1L }, { "kind", "audio" }, { "avatar", "host" }, { "take", "t1" }, { "seq", 0L }, { "pts", 1.0 },
                { "rate", 22050L }, { "pcm", new byte[] { 1, 2, 3 } },
            });
            var odd = Codec.DecodeStream(w.ToArray());
            Check(odd.Status == DecodeStatus.Invalid && odd.Error.Contains("pcm"), "odd pcm names the field");
        }

        private static byte[] SkeletonBytes(Action<Dictionary<string, object>> change = null)
        {
            var body = new Dictionary<string, object> { { "v", 1L }, { "kind", "skeleton" }, { "avatar", "host" } };
            foreach (var entry in SimulatedSidecar.SkeletonMap()) body[entry.Key] = entry.Value;
            if (change != null) change(body);
            var w = new MsgPackWriter();
            w.Value(body);
            return w.ToArray();
        }

        private static void PoseAndSkeletonFields()
        {
            var bytes = PoseBytes(7, 2.5, 0.3, 3);
            var r = Codec.DecodeStream(bytes);
            Check(r.Status == DecodeStatus.Ok && r.Kind == "pose", "a good pose");
            var p = (PoseFrame)r.Message;
            Check(p.Seq == 7 && p.Pts == 2.5 && p.Root[1] == 0.95 && p.Rotations.Length == 3, "pose header");
            Near(2 * Math.Atan2(p.Rotations[0].Y, p.Rotations[0].W), 0.3, 1e-6, "hips turn");
            Check(p.Rotations[2].W == 1f && p.Rotations[2].X == 0f, "a joint at rest");
            var w = new MsgPackWriter();
            w.Value(Codec.ToWire(p));
            Check(w.ToArray().SequenceEqual(bytes), "pose back to the same bytes");
            Func<Action<Dictionary<string, object>>, DecodeResult> bad = change => Codec.DecodeStream(PoseBytes(1, 1.0, 0, 3, change));
            var odd = bad(b => b["q"] = new byte[47]);
            Check(odd.Status == DecodeStatus.Invalid && odd.Error.Contains("pose.q") && odd.Error.Contains("47"), "q of 47 bytes names the field and size: " + odd.Error);
            Check(bad(b => b["q"] = new byte[0]).Status == DecodeStatus.Ok, "no joints is a pose of no joints");
            Check(bad(b => b["q"] = "quaternions").Status == DecodeStatus.Invalid, "q a string");
            Check(bad(b => b.Remove("q")).Status == DecodeStatus.Invalid, "no q");
            Check(bad(b => b["root"] = new List<object> { 0.0, 1.0 }).Error.Contains("pose.root"), "root of 2 names the field");
            Check(bad(b => b["root"] = new List<object> { 0.0, double.NaN, 0.0 }).Status == DecodeStatus.Invalid, "root NaN");
            Check(bad(b => b.Remove("seq")).Status == DecodeStatus.Invalid, "no seq");
            var nan = new byte[32];
            Buffer.BlockCopy(BitConverter.GetBytes(float.NaN), 0, nan, 0, 4);
            Buffer.BlockCopy(BitConverter.GetBytes(1f), 0, nan, 28, 4);
            var healed = (PoseFrame)bad(b => b["q"] = nan).Message;
            Check(healed.Rotations[0].W == 1f && healed.Rotations[0].X == 0f && healed.Rotations[1].W == 1f, "a NaN joint stays at rest");

            var skeletonBytes = SkeletonBytes();
            var s = Codec.DecodeStream(skeletonBytes);
            Check(s.Status == DecodeStatus.Ok && s.Kind == "skeleton", "a good skeleton");
            var k = (Skeleton)s.Message;
            Check(k.Count == 3 && k.Joints[2] == "Head" && k.Parents[0] == -1 && k.Parents[2] == 1 && k.Offsets[2][1] == 0.5, "skeleton fields");
            Check(k.IndexOf("Spine") == 1 && k.IndexOf("LeftEye") == -1, "joint index by name");
            w = new MsgPackWriter();
            w.Value(Codec.ToWire(k));
            Check(w.ToArray().SequenceEqual(skeletonBytes), "skeleton back to the same bytes");
            Check(k.SameAs((Skeleton)Codec.DecodeStream(skeletonBytes).Message) && !k.SameAs(null), "same skeleton");
            Func<Action<Dictionary<string, object>>, DecodeResult> badSkeleton = change => Codec.DecodeStream(SkeletonBytes(change));
            var forward = badSkeleton(b => b["parents"] = new List<object> { -1L, 2L, 1L });
            Check(forward.Status == DecodeStatus.Invalid && forward.Error.Contains("parents[1]"), "a parent after its child: " + forward.Error);
            Check(badSkeleton(b => b["parents"] = new List<object> { -2L, 0L, 1L }).Status == DecodeStatus.Invalid, "parent -2");
            var short_ = badSkeleton(b => b["parents"] = new List<object> { -1L, 0L });
            Check(short_.Status == DecodeStatus.Invalid && short_.Error.Contains("one entry per joint (3), got 2"), "parents too short: " + short_.Error);
            Check(badSkeleton(b => b["offsets"] = new List<object> { 1.0, 2.0, 3.0 }).Error.Contains("offsets[0]"), "an offset not a list");
            Check(badSkeleton(b => b["joints"] = new List<object> { "Hips", 3L, "Head" }).Status == DecodeStatus.Invalid, "a joint not a string");
            Check(badSkeleton(b => b.Remove("offsets")).Status == DecodeStatus.Invalid, "no offsets");

            var describe = new Reply { Ok = true };
            describe.Body["skeleton"] = SimulatedSidecar.SkeletonMap();
            var fromDescribe = Codec.SkeletonOf(describe, "host");
            Check(fromDescribe != null && fromDescribe.SameAs(k) && fromDescribe.Avatar == "host", "describe's skeleton");
            describe.Body["skeleton"] = new Dictionary<string, object> { { "joints", new List<object> { "Hips" } } };
            Check(Codec.SkeletonOf(describe, "host") == null && Codec.SkeletonOf(new Reply(), "host") == null, "no skeleton in describe");
        }

        private static PoseFrame Pose(double pts, params Quat[] rotations)
        {
            return new PoseFrame { Avatar = "host", Pts = pts, Rotations = rotations };
        }

        private static void PoseInterpolation()
        {
            // One frame apart at 60 fps a fast joint turns 0.1 rad (6 rad/s, a dance arm): nlerp against the exact
            // slerp angle at quarter steps.
            double worst = 0;
            for (int i = 0; i < 4; i++)
            {
                double alpha = i / 4.0;
                var m = PoseFrame.Interpolate(Pose(1.0, QuatMath.AxisAngle(0, 1, 0, 1.0)), Pose(1.0 + 1 / 60.0, QuatMath.AxisAngle(0, 1, 0, 1.1)), alpha);
                worst = Math.Max(worst, QuatMath.Angle(m.Rotations[0], QuatMath.AxisAngle(0, 1, 0, 1.0 + 0.1 * alpha)));
            }
            Check(worst < 0.01 * Math.PI / 180, "nlerp within 0.01 degrees of slerp (worst " + worst + " rad)");
            var a = Pose(1.0, Quat.Identity);
            a.Root = new[] { 0.0, 1.0, 0.0 };
            var b = Pose(2.0, new Quat(0f, 0f, 0f, -1f));  // the same rotation from the other hemisphere
            b.Root = new[] { 1.0, 1.0, 0.0 };
            var half = PoseFrame.Interpolate(a, b, 0.5);
            Check(QuatMath.Angle(half.Rotations[0], Quat.Identity) < 1e-6, "the short arc: no spin through 360 degrees");
            Check(half.Root[0] == 0.5 && half.Root[1] == 1.0 && half.Pts == 1.0, "root lerp, pts of a");
            var other = Pose(2.0, Quat.Identity, Quat.Identity);
            Check(PoseFrame.Interpolate(a, other, 0.3) == a && PoseFrame.Interpolate(a, other, 0.7) == other, "another skeleton: the nearer frame");
            var buffer = new JitterBuffer<PoseFrame>(PoseFrame.Interpolate);
            buffer.Push(Pose(1.0, QuatMath.AxisAngle(1, 0, 0, 0.0)));
            buffer.Push(Pose(1.0 + 1 / 60.0, QuatMath.AxisAngle(1, 0, 0, 0.05)));
            PoseFrame sampled;
            Check(buffer.TrySample(1.0 + 0.5 / 60.0, out sampled), "pose sampled");
            Near(QuatMath.Angle(sampled.Rotations[0], QuatMath.AxisAngle(1, 0, 0, 0.025)), 0, 1e-6, "halfway between two poses");
            Check(QuatMath.Normalize(new Quat(0f, 0f, 0f, 0f)).W == 1f && QuatMath.Normalize(new Quat(float.NaN, 0f, 0f, 1f)).W == 1f, "degenerate rotations normalize to the identity");
        }

        // -- jitter buffer ------------------------------------------------------------------------------------------

        internal static FaceFrame Frame(double pts, float w0)
        {
            var f = new FaceFrame { Avatar = "host", Pts = pts };
            f.Weights[0] = w0;
            return f;
        }

        private static void JitterBufferBasics()
        {
            var buffer = new JitterBuffer<FaceFrame>(FaceFrame.Interpolate, 8, 0.05);
            FaceFrame out_;
            Check(!buffer.TrySample(0, out out_), "empty");
            Check(buffer.Push(Frame(1.0, 0f)) && buffer.Push(Frame(1.2, 1f)) && buffer.Push(Frame(1.1, 0.5f)), "pushes");
            Check(!buffer.Push(Frame(1.1, 0.9f)) && buffer.Stats.Duplicates == 1, "duplicate");
            Check(buffer.TrySample(0.5, out out_) && out_.Pts == 1.0, "before the first: the first");
            Check(buffer.TrySample(1.05, out out_), "sample");
            Near(out_.Weights[0], 0.25, 1e-6, "halfway between 1.0 and 1.1");
            Check(buffer.Push(Frame(1.01, 0f)), "between the shown frame and the next: kept");
            Check(!buffer.Push(Frame(0.99, 0f)) && buffer.Stats.Late == 1, "older than the shown frame: late");
            Check(buffer.TrySample(1.3, out out_) && out_.Pts == 1.2 && buffer.Stats.Underruns == 1, "held and counted");
            for (int i = 0; i < 20; i++) buffer.Push(Frame(2.0 + i, 0f));
            Check(buffer.Count == 8 && buffer.Stats.Overflow == 13, "overflow keeps the newest");
            Check(buffer.DropAfter(19.5) == 2 && buffer.NewestPts == 19.0, "drop after a cut");
            buffer.Clear();
            Check(buffer.Push(Frame(0.5, 0f)), "after clear an older timeline is accepted");
        }

        private static void JitterBufferSimulatedJitter()
        {
            // 60 fps frames sent `lookahead` before their pts, each delayed by 0.2 ms + exponential jitter (mean 8 ms,
            // capped at 90 ms): they arrive out of order. The engine renders at 144 Hz. Weight 0 = pts - 100.
            var random = new Random(7);
            const double lookahead = 0.1;
            var arrivals = new List<KeyValuePair<double, FaceFrame>>();
            for (int i = 0; i < 600; i++)
            {
                double pts = 100.0 + i / 60.0;
                double delay = 0.0002 + Math.Min(-0.008 * Math.Log(1 - random.NextDouble()), 0.09);
                arrivals.Add(new KeyValuePair<double, FaceFrame>(pts - lookahead + delay, Frame(pts, (float)(i / 60.0))));
            }
            arrivals.Sort((a, b) => a.Key.CompareTo(b.Key));
            int outOfOrder = 0;
            for (int i = 1; i < arrivals.Count; i++) if (arrivals[i].Value.Pts < arrivals[i - 1].Value.Pts) outOfOrder++;
            Check(outOfOrder > 10, "the simulation reorders frames");
            var buffer = new JitterBuffer<FaceFrame>(FaceFrame.Interpolate);
            int next = 0, samples = 0;
            double worst = 0;
            for (double t = 100.05; t < 109.5; t += 1.0 / 144)
            {
                while (next < arrivals.Count && arrivals[next].Key <= t) buffer.Push(arrivals[next++].Value);
                FaceFrame f;
                Check(buffer.TrySample(t, out f), "sample");
                worst = Math.Max(worst, Math.Abs(f.Weights[0] - (t - 100.0)));
                samples++;
            }
            Check(samples > 1300, "samples");
            Check(worst < 1e-4, "every sample interpolated between the right frames (worst " + worst + ")");
            Check(buffer.Stats.Late == 0 && buffer.Stats.Underruns == 0, "nothing late, no underrun");
        }

        // -- clock sync ---------------------------------------------------------------------------------------------

        /// <summary>Ping once a second; sidecar clock = local * (1 + skew) + offset; one-way delays 0.1 ms +
        /// exponential queueing (mean 3 ms up, 1 ms down: asymmetric). Returns (offset error now, fitted skew).</summary>
        private static double[] SimulateClock(double trueOffset, double trueSkew, int seconds, int seed)
        {
            var random = new Random(seed);
            var sync = new ClockSync();
            double local = 1000.0;
            for (int i = 0; i < seconds; i++)
            {
                double atServer = local + 0.0001 - 0.003 * Math.Log(1 - random.NextDouble());
                double tServer = atServer * (1 + trueSkew) + trueOffset;
                double tReceive = atServer + 0.0001 - 0.001 * Math.Log(1 - random.NextDouble());
                Check(sync.AddSample(local, tServer, tReceive), "sample accepted");
                local += 1.0;
            }
            double now = local + 0.5;
            return new[] { sync.ToSidecar(now) - (now * (1 + trueSkew) + trueOffset), sync.Skew };
        }

        private static void ClockSyncTests()
        {
            var sync = new ClockSync();
            Check(!sync.Synced && sync.Offset(5) == 0, "nothing yet");
            Check(!sync.AddSample(2.0, 10.0, 1.0) && !sync.AddSample(double.NaN, 10, 1), "impossible samples refused");
            Check(sync.AddSample(1.0, 11.5, 1.01), "sample");
            Near(sync.Offset(1.005), 10.495, 1e-9, "offset of one sample");
            Check(sync.AddSample(2.0, 12.5, 2.002), "faster sample");
            Near(sync.Rtt, 0.002, 1e-9, "the faster exchange wins");
            Near(sync.Offset(2.001), 10.499, 1e-9, "its offset");
            var steady = SimulateClock(123.456, 0, 60, 1);
            Near(steady[0], 0, 0.0005, "offset error without skew");
            var skewed = SimulateClock(-42.0, 200e-6, 60, 2);
            Near(skewed[1], 200e-6, 60e-6, "fitted skew");
            Near(skewed[0], 0, 0.0008, "offset error with 200 ppm skew");
        }

        // -- audio ring ---------------------------------------------------------------------------------------------

        private static short[] Ramp(int n, int from)
        {
            var v = new short[n];
            for (int i = 0; i < n; i++) v[i] = (short)(from + i);
            return v;
        }

        private static int Sample(float f) { return (int)Math.Round(f * 32768); }

        private static void AudioRingTests()
        {
            const int rate = 1000;  // 1 sample = 1 ms
            var ring = new AudioRing(4096, 0.02);
            var out_ = new float[200];
            Check(ring.Read(out_, 0, 10, 1, rate, 0.0) == 0, "nothing yet");
            ring.Write(Ramp(100, 1), 10.0, rate);
            ring.Write(Ramp(100, 101), 10.1, rate);
            Check(ring.Buffered == 200 && ring.Stats.GapFilled == 0, "contiguous chunks");
            Near(ring.EndPts, 10.2, 1e-9, "end pts");
            Check(ring.Read(out_, 0, 50, 1, rate, 9.98) == 30, "20 of silence, then audio");
            Check(Sample(out_[19]) == 0 && Sample(out_[20]) == 1 && Sample(out_[49]) == 30, "from the first sample");
            Check(ring.Read(out_, 0, 10, 1, rate, 10.035) == 10 && Sample(out_[0]) == 31 && ring.Stats.Resyncs == 0, "a 5 ms wobble stays continuous");
            Check(ring.Read(out_, 0, 10, 1, rate, 10.09) == 10 && Sample(out_[0]) == 91, "a 50 ms jump is followed");
            Check(ring.Stats.Resyncs == 1 && ring.Stats.Late == 50, "and the skipped samples are late");
            ring.Write(Ramp(10, 500), 10.25, rate);
            Check(ring.Stats.GapFilled == 50, "a gap becomes silence");
            ring.Write(Ramp(10, 700), 10.255, rate);
            Check(ring.Stats.Overlap == 5 && ring.Buffered == 165, "an overlap is trimmed");
            Check(ring.DropAfter(10.15) == 115, "an interrupt drops what follows the cut");
            Near(ring.EndPts, 10.15, 1e-9, "end at the cut");
            Check(ring.Read(out_, 0, 100, 1, rate, 10.1) == 50 && Sample(out_[49]) == 150 && out_[50] == 0, "then silence");
            ring.Write(Ramp(40, 1), 10.18, rate);  // the reader is at 10.2
            Check(ring.Buffered == 20 && ring.Stats.Late == 70, "a chunk's late head is dropped");
            ring.Write(Ramp(10, 1), 20.0, 2000);
            Check(ring.Rate == 2000 && ring.Buffered == 10, "a new rate starts over");
            var stereo = new float[20];
            ring.Read(stereo, 0, 10, 2, 2000, 20.0);
            Check(Sample(stereo[0]) == 1 && Sample(stereo[1]) == 1 && Sample(stereo[18]) == 10 && Sample(stereo[19]) == 10, "every channel gets the voice");
            var small = new AudioRing(1024);
            small.Write(Ramp(1000, 0), 0.0, rate);
            small.Write(Ramp(100, 0), 1.0, rate);
            Check(small.Buffered == 1024 && small.Stats.Overflow == 76, "overflow keeps the newest");
            Near(small.StartPts, 0.076, 1e-9, "start after overflow");
        }

        private static void AudioRingResampling()
        {
            // A 22050 Hz ramp read at 48000 Hz in 1024-frame blocks: each output frame is the linear interpolation at
            // its time, blocks join without a seam, and every source sample is consumed once.
            var ring = new AudioRing();
            var ramp = new short[22050];
            for (int i = 0; i < ramp.Length; i++) ramp[i] = (short)(i % 20000);
            ring.Write(ramp, 5.0, 22050);
            var block = new float[1024];
            int frames = 0, worst = 0;
            double t = 5.0;
            for (int b = 0; b < 40; b++)
            {
                double jitter = b == 0 ? 0.0 : (b % 2 == 0 ? 0.003 : -0.003);  // callbacks run early or late
                ring.Read(block, 0, 1024, 1, 48000, t + jitter);
                for (int j = 0; j < 1024; j++, frames++)
                {
                    double source = frames * 22050.0 / 48000.0;
                    int i = (int)Math.Floor(source);
                    if (i + 1 >= 20000) continue;  // the ramp wraps there
                    double expected = i + (source - i) * 1.0;
                    worst = Math.Max(worst, (int)Math.Abs(block[j] * 32768 - expected));
                }
                t += 1024.0 / 48000;
            }
            Check(worst <= 1, "interpolated values (worst error " + worst + " LSB)");
            Check(ring.Stats.Resyncs == 0 && ring.Stats.Late == 0, "continuous across jittery reads");
            Near(ring.Stats.Played, Math.Floor(40 * 1024 * 22050.0 / 48000), 1, "source samples consumed");
        }
    }
}

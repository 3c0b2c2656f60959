// The C# session against a simulated sidecar on a virtual clock: network delay with jitter, a sidecar clock with
// an offset and a skew, takes with audio, interrupts, garbage on the wire and a restart. A test double: the real
// sidecar and the real sockets are exercised by the C++ client's tests (tests/test_engine_cores.py).
using System;
using System.Collections.Generic;
using AvatarBridge.Core;

namespace AvatarBridge.CoreTests
{
    /// <summary>A sidecar as the session sees it through ITransport, on virtual time.</summary>
    internal sealed class SimulatedSidecar : ITransport
    {
        public const int Rate = 22050;
        public const int Chunk = 512;
        public double Now;  // local (engine) time
        public double Offset = 50.0, Skew = 100e-6;  // sidecar clock = Now * (1 + Skew) + Offset
        public double Lookahead = 0.1, Period = 1.0 / 60;
        public double T0;  // sidecar time the face weights count from (w0 = pts - T0)
        public bool Up = true;
        public string TakeId;
        public double TakeStart, CutPts = double.NaN;
        public short[] TakeAudio;
        public int TakesStarted;

        private readonly Random random;
        private bool connected;
        private long faceSeq, audioSeq, eventSeq, poseSeq;
        private double lastSkeleton = double.NegativeInfinity;
        /// <summary>The body: three joints; the Hips turn about +Y by PoseTurn radians per second since T0.</summary>
        public static readonly string[] Joints = { "Hips", "Spine", "Head" };
        public const double PoseTurn = 0.5;
        private int audioCursor;
        private bool takeEnded = true;
        private double nextTick, lastStreamDelivery, lastControlDelivery;
        private readonly List<KeyValuePair<double, byte[]>> requests = new List<KeyValuePair<double, byte[]>>();
        private readonly List<TransportMessage> outgoing = new List<TransportMessage>();

        public SimulatedSidecar(int seed)
        {
            random = new Random(seed);
            Now = 1000.0;
            T0 = SidecarAt(Now);
        }

        public double SidecarAt(double local) { return local * (1 + Skew) + Offset; }

        /// <summary>One-way network delay: 0.3 ms + exponential queueing (mean 4 ms).</summary>
        private double Delay() { return 0.0003 - 0.004 * Math.Log(1 - random.NextDouble()); }

        // -- ITransport -------------------------------------------------------------------------------------------

        public void Connect(string control, string stream, string subscribePrefix) { connected = true; }

        public bool TrySend(byte[] request)
        {
            if (!Up || !connected) return false;
            requests.Add(new KeyValuePair<double, byte[]>(Now + Delay(), request));
            return true;
        }

        public bool TryReceive(out TransportMessage message)
        {
            for (int i = 0; i < outgoing.Count; i++)
            {
                if (outgoing[i].LocalTime > Now) continue;
                message = outgoing[i];
                outgoing.RemoveAt(i);
                return true;
            }
            message = new TransportMessage();
            return false;
        }

        public void ResetControl() { outgoing.RemoveAll(m => !m.IsStream); }

        public void Dispose() { connected = false; }

        // -- the sidecar's side -----------------------------------------------------------------------------------

        /// <summary>Deliver in order on each socket (TCP keeps order; jitter bunches messages up).</summary>
        public void Publish(byte[][] frames, bool stream = true)
        {
            double at = Math.Max(stream ? lastStreamDelivery : lastControlDelivery, Now + Delay());
            if (stream) lastStreamDelivery = at;
            else lastControlDelivery = at;
            outgoing.Add(new TransportMessage { IsStream = stream, Frames = frames, LocalTime = at });
        }

        private void PublishMap(string kind, Dictionary<string, object> body)
        {
            var w = new MsgPackWriter();
            w.Value(body);
            Publish(new[] { System.Text.Encoding.UTF8.GetBytes("host/" + kind), w.ToArray() });
        }

        private void Event(string type, double pts, string take)
        {
            PublishMap("event", new Dictionary<string, object>
            {
                { "v", 1L }, { "kind", "event" }, { "avatar", "host" }, { "seq", eventSeq++ }, { "pts", pts },
                { "type", type }, { "take", take },
            });
        }

        public void Audio(string take, double pts, short[] pcm)
        {
            var bytes = new byte[pcm.Length * 2];
            Buffer.BlockCopy(pcm, 0, bytes, 0, bytes.Length);  // little-endian hosts, like the sidecar's
            PublishMap("audio", new Dictionary<string, object>
            {
                { "v", 1L }, { "kind", "audio" }, { "avatar", "host" }, { "take", take }, { "seq", audioSeq++ },
                { "pts", pts }, { "rate", (long)Rate }, { "pcm", bytes },
            });
        }

        /// <summary>Take the next pose number (a test's own pose in the stream, without a gap).</summary>
        public long NextPoseSeq() { return poseSeq++; }

        public static Dictionary<string, object> SkeletonMap()
        {
            return new Dictionary<string, object>
            {
                { "joints", new List<object>(Joints) }, { "parents", new List<object> { -1L, 0L, 1L } },
                { "offsets", new List<object> { new List<object> { 0.0, 0.0, 0.0 }, new List<object> { 0.0, 0.1, 0.0 }, new List<object> { 0.0, 0.5, 0.0 } } },
            };
        }

        /// <summary>Go down (no stream, no replies); back up with fresh numbering and a new clock.</summary>
        public void GoDown()
        {
            Up = false;
            outgoing.Clear();
            requests.Clear();
        }

        public void ComeBack(double newOffset)
        {
            Up = true;
            Offset = newOffset;
            faceSeq = audioSeq = eventSeq = poseSeq = 0;
            lastSkeleton = double.NegativeInfinity;
            T0 = SidecarAt(Now);
            takeEnded = true;
            TakeAudio = null;
        }

        /// <summary>Advance virtual time by dt in 1 ms steps: answer requests, tick the performer.</summary>
        public void Advance(double dt)
        {
            double until = Now + dt;
            while (Now < until)
            {
                Now = Math.Min(until, Now + 0.001);
                if (!Up) continue;
                for (int i = 0; i < requests.Count;)
                {
                    if (requests[i].Key > Now)
                    {
                        i++;
                        continue;
                    }
                    var raw = requests[i].Value;
                    requests.RemoveAt(i);
                    Handle((Dictionary<string, object>)MsgPack.Decode(raw));
                }
                if (Now >= nextTick)
                {
                    Tick(SidecarAt(Now) + Lookahead);
                    nextTick = Now + Period;
                }
            }
        }

        private void Handle(Dictionary<string, object> request)
        {
            var reply = new Dictionary<string, object> { { "id", request["id"] }, { "ok", true } };
            double now = SidecarAt(Now);
            switch ((string)request["op"])
            {
                case "ping":
                    reply["t_client"] = request["t_client"];
                    reply["t_server"] = now;
                    break;
                case "describe":
                    reply["protocol_version"] = 1L;
                    reply["blendshapes"] = new List<object>(Arkit.Blendshapes);
                    reply["audio"] = new Dictionary<string, object> { { "rate", (long)Rate } };
                    reply["skeleton"] = SkeletonMap();
                    break;
                case "say":
                    TakeId = "t" + (++TakesStarted);
                    int n = (int)(Rate * (((string)request["text"]).Length > 20 ? 3.0 : 1.2));
                    TakeAudio = new short[n];
                    for (int i = 0; i < n; i++) TakeAudio[i] = (short)(3000 + 2000 * Math.Sin(i * 0.05));  // never 0
                    TakeStart = now + Lookahead;
                    audioCursor = 0;
                    takeEnded = false;
                    CutPts = double.NaN;
                    Event("take_started", TakeStart, TakeId);
                    reply["take"] = TakeId;
                    break;
                case "interrupt":
                    CutPts = now;
                    if (!takeEnded) Event("interrupted", now, TakeId);
                    takeEnded = true;
                    reply["pts"] = now;
                    break;
            }
            var w = new MsgPackWriter();
            w.Value(reply);
            Publish(new[] { w.ToArray() }, false);
        }

        private void Tick(double t)
        {
            if (!takeEnded && TakeAudio != null)
            {
                while (audioCursor < TakeAudio.Length)
                {
                    double pts = TakeStart + (double)audioCursor / Rate;
                    if (pts >= t + Period) break;
                    int n = Math.Min(Chunk, TakeAudio.Length - audioCursor);
                    var pcm = new short[n];
                    Array.Copy(TakeAudio, audioCursor, pcm, 0, n);
                    Audio(TakeId, pts, pcm);
                    audioCursor += n;
                }
                double end = TakeStart + (double)TakeAudio.Length / Rate;
                if (audioCursor >= TakeAudio.Length && end <= t + Period)
                {
                    Event("take_ended", end, TakeId);
                    takeEnded = true;
                }
            }
            Publish(new[] { System.Text.Encoding.UTF8.GetBytes("host/face"), Program.FaceBytes(faceSeq++, t, (float)(t - T0)) });
            if (t - lastSkeleton >= 1.0)
            {
                lastSkeleton = t;
                var skeleton = SkeletonMap();
                skeleton["v"] = 1L;
                skeleton["kind"] = "skeleton";
                skeleton["avatar"] = "host";
                PublishMap("skeleton", skeleton);
            }
            Publish(new[] { System.Text.Encoding.UTF8.GetBytes("host/pose"), Program.PoseBytes(poseSeq++, t, (t - T0) * PoseTurn, Joints.Length) });
        }
    }

    /// <summary>An audio device on its own sample clock: 1024-frame blocks at 48 kHz.</summary>
    internal sealed class VirtualDevice
    {
        public const int OutputRate = 48000, Block = 1024;
        private readonly float[] buffer = new float[Block];
        private double anchor = double.NaN;
        private long frames;
        public double FirstAudible = double.NaN, LastAudible = double.NaN;  // true sidecar times
        public long AudibleFrames;

        public void Run(BridgeSession session, SimulatedSidecar sim)
        {
            if (double.IsNaN(anchor)) anchor = sim.Now;
            while (anchor + (double)frames / OutputRate <= sim.Now)
            {
                double t = anchor + (double)frames / OutputRate;
                session.ReadAudio(buffer, 0, Block, 1, OutputRate, t);
                for (int j = 0; j < Block; j++)
                {
                    if (buffer[j] == 0f) continue;
                    double at = sim.SidecarAt(t + (double)j / OutputRate);
                    if (double.IsNaN(FirstAudible)) FirstAudible = at;
                    LastAudible = at;
                    AudibleFrames++;
                }
                frames += Block;
            }
        }
    }

    internal static partial class Program
    {
        // With 4 ms mean one-way jitter and a 100 ppm skew the clock holds to a few milliseconds: far inside the
        // ~45 ms at which people notice sound leading the picture.
        private const double ClockTolerance = 0.003;

        private sealed class Rig
        {
            public SimulatedSidecar Sim;
            public BridgeSession Session;
            public VirtualDevice Device;
            public List<BridgeEvent> Events = new List<BridgeEvent>();
            public double WorstFaceError, WorstPoseError;
            public int FaceSamples, PoseSamples, SkeletonChanges;

            /// <summary>Run `seconds` of virtual time: the engine renders at 60 Hz (sampling the face, checking it
            /// against the sidecar's true clock) and the device plays.</summary>
            public void Run(double seconds, Func<bool> until = null)
            {
                double end = Sim.Now + seconds;
                while (Sim.Now < end)
                {
                    Sim.Advance(1.0 / 60);
                    Session.Pump(Sim.Now);
                    FaceFrame f;
                    if (Sim.Up && Session.State == ConnectionState.Connected && Session.TrySampleFace(Sim.Now, out f) && Session.Stats().ClockSamples >= 8)
                    {
                        // The frames carry w0 = pts - T0, so the face shown now should read "now" on the sidecar.
                        double expected = Sim.SidecarAt(Sim.Now) - Sim.T0;
                        if (f.Pts >= Sim.T0 + Sim.Lookahead)
                        {
                            WorstFaceError = Math.Max(WorstFaceError, Math.Abs(f.Weights[0] - expected));
                            FaceSamples++;
                        }
                    }
                    PoseFrame p;
                    Skeleton joints;
                    if (Sim.Up && Session.State == ConnectionState.Connected && Session.TrySamplePose(Sim.Now, out p, out joints) && Session.Stats().ClockSamples >= 8)
                    {
                        // The Hips turn PoseTurn rad/s about +Y: the angle shown now should be the sidecar's now.
                        double expected = (Sim.SidecarAt(Sim.Now) - Sim.T0) * SimulatedSidecar.PoseTurn;
                        if (p.Pts >= Sim.T0 + Sim.Lookahead && joints.Count == p.Rotations.Length)
                        {
                            double error = 2 * Math.Atan2(p.Rotations[0].Y, p.Rotations[0].W) - expected;
                            error = Math.IEEERemainder(error, 2 * Math.PI);  // the angle grows past a turn
                            WorstPoseError = Math.Max(WorstPoseError, Math.Abs(error));
                            PoseSamples++;
                        }
                    }
                    if (Device != null) Device.Run(Session, Sim);
                    if (until != null && until()) return;
                }
            }

            public BridgeEvent Last(string type)
            {
                return Events.FindLast(e => e.Type == type);
            }
        }

        private static Rig Connected(int seed)
        {
            var rig = new Rig { Sim = new SimulatedSidecar(seed) };
            rig.Session = new BridgeSession(new SessionConfig { Control = "tcp://127.0.0.1:5555" }, rig.Sim);
            rig.Session.EventReceived += e => rig.Events.Add(e);
            rig.Session.SkeletonChanged += s => rig.SkeletonChanges++;
            rig.Session.Start();
            rig.Run(12.0);  // connect, describe, ping burst, then a few 1 s pings so skew can be fitted
            Check(rig.Session.State == ConnectionState.Connected, "connected");
            Check(rig.Session.Info.ProtocolVersion == 1 && rig.Session.Info.AudioRate == 22050, "described");
            return rig;
        }

        private static void SessionPlaysATake()
        {
            var rig = Connected(1);
            var stats = rig.Session.Stats();
            Check(stats.ClockSamples >= 8, "clock synced");
            Near(rig.Session.SidecarTime(rig.Sim.Now), rig.Sim.SidecarAt(rig.Sim.Now), ClockTolerance, "clock error with 100 ppm skew and jitter");
            rig.Device = new VirtualDevice();
            Reply reply = null;
            rig.Session.Say("Hello there.", null, r => reply = r, rig.Sim.Now);
            rig.Run(3.0);
            Check(reply != null && reply.Ok && reply.Text("take") == "t1", "say replied");
            var started = rig.Last("take_started");
            var ended = rig.Last("take_ended");
            Check(started != null && ended != null, "take_started and take_ended arrived");
            if (started == null || ended == null) return;
            // The device heard the take where its pts put it: within a millisecond (clock error) and its length.
            Near(rig.Device.FirstAudible, started.Pts, ClockTolerance, "first audible sample");
            Near(rig.Device.LastAudible, ended.Pts, ClockTolerance, "last audible sample");
            Near(rig.Device.AudibleFrames / (double)VirtualDevice.OutputRate, 1.2, 0.002, "audible duration");
            Check(rig.FaceSamples > 800, "face sampled");
            Check(rig.WorstFaceError < ClockTolerance, "the face shown is the one due now (worst " + rig.WorstFaceError + " s)");
            stats = rig.Session.Stats();
            Check(stats.Lost == 0 && stats.FaceBuffer.Underruns == 0 && stats.FaceBuffer.Late == 0, "nothing lost or late");
            Check(stats.AudioRing.Resyncs == 0 && stats.AudioRing.Late == 0, "audio continuous");
            // The body: a skeleton from describe and every second, a pose per tick, due at the same clock as the face.
            Check(rig.Session.Info.Skeleton != null && rig.Session.Info.Skeleton.Count == 3, "describe gave the skeleton");
            Check(stats.SkeletonJoints == 3 && stats.Skeletons >= 14 && stats.PoseMismatch == 0, "skeleton every second (" + stats.Skeletons + ")");
            Check(Math.Abs(stats.Pose - stats.Face) <= 1 && stats.Pose > 800, "a pose per face frame (" + stats.Pose + ")");
            Check(rig.PoseSamples > 800, "pose sampled");
            // 0.5 rad/s times the clock error, plus interpolation: well under a tenth of a degree.
            Check(rig.WorstPoseError < SimulatedSidecar.PoseTurn * ClockTolerance + 1e-4, "the pose shown is the one due now (worst " + rig.WorstPoseError + " rad)");
            Check(stats.PoseBuffer.Late == 0 && stats.PoseBuffer.Underruns == 0, "no pose late or missing");
            Check(rig.SkeletonChanges == 1, "one skeleton change: the re-sent skeleton changes nothing (" + rig.SkeletonChanges + ")");
        }

        private static void SessionInterruptFlushes()
        {
            var rig = Connected(2);
            rig.Device = new VirtualDevice();
            SessionStats atCut = null;
            rig.Session.EventReceived += e =>
            {
                if (e.Type == "interrupted") atCut = rig.Session.Stats();  // right after the cut was applied
            };
            rig.Session.Say("A long line that goes on for a while.", null, null, rig.Sim.Now);
            rig.Run(5.0, () => rig.Last("take_started") != null && rig.Sim.SidecarAt(rig.Sim.Now) > rig.Last("take_started").Pts + 1.0);
            Reply reply = null;
            rig.Session.Interrupt(r => reply = r, rig.Sim.Now);
            rig.Run(0.5);
            double cut = rig.Sim.CutPts;
            Check(reply != null && reply.Ok && reply.Number("pts") == cut, "interrupt replied with the cut");
            Check(atCut != null, "interrupted event delivered");
            if (atCut == null) return;
            Check(atCut.AudioRing.Flushed > 0 && atCut.FaceBuffer.Flushed > 0, "buffers held audio and frames past the cut");
            Check(atCut.AudioEndPts <= cut + 1.0 / SimulatedSidecar.Rate, "no audio after the cut");
            Check(atCut.FaceNewestPts <= cut, "no frame after the cut");
            Check(atCut.PoseBuffer.Flushed > 0 && atCut.PoseNewestPts <= cut, "no pose after the cut");
            // A chunk of the cut take still in flight is dropped on arrival.
            rig.Sim.Audio(rig.Sim.TakeId, cut + 0.2, new short[] { 1, 2, 3 });
            rig.Run(0.5);
            Check(rig.Session.Stats().StaleAudio == 1, "stale audio of the interrupted take dropped");
            Check(rig.Device.LastAudible <= cut + (double)VirtualDevice.Block / VirtualDevice.OutputRate + ClockTolerance,
                  "nothing heard past the cut but the block already handed out");
            rig.Session.Say("Next.", null, null, rig.Sim.Now);
            rig.Run(2.0);
            Check(rig.Last("take_ended") != null && rig.Last("take_ended").Take == "t2", "the next take plays");
        }

        private static void SessionSkipsAndCounts()
        {
            var rig = Connected(3);
            var sim = rig.Sim;
            var topic = System.Text.Encoding.UTF8.GetBytes("host/face");
            var good = FaceBytes(999999, sim.SidecarAt(sim.Now));
            var truncated = new byte[good.Length / 2];
            Array.Copy(good, truncated, truncated.Length);
            sim.Publish(new[] { topic, truncated });
            sim.Publish(new[] { topic, new byte[] { 0xc1, 0xc1 } });
            sim.Publish(new[] { topic });  // one frame
            sim.Publish(new[] { topic, good, good });  // three frames
            sim.Publish(new[] { topic, FaceBytes(0, 0, 0, b => b["kind"] = "hologram") });
            sim.Publish(new[] { topic, FaceBytes(0, 0, 0, b => b["v"] = 2L) });
            sim.Publish(new[] { topic, FaceBytes(0, 0, 0, b => b.Remove("w")) });
            sim.Publish(new[] { topic, FaceBytes(0, 0, 0, null, "hostess") });
            sim.Publish(new[] { good }, false);  // a stream map on the control socket: no id, ignored
            var poseTopic = System.Text.Encoding.UTF8.GetBytes("host/pose");
            sim.Publish(new[] { poseTopic, PoseBytes(0, sim.SidecarAt(sim.Now), 0, 3, b => b["q"] = new byte[40]) });
            sim.Publish(new[] { poseTopic, PoseBytes(sim.NextPoseSeq(), sim.SidecarAt(sim.Now), 0, 5) });  // 5 joints, skeleton of 3
            rig.Run(1.0);
            var s = rig.Session.Stats();
            Check(s.Malformed == 4, "malformed: truncated, garbage, one frame, three frames (" + s.Malformed + ")");
            Check(s.UnknownKind == 1 && s.VersionMismatch == 1 && s.Invalid == 2 && s.OtherAvatar == 1 && s.PoseMismatch == 1, "skipped and counted (" + s.UnknownKind + s.VersionMismatch + s.Invalid + s.OtherAvatar + " " + s.LastError + ")");
            Check(s.Restarts == 0 && s.Lost == 0, "no false restart or loss");
            Check(rig.Session.State == ConnectionState.Connected, "still connected");
            Check(rig.WorstFaceError < ClockTolerance, "the face kept playing (worst " + rig.WorstFaceError + " s)");
            Check(rig.WorstPoseError < 0.002, "the body kept playing (worst " + rig.WorstPoseError + " rad)");
        }

        private static void SessionSurvivesRestart()
        {
            var rig = Connected(4);
            rig.Sim.GoDown();
            Reply whileDown = null;
            rig.Session.Say("anyone there?", null, r => whileDown = r, rig.Sim.Now);
            rig.Run(6.0);
            Check(rig.Session.State == ConnectionState.Reconnecting, "reconnecting while it is down");
            Check(whileDown != null && whileDown.ErrorCode == "not_connected", "a request while down fails, not late");
            rig.Sim.ComeBack(-20.0);  // a new process: seq from 0, another clock
            rig.WorstFaceError = rig.WorstPoseError = 0;
            rig.PoseSamples = 0;
            rig.Run(12.0);
            var s = rig.Session.Stats();
            Check(rig.Session.State == ConnectionState.Connected, "connected again");
            Check(s.Reconnects == 1, "one reconnect");
            Near(rig.Session.SidecarTime(rig.Sim.Now), rig.Sim.SidecarAt(rig.Sim.Now), ClockTolerance, "the new clock is measured");
            Check(rig.WorstFaceError < ClockTolerance, "the face follows the new sidecar");
            Check(rig.PoseSamples > 0 && rig.WorstPoseError < 0.002, "the body follows the new sidecar (worst " + rig.WorstPoseError + " rad)");
            Reply reply = null;
            rig.Session.Say("I am back.", null, r => reply = r, rig.Sim.Now);
            rig.Run(2.0);
            Check(reply != null && reply.Ok, "requests work again");
        }

        /// <summary>An event as the sidecar publishes it, from run `run`.</summary>
        private static byte[] EventBytes(long seq, string run)
        {
            var w = new MsgPackWriter();
            w.Value(new Dictionary<string, object>
            {
                { "v", 1L }, { "kind", "event" }, { "avatar", "host" }, { "seq", seq }, { "pts", 0.0 },
                { "type", "take_ended" }, { "take", null }, { "run", run },
            });
            return w.ToArray();
        }

        private static void SessionTellsRestartByRun()
        {
            var rig = Connected(5);
            var topic = System.Text.Encoding.UTF8.GetBytes("host/event");
            rig.Sim.Publish(new[] { topic, EventBytes(0, "aaaa1111") });
            rig.Sim.Publish(new[] { topic, EventBytes(1, "aaaa1111") });
            rig.Run(0.5);
            Check(rig.Session.Stats().Restarts == 0, "one run: no restart");
            // Another run whose event seq goes on (its first events lost to a slow reconnect): a restart, not 3 lost.
            rig.Sim.Publish(new[] { topic, EventBytes(5, "bbbb2222") });
            rig.Sim.Publish(new[] { topic, EventBytes(6, "bbbb2222") });
            rig.Run(0.5);
            var s = rig.Session.Stats();
            Check(s.Restarts == 1 && s.Lost == 0, "another run is a restart, not loss (" + s.Restarts + ", " + s.Lost + ")");
            // Another run with seq back at 0: one restart, not one for the run and one for the seq.
            rig.Sim.Publish(new[] { topic, EventBytes(0, "cccc3333") });
            rig.Run(0.5);
            s = rig.Session.Stats();
            Check(s.Restarts == 2 && s.Lost == 0, "one restart per run (" + s.Restarts + ", " + s.Lost + ")");
        }
    }
}

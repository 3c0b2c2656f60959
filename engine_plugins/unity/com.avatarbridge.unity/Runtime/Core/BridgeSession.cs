// The engine-agnostic client of one avatar: pumped from one thread, it decodes what the transport received, keeps
// the clock in sync, fills face and pose jitter buffers (sampled by the render thread) and an audio ring (read by
// the audio thread), keeps the latest skeleton, handles interrupts, restarts and reconnects, and counts everything
// it skips. Mirrors the C++ Client.
using System;
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    public sealed class SessionConfig
    {
        public string Control = "tcp://127.0.0.1:5555";
        public string Stream = "";  // "" = the control endpoint with its port + 1
        public string Avatar = "host";
        public double RequestTimeout = 5.0;
        public double SilenceTimeout = 1.0;  // no stream message this long: the sidecar is gone, reconnect
        public double PingInterval = 1.0;
        public int PingBurst = 8;
        public int ClockWindow = 16;
        public double JitterDelay = 0.0;  // extra playout delay on top of the sidecar's lookahead (s)
        public int FaceCapacity = 600;
        public int PoseCapacity = 600;
        public int AudioCapacity = 1 << 20;
    }

    public enum ConnectionState { Stopped, Connecting, Connected, Reconnecting }

    public sealed class SessionStats
    {
        public ConnectionState State;
        public long Received, Audio, Face, Pose, Skeletons, Phonemes, Words, Events;
        public long Malformed, VersionMismatch, UnknownKind, Invalid, OtherAvatar;
        /// <summary>Pose frames skipped because their joint count is not the skeleton's.</summary>
        public long PoseMismatch;
        public long Lost, Restarts, Reconnects, StaleAudio;
        public long RequestsSent, RequestsFailed;
        public JitterStats FaceBuffer, PoseBuffer;
        public AudioStats AudioRing;
        public int FaceBuffered, PoseBuffered, AudioBuffered, SkeletonJoints;
        public double FaceNewestPts, PoseNewestPts, AudioEndPts;
        public double ClockOffset, ClockRtt, ClockSkew;
        public int ClockSamples;
        public int ProtocolVersion;
        public string LastError = "";

        public SessionStats Copy() { return (SessionStats)MemberwiseClone(); }
    }

    /// <summary>The latest `describe` reply, fetched on every (re)connect.</summary>
    public sealed class SidecarInfo
    {
        public int ProtocolVersion;
        public List<string> Avatars = new List<string>();
        public List<string> Blendshapes = new List<string>();
        public int AudioRate;
        public double FrameRate, Lookahead;
        public string Voice = "";
        /// <summary>The body's joints (null when the sidecar has no body).</summary>
        public Skeleton Skeleton;
    }

    public sealed class BridgeSession
    {
        private const double PingTimeout = 1.0;
        private const int InterruptedTakesKept = 64;

        private enum Purpose { User, Ping, Describe }

        private sealed class Pending
        {
            public Purpose Purpose;
            public Request Request;
            public Action<Reply> OnReply;
            public double TSend, Deadline;
            public bool Sent;
        }

        private readonly SessionConfig config;
        private readonly ITransport transport;
        private readonly object sync = new object();  // clock, face, pose, skeleton vs readers on other threads
        private readonly object audioSync = new object();  // the audio ring, shared with the audio thread
        private readonly ClockSync clock;
        private readonly JitterBuffer<FaceFrame> face;
        private readonly JitterBuffer<PoseFrame> pose;
        private Skeleton skeleton;
        private readonly TakeTimeline takes = new TakeTimeline();
        private readonly AudioRing audio;
        private readonly SessionStats stats = new SessionStats();
        private readonly List<Pending> outbox = new List<Pending>();  // not yet sent (no connection yet)
        private readonly Dictionary<long, Pending> pending = new Dictionary<long, Pending>();  // sent, awaiting reply
        private readonly Dictionary<string, long> lastSeq = new Dictionary<string, long>();
        private string streamRun;  // of the sidecar the stream comes from, as its events say (null until one does)
        private readonly List<string> interruptedTakes = new List<string>();
        private long nextId = 1;
        private double lastStream, nextPing, lastPump;
        private bool pingInFlight, describeWanted = true;

        public BridgeSession(SessionConfig config, ITransport transport)
        {
            this.config = config;
            this.transport = transport;
            if (string.IsNullOrEmpty(config.Stream)) config.Stream = DefaultStream(config.Control);
            clock = new ClockSync(config.ClockWindow);
            face = new JitterBuffer<FaceFrame>(FaceFrame.Interpolate, config.FaceCapacity);
            pose = new JitterBuffer<PoseFrame>(PoseFrame.Interpolate, config.PoseCapacity);
            audio = new AudioRing(config.AudioCapacity);
            Info = new SidecarInfo();
        }

        public ConnectionState State { get; private set; }
        public SidecarInfo Info { get; private set; }

        /// <summary>Raised during Pump, on the pumping thread.</summary>
        public event Action<BridgeEvent> EventReceived;
        public event Action<Phonemes> PhonemesReceived;
        public event Action<Words> WordsReceived;
        /// <summary>A skeleton different from the one before (the first, or a restarted sidecar's).</summary>
        public event Action<Skeleton> SkeletonChanged;
        /// <summary>Every delivered message with its local receive time (recorders, tests); during Pump.</summary>
        public event Action<StreamMessage, double> MessageDelivered;

        public void Start()
        {
            if (State != ConnectionState.Stopped) return;
            transport.Connect(config.Control, config.Stream, config.Avatar + "/");
            State = ConnectionState.Connecting;
        }

        public void Stop()
        {
            if (State == ConnectionState.Stopped) return;
            State = ConnectionState.Stopped;
            FailAll("stopped", "the session was stopped");
            transport.Dispose();
        }

        // -- requests -----------------------------------------------------------------------------------------------

        /// <summary>Queue a request; onReply runs during a later Pump with the reply or a local failure
        /// ("timeout", "not_connected", "stopped").</summary>
        public void Send(Request request, Action<Reply> onReply, double now)
        {
            if (State == ConnectionState.Stopped)
            {
                if (onReply != null) onReply(Reply.Failure("stopped", "the session is not started"));
                return;
            }
            outbox.Add(new Pending { Purpose = Purpose.User, Request = request, OnReply = onReply, Deadline = now + config.RequestTimeout });
        }

        public void Say(string text, string emotion, Action<Reply> onReply, double now)
        {
            Send(Request.Say(text, config.Avatar, emotion), onReply, now);
        }

        public void Interrupt(Action<Reply> onReply, double now)
        {
            Send(Request.Interrupt(config.Avatar), onReply, now);
        }

        // -- playout (any thread) -----------------------------------------------------------------------------------

        public double SidecarTime(double localTime)
        {
            lock (sync) return clock.ToSidecar(localTime);
        }

        /// <summary>The face to show at localTime (jitter delay applied). False until a frame has arrived.</summary>
        public bool TrySampleFace(double localTime, out FaceFrame frame)
        {
            lock (sync) return face.TrySample(clock.ToSidecar(localTime) - config.JitterDelay, out frame);
        }

        /// <summary>The body pose to show at localTime (jitter delay applied), and the skeleton its rotations follow.
        /// False until a pose and a skeleton have arrived.</summary>
        public bool TrySamplePose(double localTime, out PoseFrame frame, out Skeleton joints)
        {
            lock (sync)
            {
                joints = skeleton;
                if (skeleton != null) return pose.TrySample(clock.ToSidecar(localTime) - config.JitterDelay, out frame);
                frame = null;
                return false;
            }
        }

        /// <summary>The take being heard at localTime (jitter delay applied): its viseme, emotion and words; null
        /// when none.</summary>
        public TakeState CurrentTake(double localTime)
        {
            lock (sync) return takes.Current(clock.ToSidecar(localTime) - config.JitterDelay);
        }

        /// <summary>The latest skeleton (null before the first).</summary>
        public Skeleton Skeleton
        {
            get { lock (sync) return skeleton; }
        }

        /// <summary>Fill `frames` interleaved frames that start playing at localTime (see AudioRing.Read).</summary>
        public int ReadAudio(float[] dst, int offset, int frames, int channels, int outputRate, double localTime)
        {
            double t = SidecarTime(localTime) - config.JitterDelay;
            lock (audioSync) return audio.Read(dst, offset, frames, channels, outputRate, t);
        }

        /// <summary>A snapshot of the counters (call from the pumping thread).</summary>
        public SessionStats Stats()
        {
            var s = stats.Copy();
            s.State = State;
            lock (sync)
            {
                s.FaceBuffer = face.Stats.Copy();
                s.FaceBuffered = face.Count;
                s.FaceNewestPts = face.NewestPts;
                s.PoseBuffer = pose.Stats.Copy();
                s.PoseBuffered = pose.Count;
                s.PoseNewestPts = pose.NewestPts;
                s.SkeletonJoints = skeleton != null ? skeleton.Count : 0;
                s.ClockOffset = clock.Offset(lastPump);
                s.ClockRtt = clock.Rtt;
                s.ClockSkew = clock.Skew;
                s.ClockSamples = clock.SampleCount;
            }
            lock (audioSync)
            {
                s.AudioRing = audio.Stats.Copy();
                s.AudioBuffered = audio.Buffered;
                s.AudioEndPts = audio.EndPts;
            }
            return s;
        }

        // -- the pump -----------------------------------------------------------------------------------------------

        /// <summary>Handle everything received, send what is due, expire what timed out. Call every frame.</summary>
        public void Pump(double now)
        {
            if (State == ConnectionState.Stopped) return;
            lastPump = now;
            TransportMessage message;
            while (transport.TryReceive(out message))
            {
                if (message.IsStream) OnStream(message);
                else OnReply(message);
            }
            if (State == ConnectionState.Connected && now - lastStream > config.SilenceTimeout)
            {
                // The stream went silent: the sidecar is gone or restarting. A fresh control socket drops replies
                // that can no longer come and requests that must not reach the next sidecar late.
                State = ConnectionState.Reconnecting;
                stats.Reconnects++;
                stats.LastError = "no stream for " + config.SilenceTimeout + " s; reconnecting";
                FailPending("not_connected", "the sidecar stopped answering; reconnecting");
                transport.ResetControl();
            }
            SendDue(now);
            Expire(now);
        }

        private void OnStream(TransportMessage message)
        {
            lastStream = message.LocalTime;
            if (State != ConnectionState.Connected)
            {
                State = ConnectionState.Connected;
                Resync();  // (re)connected: the clock may differ (another sidecar, another machine)
            }
            stats.Received++;
            if (message.Frames == null || message.Frames.Length != 2)
            {
                Skip(ref stats.Malformed, "a stream message must be two frames [topic, map]");
                return;
            }
            var result = Codec.DecodeStream(message.Frames[1]);
            switch (result.Status)
            {
                case DecodeStatus.Ok: break;
                case DecodeStatus.Malformed: Skip(ref stats.Malformed, result.Error); return;
                case DecodeStatus.Version: Skip(ref stats.VersionMismatch, result.Error); return;
                case DecodeStatus.UnknownKind: Skip(ref stats.UnknownKind, result.Error); return;
                default: Skip(ref stats.Invalid, result.Error); return;
            }
            if (result.Message.Avatar != config.Avatar)
            {
                stats.OtherAvatar++;
                return;
            }
            if (Deliver(result.Message) && MessageDelivered != null) MessageDelivered(result.Message, message.LocalTime);
        }

        private void Skip(ref long counter, string error)
        {
            counter++;
            stats.LastError = error;
        }

        private bool Deliver(StreamMessage message)
        {
            if (message is Phonemes || message is Words || message is BridgeEvent) lock (sync) takes.Add(message);
            var f = message as FaceFrame;
            if (f != null)
            {
                TrackSeq("face", f.Seq);
                stats.Face++;
                lock (sync) face.Push(f);
                return true;
            }
            var body = message as PoseFrame;
            if (body != null)
            {
                TrackSeq("pose", body.Seq);
                lock (sync)
                {
                    if (skeleton != null && body.Rotations.Length != skeleton.Count)
                    {
                        stats.PoseMismatch++;
                        stats.LastError = "a pose of " + body.Rotations.Length + " joints for a skeleton of " + skeleton.Count;
                        return false;
                    }
                    pose.Push(body);
                }
                stats.Pose++;
                return true;
            }
            var joints = message as Skeleton;
            if (joints != null)
            {
                stats.Skeletons++;
                UseSkeleton(joints);
                return true;
            }
            var a = message as AudioChunk;
            if (a != null)
            {
                TrackSeq("audio", a.Seq);
                if (interruptedTakes.Contains(a.Take))
                {
                    stats.StaleAudio++;
                    return false;
                }
                stats.Audio++;
                lock (sync) takes.Add(a);
                lock (audioSync) audio.Write(a.Pcm, a.Pts, a.Rate);
                return true;
            }
            var e = message as BridgeEvent;
            if (e != null)
            {
                TrackRun(e.Run);
                TrackSeq("event", e.Seq);
                stats.Events++;
                if (e.Type == "interrupted") ApplyCut(e);
                if (EventReceived != null) EventReceived(e);
                return true;
            }
            var p = message as Phonemes;
            if (p != null)
            {
                stats.Phonemes++;
                if (PhonemesReceived != null) PhonemesReceived(p);
                return true;
            }
            var w = message as Words;
            if (w != null)
            {
                stats.Words++;
                if (WordsReceived != null) WordsReceived(w);
            }
            return true;
        }

        /// <summary>Sent every second: only a different one (a restarted or another sidecar) changes anything.</summary>
        private void UseSkeleton(Skeleton joints)
        {
            lock (sync)
            {
                if (joints.SameAs(skeleton)) return;
                // Poses of another skeleton's joint order would twist the wrong bones.
                if (skeleton != null && skeleton.Count != joints.Count) pose.Clear();
                skeleton = joints;
            }
            if (SkeletonChanged != null) SkeletonChanged(joints);
        }

        /// <summary>A gap in a kind's numbering is loss; a step back is a restarted sidecar.</summary>
        private void TrackSeq(string kind, long seq)
        {
            long last;
            if (lastSeq.TryGetValue(kind, out last))
            {
                if (seq <= last)
                {
                    stats.Restarts++;
                    stats.LastError = "sidecar restarted (" + kind + " seq " + seq + " after " + last + ")";
                    Restart();
                }
                else
                {
                    stats.Lost += seq - last - 1;
                }
            }
            lastSeq[kind] = seq;
        }

        /// <summary>An event from another run than the one before is a restarted sidecar, even where its seq numbers go
        /// on (the new run's first messages lost to the subscription's reconnect): a restart, never loss.</summary>
        private void TrackRun(string run)
        {
            if (run == null) return;  // a sidecar that sends no run id: seq alone tells
            if (streamRun != null && run != streamRun)
            {
                stats.Restarts++;
                stats.LastError = "sidecar restarted (run " + run + " after " + streamRun + ")";
                Restart();
            }
            streamRun = run;
        }

        /// <summary>A new sidecar: its timeline has nothing to do with what is buffered.</summary>
        private void Restart()
        {
            lastSeq.Clear();
            streamRun = null;  // the new run's first event names it, without counting the restart twice
            interruptedTakes.Clear();
            lock (sync)
            {
                face.Clear();
                pose.Clear();
                takes.Clear();
            }
            lock (audioSync) audio.Clear();
            Resync();
        }

        private void Resync()
        {
            lock (sync) clock.Reset();
            nextPing = 0;
            describeWanted = true;
        }

        /// <summary>An interrupt: what was buffered for after the cut will not be heard. Frames arriving after the
        /// event are the face relaxing, and stay.</summary>
        private void ApplyCut(BridgeEvent e)
        {
            lock (sync)
            {
                face.DropAfter(e.Pts);
                pose.DropAfter(e.Pts);
            }
            lock (audioSync) audio.DropAfter(e.Pts);
            if (e.Take != null)
            {
                interruptedTakes.Add(e.Take);
                if (interruptedTakes.Count > InterruptedTakesKept) interruptedTakes.RemoveAt(0);
            }
        }

        // -- control ------------------------------------------------------------------------------------------------

        private bool TrySend(Pending p, double now)
        {
            long id = nextId++;
            p.Request.Id = id;
            if (!transport.TrySend(Codec.EncodeRequest(p.Request))) return false;
            p.TSend = now;
            p.Sent = true;
            pending[id] = p;
            stats.RequestsSent++;
            return true;
        }

        private void SendDue(double now)
        {
            for (int i = 0; i < outbox.Count;)
            {
                if (TrySend(outbox[i], now)) outbox.RemoveAt(i);
                else i++;
            }
            if (State != ConnectionState.Connected) return;
            if (describeWanted)
            {
                var describe = new Pending { Purpose = Purpose.Describe, Request = Request.Describe(), Deadline = now + config.RequestTimeout };
                if (TrySend(describe, now)) describeWanted = false;
            }
            if (!pingInFlight && now >= nextPing)
            {
                var ping = new Pending { Purpose = Purpose.Ping, Request = Request.Ping(now), Deadline = now + PingTimeout };
                pingInFlight = TrySend(ping, now);
                if (!pingInFlight) nextPing = now + 0.05;
            }
        }

        private void OnReply(TransportMessage message)
        {
            if (message.Frames == null || message.Frames.Length != 1) return;
            var reply = Codec.DecodeReply(message.Frames[0]);
            if (!(reply.Id is long)) return;  // not ours, or unreadable: nothing waits for it
            Pending p;
            if (!pending.TryGetValue((long)reply.Id, out p)) return;  // answered after it timed out
            pending.Remove((long)reply.Id);
            switch (p.Purpose)
            {
                case Purpose.Ping:
                    pingInFlight = false;
                    double tServer = reply.Number("t_server", double.NaN);
                    int samples;
                    lock (sync)
                    {
                        if (reply.Ok) clock.AddSample(p.TSend, tServer, message.LocalTime);
                        samples = clock.SampleCount;
                    }
                    nextPing = message.LocalTime + (samples < config.PingBurst ? 0.0 : config.PingInterval);
                    break;
                case Purpose.Describe:
                    if (reply.Ok) ReadInfo(reply);
                    else stats.LastError = "describe failed: " + reply.ErrorMessage;
                    break;
                default:
                    if (!reply.Ok) stats.RequestsFailed++;
                    if (p.OnReply != null) p.OnReply(reply);
                    break;
            }
        }

        private void ReadInfo(Reply reply)
        {
            var info = new SidecarInfo
            {
                ProtocolVersion = (int)reply.Number("protocol_version"),
                FrameRate = reply.Number("frame_rate"),
                Lookahead = reply.Number("lookahead"),
                Voice = reply.Text("voice"),
            };
            object v;
            if (reply.Body.TryGetValue("avatars", out v) && v is List<object>)
                foreach (var a in (List<object>)v) if (a is string) info.Avatars.Add((string)a);
            if (reply.Body.TryGetValue("blendshapes", out v) && v is List<object>)
                foreach (var b in (List<object>)v) if (b is string) info.Blendshapes.Add((string)b);
            if (reply.Body.TryGetValue("audio", out v) && v is Dictionary<string, object>)
            {
                object rate;
                if (((Dictionary<string, object>)v).TryGetValue("rate", out rate) && rate is long) info.AudioRate = (int)(long)rate;
            }
            info.Skeleton = Codec.SkeletonOf(reply, config.Avatar);
            Info = info;
            if (info.Skeleton != null) UseSkeleton(info.Skeleton);
            stats.ProtocolVersion = info.ProtocolVersion;
            if (info.ProtocolVersion != Codec.ProtocolVersion)
            {
                stats.LastError = "the sidecar speaks protocol " + info.ProtocolVersion + "; this client " +
                                  Codec.ProtocolVersion + ": its messages are skipped";
            }
            else if (!SameNames(info.Blendshapes, Arkit.Blendshapes))
            {
                stats.LastError = "the sidecar's blendshape list differs from ARKit order";
            }
        }

        private static bool SameNames(List<string> a, string[] b)
        {
            if (a.Count != b.Length) return false;
            for (int i = 0; i < b.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private void Expire(double now)
        {
            List<long> expired = null;
            foreach (var entry in pending)
            {
                if (now < entry.Value.Deadline) continue;
                if (expired == null) expired = new List<long>();
                expired.Add(entry.Key);
            }
            if (expired != null)
            {
                foreach (long id in expired)
                {
                    var p = pending[id];
                    pending.Remove(id);
                    if (p.Purpose == Purpose.Ping)
                    {
                        pingInFlight = false;
                        nextPing = now;
                    }
                    else if (p.Purpose == Purpose.Describe)
                    {
                        describeWanted = true;
                    }
                    else
                    {
                        stats.RequestsFailed++;
                        if (p.OnReply != null) p.OnReply(Reply.Failure("timeout", "no reply to '" + p.Request.Op + "' within the request timeout"));
                    }
                }
            }
            for (int i = 0; i < outbox.Count;)
            {
                if (now < outbox[i].Deadline)
                {
                    i++;
                    continue;
                }
                var p = outbox[i];
                outbox.RemoveAt(i);
                stats.RequestsFailed++;
                if (p.OnReply != null) p.OnReply(Reply.Failure("not_connected", "could not reach the sidecar at " + config.Control));
            }
        }

        private void FailPending(string code, string message)
        {
            foreach (var p in pending.Values)
            {
                if (p.Purpose == Purpose.User && p.OnReply != null) p.OnReply(Reply.Failure(code, message));
            }
            pending.Clear();
            pingInFlight = false;
            describeWanted = true;
        }

        private void FailAll(string code, string message)
        {
            FailPending(code, message);
            foreach (var p in outbox) if (p.OnReply != null) p.OnReply(Reply.Failure(code, message));
            outbox.Clear();
        }

        private static string DefaultStream(string control)
        {
            int colon = control.LastIndexOf(':');
            int port;
            if (colon < 0 || !int.TryParse(control.Substring(colon + 1), out port)) return control;
            return control.Substring(0, colon + 1) + (port + 1);
        }
    }
}

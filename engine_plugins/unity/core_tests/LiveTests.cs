// The C# session against a real sidecar over real ZeroMQ sockets: a transport over the system's libzmq (P/Invoke;
// Unity uses NetMQ instead, which cannot be installed here), pumped by BridgePump on its own thread, the way the
// Unity client runs it. `mono CoreTests.exe live CONTROL STREAM` prints one JSON line for tests/test_engine_cores.py.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using AvatarBridge.Core;

namespace AvatarBridge.CoreTests
{
    /// <summary>SUB and DEALER over libzmq.so.5, used only from the pumping thread (non-blocking calls).</summary>
    internal sealed class LibZmqTransport : ITransport
    {
        private const string Lib = "libzmq.so.5";
        private const int Sub = 2, Dealer = 5, Subscribe = 6, Linger = 17, Immediate = 39, DontWait = 1;

        [DllImport(Lib)] private static extern IntPtr zmq_ctx_new();
        [DllImport(Lib)] private static extern int zmq_ctx_term(IntPtr context);
        [DllImport(Lib)] private static extern IntPtr zmq_socket(IntPtr context, int type);
        [DllImport(Lib)] private static extern int zmq_close(IntPtr socket);
        [DllImport(Lib)] private static extern int zmq_setsockopt(IntPtr socket, int option, byte[] value, UIntPtr length);
        [DllImport(Lib)] private static extern int zmq_connect(IntPtr socket, string endpoint);
        [DllImport(Lib)] private static extern int zmq_send(IntPtr socket, byte[] buffer, UIntPtr length, int flags);
        [DllImport(Lib)] private static extern int zmq_msg_init(IntPtr message);
        [DllImport(Lib)] private static extern int zmq_msg_recv(IntPtr message, IntPtr socket, int flags);
        [DllImport(Lib)] private static extern IntPtr zmq_msg_data(IntPtr message);
        [DllImport(Lib)] private static extern UIntPtr zmq_msg_size(IntPtr message);
        [DllImport(Lib)] private static extern int zmq_msg_more(IntPtr message);
        [DllImport(Lib)] private static extern int zmq_msg_close(IntPtr message);

        private readonly IntPtr context = zmq_ctx_new();
        private readonly IntPtr message = Marshal.AllocHGlobal(64);  // zmq_msg_t is 64 bytes
        private IntPtr sub, dealer;
        private string control;
        private bool streamTurn;

        private static void Option(IntPtr socket, int option, int value)
        {
            zmq_setsockopt(socket, option, BitConverter.GetBytes(value), (UIntPtr)4);
        }

        private IntPtr Open(int type, string endpoint)
        {
            var socket = zmq_socket(context, type);
            Option(socket, Linger, 0);
            if (type == Dealer) Option(socket, Immediate, 1);
            if (zmq_connect(socket, endpoint) != 0) throw new InvalidOperationException("cannot connect to " + endpoint);
            return socket;
        }

        public void Connect(string controlEndpoint, string stream, string subscribePrefix)
        {
            control = controlEndpoint;
            sub = Open(Sub, stream);
            var prefix = Encoding.UTF8.GetBytes(subscribePrefix);
            zmq_setsockopt(sub, Subscribe, prefix, (UIntPtr)prefix.Length);
            dealer = Open(Dealer, control);
        }

        public bool TrySend(byte[] request)
        {
            return zmq_send(dealer, request, (UIntPtr)request.Length, DontWait) == request.Length;
        }

        /// <summary>One whole multipart message, alternating between the sockets so neither starves the other.</summary>
        public bool TryReceive(out TransportMessage received)
        {
            for (int k = 0; k < 2; k++)
            {
                streamTurn = !streamTurn;
                var frames = Receive(streamTurn ? sub : dealer);
                if (frames == null) continue;
                received = new TransportMessage { IsStream = streamTurn, Frames = frames, LocalTime = BridgeClock.Now() };
                return true;
            }
            received = new TransportMessage();
            return false;
        }

        private byte[][] Receive(IntPtr socket)
        {
            var frames = new List<byte[]>();
            while (true)
            {
                zmq_msg_init(message);
                if (zmq_msg_recv(message, socket, frames.Count == 0 ? DontWait : 0) < 0)
                {
                    zmq_msg_close(message);
                    return null;
                }
                var bytes = new byte[(int)(ulong)zmq_msg_size(message)];
                Marshal.Copy(zmq_msg_data(message), bytes, 0, bytes.Length);
                bool more = zmq_msg_more(message) != 0;
                zmq_msg_close(message);
                frames.Add(bytes);
                if (!more) return frames.ToArray();
            }
        }

        public void ResetControl()
        {
            zmq_close(dealer);
            dealer = Open(Dealer, control);
        }

        public void Dispose()
        {
            zmq_close(sub);
            zmq_close(dealer);
            zmq_ctx_term(context);
            Marshal.FreeHGlobal(message);
        }
    }

    internal static partial class Program
    {
        /// <summary>Connect, say a line, play it on a device clocked by the wall clock, sample face and pose at 60 Hz
        /// on this (the "game") thread, and report.</summary>
        private static int Live(string control, string stream)
        {
            var pump = new BridgePump(new BridgeSession(new SessionConfig { Control = control, Stream = stream, SilenceTimeout = 2.0 }, new LibZmqTransport()));
            var events = new List<BridgeEvent>();
            pump.EventReceived += e => events.Add(e);
            pump.Start(1);
            var report = new List<KeyValuePair<string, object>>();
            Func<Func<bool>, double, bool> waitFor = (condition, seconds) =>
            {
                var until = BridgeClock.Now() + seconds;
                while (BridgeClock.Now() < until)
                {
                    pump.DispatchMain();
                    if (condition()) return true;
                    Thread.Sleep(5);
                }
                return false;
            };
            bool connected = waitFor(() => pump.Stats.State == ConnectionState.Connected && pump.Stats.ClockSamples >= 8 && pump.Session.Skeleton != null, 30);
            report.Add(new KeyValuePair<string, object>("connected", connected));
            Reply reply = null;
            pump.Say("Hello everyone, welcome to the show.", null, r => reply = r);
            const int rate = 48000, block = 1024;
            var buffer = new float[block];
            double deviceStart = BridgeClock.Now();
            long frames = 0, audible = 0, faces = 0, poses = 0;
            double firstAudible = double.NaN, lastAudible = double.NaN;
            bool ended = waitFor(() =>
            {
                double now = BridgeClock.Now();
                while (deviceStart + (double)frames / rate <= now)  // the device: 1024-frame blocks at 48 kHz
                {
                    double t = deviceStart + (double)frames / rate;
                    pump.Session.ReadAudio(buffer, 0, block, 1, rate, t);
                    for (int j = 0; j < block; j++)
                    {
                        if (buffer[j] == 0f) continue;
                        double at = pump.Session.SidecarTime(t + (double)j / rate);
                        if (double.IsNaN(firstAudible)) firstAudible = at;
                        lastAudible = at;
                        audible++;
                    }
                    frames += block;
                }
                FaceFrame face;
                PoseFrame pose;
                Skeleton skeleton;
                if (pump.Session.TrySampleFace(now, out face)) faces++;
                if (pump.Session.TrySamplePose(now, out pose, out skeleton) && pose.Rotations.Length == skeleton.Count) poses++;
                var end = events.Find(e => e.Type == "take_ended");
                return end != null && pump.Session.SidecarTime(now) > end.Pts + 0.2;
            }, 60);
            var started = events.Find(e => e.Type == "take_started");
            var finished = events.Find(e => e.Type == "take_ended");
            var s = pump.Stats;
            pump.Stop();
            report.Add(new KeyValuePair<string, object>("replied", reply != null && reply.Ok));
            report.Add(new KeyValuePair<string, object>("ended", ended));
            report.Add(new KeyValuePair<string, object>("started_pts", started != null ? started.Pts : 0.0));
            report.Add(new KeyValuePair<string, object>("ended_pts", finished != null ? finished.Pts : 0.0));
            report.Add(new KeyValuePair<string, object>("first_audible", double.IsNaN(firstAudible) ? 0.0 : firstAudible));
            report.Add(new KeyValuePair<string, object>("last_audible", double.IsNaN(lastAudible) ? 0.0 : lastAudible));
            report.Add(new KeyValuePair<string, object>("audible_s", audible / (double)rate));
            report.Add(new KeyValuePair<string, object>("face_samples", faces));
            report.Add(new KeyValuePair<string, object>("pose_samples", poses));
            report.Add(new KeyValuePair<string, object>("skeleton_joints", (long)s.SkeletonJoints));
            report.Add(new KeyValuePair<string, object>("clock_offset", s.ClockOffset));
            report.Add(new KeyValuePair<string, object>("clock_rtt", s.ClockRtt));
            foreach (var counter in new[]
            {
                new KeyValuePair<string, long>("face", s.Face), new KeyValuePair<string, long>("pose", s.Pose),
                new KeyValuePair<string, long>("skeletons", s.Skeletons), new KeyValuePair<string, long>("audio", s.Audio),
                new KeyValuePair<string, long>("malformed", s.Malformed), new KeyValuePair<string, long>("invalid", s.Invalid),
                new KeyValuePair<string, long>("unknown_kind", s.UnknownKind), new KeyValuePair<string, long>("version_mismatch", s.VersionMismatch),
                new KeyValuePair<string, long>("pose_mismatch", s.PoseMismatch), new KeyValuePair<string, long>("lost", s.Lost),
                new KeyValuePair<string, long>("restarts", s.Restarts), new KeyValuePair<string, long>("audio_late", s.AudioRing.Late),
                new KeyValuePair<string, long>("audio_resyncs", s.AudioRing.Resyncs),
            })
            {
                report.Add(new KeyValuePair<string, object>(counter.Key, counter.Value));
            }
            Console.WriteLine(JsonWriter.Write(report));
            return 0;
        }
    }
}

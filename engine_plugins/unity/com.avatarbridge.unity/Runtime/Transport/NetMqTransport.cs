// The session's transport over NetMQ (the pure C# ZeroMQ port: no native library, so it runs on every platform
// Unity builds for). Compiled only with AVATARBRIDGE_NETMQ in the scripting define symbols, once NetMQ (and its
// AsyncIO and NaCl.Net dependencies) are in the project: see docs/unity.md. The core never needs it, so the package
// compiles without NetMQ, and the core is tested here without it.
//
// One I/O thread owns both sockets (NetMQ sockets are not thread-safe): a NetMQPoller waits on the SUB, the DEALER
// and a queue of commands from the pumping thread. Received messages are stamped with the local time on that
// thread, so a ping's round trip does not include the wait for the next Pump.
#if AVATARBRIDGE_NETMQ
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using AvatarBridge.Core;
using NetMQ;
using NetMQ.Sockets;

namespace AvatarBridge.Transport
{
    /// <summary>CurveZMQ keys (Z85, 40 characters each), for a sidecar bound beyond loopback with
    /// `serve --curve-secret-key`: its public key, and this client's key pair (`avatar-bridge keys DIR`).</summary>
    public sealed class CurveKeys
    {
        public string ServerPublicKey = "";
        public string ClientPublicKey = "";
        public string ClientSecretKey = "";

        public bool Enabled { get { return !string.IsNullOrEmpty(ServerPublicKey); } }
    }

    public sealed class NetMqTransport : ITransport
    {
        /// <summary>How long TrySend waits for the I/O thread's answer before reporting "not now".</summary>
        private static readonly TimeSpan SendWait = TimeSpan.FromMilliseconds(200);
        /// <summary>Received messages held for the pumping thread at most; beyond, new ones are dropped and
        /// counted (the session sees the gap in seq), so a stalled pump cannot eat the memory.</summary>
        private const int InboxLimit = 20000;
        private const int MaxMessageBytes = 4 << 20;  // nothing legitimate is near this

        private sealed class Command
        {
            public byte[] Request;  // null: reset the control socket
            public int State;  // 0 waiting, 1 taken by the I/O thread, 2 abandoned by the sender
            public bool Sent;
            public readonly ManualResetEventSlim Done = new ManualResetEventSlim(false);
        }

        private static int forced;
        private readonly CurveKeys curve;
        private readonly ConcurrentQueue<TransportMessage> inbox = new ConcurrentQueue<TransportMessage>();
        private NetMQQueue<Command> commands;
        private NetMQPoller poller;
        private SubscriberSocket subscriber;
        private DealerSocket dealer;
        private string controlEndpoint;
        private int inboxCount;
        private long dropped;

        public NetMqTransport(CurveKeys curve = null)
        {
            this.curve = curve != null && curve.Enabled ? curve : null;
        }

        /// <summary>Messages dropped because the pumping thread did not keep up.</summary>
        public long Dropped { get { return Interlocked.Read(ref dropped); } }

        /// <summary>Make TransportRegistry create this transport (AvatarBridgeClient calls it when the define is set).</summary>
        public static void Register(CurveKeys curve = null)
        {
            TransportRegistry.Factory = () => new NetMqTransport(curve);
        }

        /// <summary>Stop NetMQ's shared context, once, as the application quits (the Unity editor hangs on the next
        /// play otherwise). No transport may be used after it.</summary>
        public static void Shutdown()
        {
            NetMQConfig.Cleanup(false);
        }

        public void Connect(string control, string stream, string subscribePrefix)
        {
            // Inside Unity, AsyncIO's completion ports hang the editor on the second play: use the managed sockets.
            if (Interlocked.Exchange(ref forced, 1) == 0) AsyncIO.ForceDotNet.Force();
            controlEndpoint = control;
            subscriber = new SubscriberSocket();
            subscriber.Options.Linger = TimeSpan.Zero;
            subscriber.Options.ReceiveHighWatermark = 100000;
            subscriber.Options.MaxMsgSize = MaxMessageBytes;
            Secure(subscriber);
            subscriber.Connect(stream);
            subscriber.Subscribe(subscribePrefix);
            subscriber.ReceiveReady += OnStream;
            dealer = MakeDealer();
            commands = new NetMQQueue<Command>();
            commands.ReceiveReady += OnCommands;
            poller = new NetMQPoller { subscriber, dealer, commands };
            poller.RunAsync();
        }

        public bool TrySend(byte[] request)
        {
            return Post(new Command { Request = request });
        }

        public bool TryReceive(out TransportMessage message)
        {
            if (inbox.TryDequeue(out message))
            {
                Interlocked.Decrement(ref inboxCount);
                return true;
            }
            return false;
        }

        public void ResetControl()
        {
            Post(new Command());
        }

        public void Dispose()
        {
            if (poller == null) return;
            poller.Stop();
            poller.Dispose();
            subscriber.Dispose();
            dealer.Dispose();
            commands.Dispose();
            poller = null;
        }

        /// <summary>Hand a command to the I/O thread and wait for its outcome (briefly: the thread is never busy for
        /// long). A command the thread has not taken in time is abandoned, so a request that the session will retry
        /// is never sent twice.</summary>
        private bool Post(Command command)
        {
            if (poller == null) return false;
            commands.Enqueue(command);
            if (command.Done.Wait(SendWait)) return command.Sent;
            if (Interlocked.CompareExchange(ref command.State, 2, 0) == 0) return false;
            command.Done.Wait();  // taken just now: its outcome is moments away
            return command.Sent;
        }

        // -- the I/O thread ---------------------------------------------------------------------------------------

        private DealerSocket MakeDealer()
        {
            var socket = new DealerSocket();
            socket.Options.Linger = TimeSpan.Zero;
            socket.Options.MaxMsgSize = MaxMessageBytes;
            // Queue requests only on a live connection (ZMQ_IMMEDIATE): TrySend says "not now" instead of holding a
            // request for a sidecar that may come back much later.
            socket.Options.DelayAttachOnConnect = true;
            socket.Options.HeartbeatInterval = TimeSpan.FromSeconds(1);
            socket.Options.HeartbeatTimeout = TimeSpan.FromSeconds(3);
            Secure(socket);
            socket.Connect(controlEndpoint);
            socket.ReceiveReady += OnReply;
            return socket;
        }

        private void Secure(NetMQSocket socket)
        {
            if (curve == null) return;
            socket.Options.CurveServerKey = NetMQCertificate.FromPublicKey(curve.ServerPublicKey).PublicKey;
            socket.Options.CurveCertificate = new NetMQCertificate(curve.ClientSecretKey, curve.ClientPublicKey);
        }

        private void OnCommands(object sender, NetMQQueueEventArgs<Command> e)
        {
            Command command;
            while (e.Queue.TryDequeue(out command, TimeSpan.Zero))
            {
                if (Interlocked.CompareExchange(ref command.State, 1, 0) != 0) continue;  // abandoned
                if (command.Request != null)
                {
                    command.Sent = dealer.TrySendFrame(TimeSpan.Zero, command.Request);
                }
                else
                {
                    poller.Remove(dealer);
                    dealer.Dispose();
                    dealer = MakeDealer();
                    poller.Add(dealer);
                    command.Sent = true;
                }
                command.Done.Set();
            }
        }

        private void OnStream(object sender, NetMQSocketEventArgs e)
        {
            Drain(e.Socket, true);
        }

        private void OnReply(object sender, NetMQSocketEventArgs e)
        {
            Drain(e.Socket, false);
        }

        private void Drain(NetMQSocket socket, bool stream)
        {
            List<byte[]> frames = null;
            while (socket.TryReceiveMultipartBytes(TimeSpan.Zero, ref frames, stream ? 2 : 1))
            {
                if (Interlocked.Increment(ref inboxCount) > InboxLimit)
                {
                    Interlocked.Decrement(ref inboxCount);
                    Interlocked.Increment(ref dropped);
                    continue;
                }
                inbox.Enqueue(new TransportMessage { IsStream = stream, Frames = frames.ToArray(), LocalTime = BridgeClock.Now() });
            }
        }
    }
}
#endif

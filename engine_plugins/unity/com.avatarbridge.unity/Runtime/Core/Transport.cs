// The session's view of the network: two ZeroMQ sockets behind an interface, so the core is tested without one
// (tests drive it with a simulated sidecar) and Unity uses NetMQ (Runtime/Transport/NetMqTransport.cs, compiled only
// with the AVATARBRIDGE_NETMQ define, once NetMQ is in the project).
using System;
using System.Diagnostics;

namespace AvatarBridge.Core
{
    /// <summary>One message off the wire, stamped with the local time it arrived (on the receiving thread, so a
    /// ping's round trip does not include the wait for the next Pump).</summary>
    public struct TransportMessage
    {
        /// <summary>True for the stream (SUB: [topic, map]), false for a control reply (DEALER: [map]).</summary>
        public bool IsStream;
        public byte[][] Frames;
        public double LocalTime;
    }

    /// <summary>A SUB socket for the stream and a DEALER socket for requests. Implementations must be safe to call
    /// from the thread that pumps the session while receiving on their own thread.</summary>
    public interface ITransport : IDisposable
    {
        /// <summary>Connect both sockets; the stream subscribed to `subscribePrefix` ("host/").</summary>
        void Connect(string control, string stream, string subscribePrefix);

        /// <summary>Send one request frame. False when it cannot go now (no live connection): the session retries
        /// until the request's deadline, so a request never reaches a restarted sidecar late.</summary>
        bool TrySend(byte[] request);

        /// <summary>Take the next received message, if any.</summary>
        bool TryReceive(out TransportMessage message);

        /// <summary>Close the control socket and open a fresh one (its replies in flight are lost).</summary>
        void ResetControl();
    }

    /// <summary>Creates the transport a client uses; the NetMQ assembly registers itself here when it is built.</summary>
    public static class TransportRegistry
    {
        public static Func<ITransport> Factory;

        public static ITransport Create()
        {
            if (Factory == null)
            {
                throw new InvalidOperationException(
                    "no Avatar Bridge transport: install NetMQ and add AVATARBRIDGE_NETMQ to the scripting define " +
                    "symbols (see docs/unity.md), or set TransportRegistry.Factory");
            }
            return Factory();
        }
    }

    /// <summary>The local monotonic clock every time argument of the core is on.</summary>
    public static class BridgeClock
    {
        private static readonly double TickSeconds = 1.0 / Stopwatch.Frequency;

        public static double Now() { return Stopwatch.GetTimestamp() * TickSeconds; }
    }
}

// The members of NetMQ 4 (and AsyncIO) that Runtime/Transport/NetMqTransport.cs uses, declared with the signatures
// NetMQ 4.0.x has (zeromq/netmq: NetMQSocket, SocketOptions, NetMQPoller, NetMQQueue, NetMQCertificate,
// ReceivingSocketExtensions, OutgoingSocketExtensions, NetMQConfig; AsyncIO.ForceDotNet). NetMQ itself cannot be
// installed here (NuGet is not reachable), so tests/test_engine_cores.py compiles the transport against this
// surface with -langversion:7: it catches syntax, C# 7 and type errors, not NetMQ's behaviour. Nothing here runs.
using System;
using System.Collections;
using System.Collections.Generic;

namespace AsyncIO
{
    public static class ForceDotNet
    {
        public static void Force() { throw new NotSupportedException("compile check only"); }
    }
}

namespace NetMQ
{
    public interface ISocketPollable
    {
        NetMQSocket Socket { get; }
    }

    public interface IReceivingSocket { }

    public interface IOutgoingSocket { }

    public sealed class NetMQSocketEventArgs : EventArgs
    {
        public NetMQSocket Socket { get { throw new NotSupportedException(); } }
    }

    public sealed class NetMQCertificate
    {
        public NetMQCertificate(string secretKey, string publicKey) { throw new NotSupportedException(); }
        public static NetMQCertificate FromPublicKey(string publicKey) { throw new NotSupportedException(); }
        public byte[] PublicKey { get { throw new NotSupportedException(); } }
        public byte[] SecretKey { get { throw new NotSupportedException(); } }
    }

    public sealed class SocketOptions
    {
        public TimeSpan Linger { get; set; }
        public int ReceiveHighWatermark { get; set; }
        public long MaxMsgSize { get; set; }
        public bool DelayAttachOnConnect { get; set; }
        public TimeSpan HeartbeatInterval { get; set; }
        public TimeSpan HeartbeatTimeout { get; set; }
        public byte[] CurveServerKey { get; set; }
        public NetMQCertificate CurveCertificate { set { } }
    }

    public abstract class NetMQSocket : ISocketPollable, IReceivingSocket, IOutgoingSocket, IDisposable
    {
        public SocketOptions Options { get { throw new NotSupportedException(); } }
        public event EventHandler<NetMQSocketEventArgs> ReceiveReady { add { } remove { } }
        NetMQSocket ISocketPollable.Socket { get { return this; } }
        public void Connect(string address) { throw new NotSupportedException(); }
        public void Dispose() { }
    }

    public static class ReceivingSocketExtensions
    {
        public static bool TryReceiveMultipartBytes(this IReceivingSocket socket, TimeSpan timeout, ref List<byte[]> frames, int expectedFrameCount = 4)
        {
            throw new NotSupportedException();
        }
    }

    public static class OutgoingSocketExtensions
    {
        public static bool TrySendFrame(this IOutgoingSocket socket, TimeSpan timeout, byte[] data, bool more = false)
        {
            throw new NotSupportedException();
        }
    }

    public sealed class NetMQQueueEventArgs<T> : EventArgs
    {
        public NetMQQueue<T> Queue { get { throw new NotSupportedException(); } }
    }

    public sealed class NetMQQueue<T> : IDisposable, ISocketPollable, IEnumerable<T>
    {
        public NetMQQueue(int capacity = 0) { }
        public event EventHandler<NetMQQueueEventArgs<T>> ReceiveReady { add { } remove { } }
        NetMQSocket ISocketPollable.Socket { get { throw new NotSupportedException(); } }
        public bool TryDequeue(out T result, TimeSpan timeout) { throw new NotSupportedException(); }
        public void Enqueue(T value) { throw new NotSupportedException(); }
        public IEnumerator<T> GetEnumerator() { throw new NotSupportedException(); }
        IEnumerator IEnumerable.GetEnumerator() { throw new NotSupportedException(); }
        public void Dispose() { }
    }

    public sealed class NetMQPoller : IEnumerable, IDisposable
    {
        public void Add(ISocketPollable socket) { throw new NotSupportedException(); }
        public void Remove(ISocketPollable socket) { throw new NotSupportedException(); }
        public void RunAsync() { throw new NotSupportedException(); }
        public void Stop() { throw new NotSupportedException(); }
        public IEnumerator GetEnumerator() { throw new NotSupportedException(); }
        public void Dispose() { }
    }

    public static class NetMQConfig
    {
        public static void Cleanup(bool block = true) { throw new NotSupportedException(); }
    }
}

namespace NetMQ.Sockets
{
    public sealed class SubscriberSocket : NetMQSocket
    {
        public void Subscribe(string topic) { throw new NotSupportedException(); }
    }

    public sealed class DealerSocket : NetMQSocket { }
}

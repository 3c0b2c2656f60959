// Runs a BridgeSession on a background thread, so receiving, clock sync and buffering never wait for a rendered
// frame, and hands what the game thread needs back to it: commands go to the pump thread in order, replies and
// stream events come back to the thread that calls DispatchMain (Unity's main thread, where Unity's API may be
// used). Frames and audio are read straight from the session, which locks them for any thread.
using System;
using System.Collections.Generic;
using System.Threading;

namespace AvatarBridge.Core
{
    public sealed class BridgePump : IDisposable
    {
        private readonly BridgeSession session;
        private readonly Func<double> clock;
        private readonly object gate = new object();
        private readonly Queue<Action<double>> commands = new Queue<Action<double>>();
        private readonly Queue<Action> toMain = new Queue<Action>();
        private SessionStats stats;
        private Thread thread;
        private volatile bool running;

        /// <param name="clock">The local clock (BridgeClock.Now; tests pass a virtual one).</param>
        public BridgePump(BridgeSession session, Func<double> clock = null)
        {
            this.session = session;
            this.clock = clock ?? BridgeClock.Now;
            stats = session.Stats();
            session.EventReceived += e => ToMain(() => { if (EventReceived != null) EventReceived(e); });
            session.PhonemesReceived += p => ToMain(() => { if (PhonemesReceived != null) PhonemesReceived(p); });
            session.WordsReceived += w => ToMain(() => { if (WordsReceived != null) WordsReceived(w); });
            session.SkeletonChanged += s => ToMain(() => { if (SkeletonChanged != null) SkeletonChanged(s); });
        }

        /// <summary>The session, for playout reads (TrySampleFace, TrySamplePose, ReadAudio, CurrentTake), which
        /// are safe from any thread. Call nothing else on it while the pump runs: Post instead.</summary>
        public BridgeSession Session { get { return session; } }

        /// <summary>Raised in DispatchMain.</summary>
        public event Action<BridgeEvent> EventReceived;
        public event Action<Phonemes> PhonemesReceived;
        public event Action<Words> WordsReceived;
        public event Action<Skeleton> SkeletonChanged;

        /// <summary>The counters as of the latest pump.</summary>
        public SessionStats Stats
        {
            get { lock (gate) return stats; }
        }

        public bool Running { get { return running; } }

        /// <summary>Run `command` on the pump thread with the local time; replies it asks for come back through
        /// DispatchMain.</summary>
        public void Post(Action<BridgeSession, double> command)
        {
            lock (gate) commands.Enqueue(now => command(session, now));
        }

        /// <summary>Send a request; onReply runs in DispatchMain with the reply or a local failure.</summary>
        public void Send(Request request, Action<Reply> onReply)
        {
            Post((s, now) => s.Send(request, Reply(onReply), now));
        }

        public void Say(string text, string emotion, Action<Reply> onReply)
        {
            Post((s, now) => s.Say(text, emotion, Reply(onReply), now));
        }

        public void Interrupt(Action<Reply> onReply)
        {
            Post((s, now) => s.Interrupt(Reply(onReply), now));
        }

        private Action<Reply> Reply(Action<Reply> onReply)
        {
            if (onReply == null) return null;
            return r => ToMain(() => onReply(r));
        }

        private void ToMain(Action action)
        {
            lock (gate) toMain.Enqueue(action);
        }

        /// <summary>One turn of the pump: run posted commands, then Pump the session (which sends and receives).</summary>
        public void PumpOnce()
        {
            double now = clock();
            while (true)
            {
                Action<double> command;
                lock (gate)
                {
                    if (commands.Count == 0) break;
                    command = commands.Dequeue();
                }
                command(now);
            }
            session.Pump(now);
            var snapshot = session.Stats();
            lock (gate) stats = snapshot;
        }

        /// <summary>Run the replies and events that arrived since the last call, on the calling thread. Returns how
        /// many ran.</summary>
        public int DispatchMain()
        {
            int n = 0;
            while (true)
            {
                Action action;
                lock (gate)
                {
                    if (toMain.Count == 0) return n;
                    action = toMain.Dequeue();
                }
                action();
                n++;
            }
        }

        /// <summary>Start the session and pump it every `periodMs` on a background thread.</summary>
        public void Start(int periodMs = 2)
        {
            if (running) return;
            session.Start();
            running = true;
            thread = new Thread(() =>
            {
                while (running)
                {
                    PumpOnce();
                    Thread.Sleep(periodMs);
                }
            });
            thread.IsBackground = true;  // never keeps a quitting player alive
            thread.Name = "Avatar Bridge pump";
            thread.Start();
        }

        /// <summary>Stop the thread, then the session (its transport is disposed; pending replies fail "stopped").</summary>
        public void Stop()
        {
            if (!running) return;
            running = false;
            thread.Join();
            thread = null;
            session.Stop();
            DispatchMain();
        }

        public void Dispose() { Stop(); }
    }
}

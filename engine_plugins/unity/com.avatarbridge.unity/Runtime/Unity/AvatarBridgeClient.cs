// The scene's connection to the sidecar: settings in the inspector, a BridgePump on a background thread, and what
// is due now for the drivers (BlendshapeDriver, HumanoidPoseDriver, StreamedAudioPlayer). Thin over Core (tested
// outside Unity); this file needs UnityEngine and is compiled only inside Unity.
using System;
using AvatarBridge.Core;
using UnityEngine;
using UnityEngine.Events;

namespace AvatarBridge.Unity
{
    [Serializable]
    public sealed class BridgeEventUnityEvent : UnityEvent<string, string> { }  // type, take

    [AddComponentMenu("Avatar Bridge/Avatar Bridge Client")]
    [DefaultExecutionOrder(-100)]  // sample the stream before the drivers run
    public sealed class AvatarBridgeClient : MonoBehaviour
    {
        [Header("Sidecar")]
        [Tooltip("The control socket (DEALER to the sidecar's ROUTER).")]
        public string controlEndpoint = "tcp://127.0.0.1:5555";
        [Tooltip("The stream socket (SUB); empty: the control port + 1.")]
        public string streamEndpoint = "";
        [Tooltip("Which avatar of the sidecar this object plays.")]
        public string avatar = "host";

        [Header("Timing")]
        [Tooltip("Extra playout delay (s) on top of the sidecar's lookahead: raise it when frames arrive late over a jittery network.")]
        [Range(0f, 0.5f)] public float jitterDelay = 0f;
        [Tooltip("No stream for this long (s): the sidecar is gone; reconnect.")]
        public float silenceTimeout = 1f;
        public float requestTimeout = 5f;

        [Header("CurveZMQ (only for a sidecar bound beyond loopback)")]
        public string serverPublicKey = "";
        public string clientPublicKey = "";
        public string clientSecretKey = "";

        [Header("Events (main thread)")]
        public BridgeEventUnityEvent onEvent = new BridgeEventUnityEvent();

        private BridgePump pump;
        private readonly SessionStats empty = new SessionStats();

        /// <summary>Raised on the main thread for every stream event (take_started, interrupted, gesture, ...).</summary>
        public event Action<BridgeEvent> EventReceived;
        public event Action<Skeleton> SkeletonChanged;

        public bool Running { get { return pump != null && pump.Running; } }
        public BridgeSession Session { get { return pump != null ? pump.Session : null; } }
        public SessionStats Stats { get { return pump != null ? pump.Stats : empty; } }

        /// <summary>The local clock every time of the session is on (not Time.time: the audio thread reads it too).</summary>
        public static double Now { get { return BridgeClock.Now(); } }

        private void OnEnable()
        {
            Connect();
        }

        private void OnDisable()
        {
            Disconnect();
        }

        private void OnApplicationQuit()
        {
            Disconnect();
#if AVATARBRIDGE_NETMQ
            AvatarBridge.Transport.NetMqTransport.Shutdown();
#endif
        }

        /// <summary>Start (or restart) the connection with the current settings.</summary>
        public void Connect()
        {
            Disconnect();
#if AVATARBRIDGE_NETMQ
            AvatarBridge.Transport.NetMqTransport.Register(new AvatarBridge.Transport.CurveKeys
            {
                ServerPublicKey = serverPublicKey, ClientPublicKey = clientPublicKey, ClientSecretKey = clientSecretKey,
            });
#endif
            ITransport transport;
            try
            {
                transport = TransportRegistry.Create();
            }
            catch (InvalidOperationException e)
            {
                Debug.LogError("Avatar Bridge: " + e.Message, this);
                enabled = false;
                return;
            }
            var config = new SessionConfig
            {
                Control = controlEndpoint, Stream = streamEndpoint, Avatar = avatar, JitterDelay = jitterDelay,
                SilenceTimeout = silenceTimeout, RequestTimeout = requestTimeout,
            };
            pump = new BridgePump(new BridgeSession(config, transport));
            pump.EventReceived += OnEventReceived;
            pump.SkeletonChanged += s => { if (SkeletonChanged != null) SkeletonChanged(s); };
            pump.Start();
        }

        public void Disconnect()
        {
            if (pump == null) return;
            pump.Stop();
            pump = null;
        }

        private void Update()
        {
            if (pump != null) pump.DispatchMain();
        }

        private void OnEventReceived(BridgeEvent e)
        {
            if (e.Type == "error") Debug.LogWarning("Avatar Bridge: " + e.Text("code") + ": " + e.Text("message"), this);
            if (EventReceived != null) EventReceived(e);
            onEvent.Invoke(e.Type, e.Take);
        }

        // -- what is due now (main thread) -------------------------------------------------------------------------

        /// <summary>The face and the take being heard now; false until the first face frame.</summary>
        public bool TrySampleFace(out FaceState state)
        {
            state = new FaceState();
            if (pump == null) return false;
            double now = Now;
            FaceFrame face;
            if (!pump.Session.TrySampleFace(now, out face)) return false;
            var take = pump.Session.CurrentTake(now);
            state = new FaceState { Face = face, Viseme = take != null ? take.Viseme : "sil", Emotion = take != null ? take.Emotion : null };
            return true;
        }

        /// <summary>The body pose due now and its skeleton; false until both have arrived.</summary>
        public bool TrySamplePose(out PoseFrame pose, out Skeleton skeleton)
        {
            pose = null;
            skeleton = null;
            return pump != null && pump.Session.TrySamplePose(Now, out pose, out skeleton);
        }

        /// <summary>The take being heard now (subtitles: its text and how many words have been said).</summary>
        public TakeState CurrentTake()
        {
            return pump != null ? pump.Session.CurrentTake(Now) : null;
        }

        /// <summary>Audio for the audio thread: `frames` frames starting at localTime (see AudioRing.Read).</summary>
        public int ReadAudio(float[] data, int frames, int channels, int outputRate, double localTime)
        {
            var current = pump;  // read once: the main thread may swap it
            var session = current != null ? current.Session : null;
            if (session == null)
            {
                Array.Clear(data, 0, frames * channels);
                return 0;
            }
            return session.ReadAudio(data, 0, frames, channels, outputRate, localTime);
        }

        // -- requests (replies on the main thread) -----------------------------------------------------------------

        public void Say(string text, string emotion = null, Action<Reply> onReply = null)
        {
            if (pump != null) pump.Say(text, emotion, onReply ?? LogFailure);
        }

        public void Interrupt(Action<Reply> onReply = null)
        {
            if (pump != null) pump.Interrupt(onReply ?? LogFailure);
        }

        /// <summary>Any op of docs/protocol.md: new Request("gesture").With("name", "wave").With("avatar", avatar).</summary>
        public void Send(Request request, Action<Reply> onReply = null)
        {
            if (pump != null) pump.Send(request, onReply ?? LogFailure);
        }

        private void LogFailure(Reply reply)
        {
            if (!reply.Ok) Debug.LogWarning("Avatar Bridge: request failed: " + reply.ErrorCode + ": " + reply.ErrorMessage, this);
        }
    }
}

// Plays the streamed voice through an AudioSource, each sample at its pts: OnAudioFilterRead (the audio thread)
// reads the core's audio ring for the time the block will be heard, resampled to the output rate (the voice is
// usually 22050 Hz, Unity mixes at AudioSettings.outputSampleRate). When the audio configuration changes (a device
// plugged in or out), Core's AudioOutput takes the new rate and latency and has the source played again, as Unity's
// AudioSettings.Reset example does. The scheduling and resampling are Core's AudioRing; both are tested outside Unity.
using AvatarBridge.Core;
using UnityEngine;

namespace AvatarBridge.Unity
{
    [AddComponentMenu("Avatar Bridge/Streamed Audio Player")]
    [RequireComponent(typeof(AudioSource))]
    public sealed class StreamedAudioPlayer : MonoBehaviour
    {
        public AvatarBridgeClient client;
        [Tooltip("Seconds added to the device's own output latency: positive if the voice is heard before the lips move.")]
        [Range(-0.2f, 0.2f)] public float latencyTrim = 0f;
        [Range(0f, 2f)] public float gain = 1f;

        private volatile AvatarBridgeClient source;  // read by the audio thread
        private readonly AudioOutput output = new AudioOutput();  // its Current is read by the audio thread
        private AudioSource audioSource;

        private void Awake()
        {
            if (client == null) client = GetComponentInParent<AvatarBridgeClient>();
            audioSource = GetComponent<AudioSource>();
            // No clip: this filter is the source. Update plays it so the DSP chain pulls from it.
            audioSource.clip = null;
            audioSource.loop = true;
        }

        private void OnEnable()
        {
            int bufferLength, buffers;
            AudioSettings.GetDSPBufferSize(out bufferLength, out buffers);
            output.Configure(AudioSettings.outputSampleRate, bufferLength, buffers);
            AudioSettings.OnAudioConfigurationChanged += OnConfigurationChanged;
            source = client;
        }

        private void OnDisable()
        {
            AudioSettings.OnAudioConfigurationChanged -= OnConfigurationChanged;
            source = null;
        }

        private void OnConfigurationChanged(bool deviceWasChanged)
        {
            int bufferLength, buffers;
            AudioSettings.GetDSPBufferSize(out bufferLength, out buffers);
            output.ConfigurationChanged(AudioSettings.outputSampleRate, bufferLength, buffers);
        }

        // (Re)start the source: at first, after a configuration change, or when something stopped it.
        private void Update()
        {
            if (output.ShouldPlay(audioSource.isPlaying)) audioSource.Play();
        }

        // The audio thread: no Unity API here but the data it is handed.
        private void OnAudioFilterRead(float[] data, int channels)
        {
            var c = source;
            var device = output.Current;  // rate and latency of one configuration
            int frames = data.Length / channels;
            if (c == null || device.Rate <= 0)
            {
                System.Array.Clear(data, 0, data.Length);
                return;
            }
            // A block filled now is heard after the blocks already queued ahead of it.
            double heardAt = AvatarBridgeClient.Now + device.Latency + latencyTrim;
            c.ReadAudio(data, frames, channels, device.Rate, heardAt);
            if (gain != 1f) for (int i = 0; i < data.Length; i++) data[i] *= gain;
        }
    }
}

// Plays the streamed voice through an AudioSource, each sample at its pts: OnAudioFilterRead (the audio thread)
// reads the core's audio ring for the time the block will be heard, resampled to the output rate (the voice is
// usually 22050 Hz, Unity mixes at AudioSettings.outputSampleRate). The scheduling and resampling are Core's
// AudioRing (tested outside Unity); this only asks for the right time.
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
        private int outputRate;
        private double deviceLatency;

        private void Awake()
        {
            if (client == null) client = GetComponentInParent<AvatarBridgeClient>();
            var audio = GetComponent<AudioSource>();
            // No clip: this filter is the source. Play it so the DSP chain pulls from it.
            audio.clip = null;
            audio.loop = true;
            if (!audio.isPlaying) audio.Play();
        }

        private void OnEnable()
        {
            UpdateDevice();
            AudioSettings.OnAudioConfigurationChanged += OnConfigurationChanged;
            source = client;
        }

        private void OnDisable()
        {
            AudioSettings.OnAudioConfigurationChanged -= OnConfigurationChanged;
            source = null;
        }

        private void OnConfigurationChanged(bool deviceWasChanged) { UpdateDevice(); }

        private void UpdateDevice()
        {
            outputRate = AudioSettings.outputSampleRate;
            int bufferLength, buffers;
            AudioSettings.GetDSPBufferSize(out bufferLength, out buffers);
            // A block filled now is heard after the blocks already queued ahead of it.
            deviceLatency = outputRate > 0 ? (double)bufferLength * buffers / outputRate : 0.0;
        }

        // The audio thread: no Unity API here but the data it is handed.
        private void OnAudioFilterRead(float[] data, int channels)
        {
            var c = source;
            int frames = data.Length / channels;
            if (c == null || outputRate <= 0)
            {
                System.Array.Clear(data, 0, data.Length);
                return;
            }
            double heardAt = AvatarBridgeClient.Now + deviceLatency + latencyTrim;
            c.ReadAudio(data, frames, channels, outputRate, heardAt);
            if (gain != 1f) for (int i = 0; i < data.Length; i++) data[i] *= gain;
        }
    }
}

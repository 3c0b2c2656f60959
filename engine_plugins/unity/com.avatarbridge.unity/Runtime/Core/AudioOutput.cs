// The audio device as the streamed voice sees it, and what to do when it changes, without UnityEngine (so it is
// tested here). When the audio configuration changes (a headset plugged in, the OS changing the rate,
// AudioSettings.Reset), Unity calls AudioSettings.OnAudioConfigurationChanged, and a playing AudioSource must be
// played again (the AudioSettings.Reset example in Unity's manual does so). StreamedAudioPlayer reports the
// configuration here and asks each frame whether to play its source. The voice itself stays in the session's audio
// ring: nothing is flushed, the next read asks for the time then due at the new rate (AudioRing resamples), and what
// fell due while the device was away is dropped as late, so the voice goes on where the lips are.
namespace AvatarBridge.Core
{
    /// <summary>One output configuration: the rate the mixer runs at and how long a block filled now waits behind
    /// the blocks already queued.</summary>
    public sealed class OutputDevice
    {
        public readonly int Rate;
        public readonly double Latency;

        /// <param name="rate">AudioSettings.outputSampleRate (0 or less: no device to play on).</param>
        /// <param name="bufferLength">Frames per DSP block (AudioSettings.GetDSPBufferSize).</param>
        /// <param name="buffers">Blocks queued (AudioSettings.GetDSPBufferSize).</param>
        public OutputDevice(int rate, int bufferLength, int buffers)
        {
            Rate = rate > 0 ? rate : 0;
            Latency = Rate > 0 && bufferLength > 0 && buffers > 0 ? (double)bufferLength * buffers / Rate : 0.0;
        }
    }

    /// <summary>The player's device state. The main thread configures it and asks ShouldPlay; the audio thread reads
    /// Current, one reference, so it never sees the new rate with the old latency.</summary>
    public sealed class AudioOutput
    {
        private volatile OutputDevice current = new OutputDevice(0, 0, 0);
        private bool playAgain;

        public OutputDevice Current { get { return current; } }
        /// <summary>Configuration changes seen.</summary>
        public int Changes { get; private set; }
        /// <summary>Times ShouldPlay asked for the source to be played (again).</summary>
        public int Plays { get; private set; }

        /// <summary>The configuration when the player starts (its source is played by the first ShouldPlay).</summary>
        public void Configure(int rate, int bufferLength, int buffers)
        {
            current = new OutputDevice(rate, bufferLength, buffers);
        }

        /// <summary>Unity's OnAudioConfigurationChanged, with the configuration read after it: the source is to be
        /// played again, whether or not it still says it is playing.</summary>
        public void ConfigurationChanged(int rate, int bufferLength, int buffers)
        {
            Configure(rate, bufferLength, buffers);
            Changes++;
            playAgain = true;
        }

        /// <summary>Whether to call AudioSource.Play now (main thread, each frame): after a configuration change, or
        /// when the source has stopped; never while there is no device (then once one comes back).</summary>
        public bool ShouldPlay(bool isPlaying)
        {
            if (current.Rate <= 0 || (isPlaying && !playAgain)) return false;
            playAgain = false;
            Plays++;
            return true;
        }
    }
}

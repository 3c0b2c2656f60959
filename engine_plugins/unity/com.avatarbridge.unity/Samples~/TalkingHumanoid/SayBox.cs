// Sample: a box to type a line for the avatar to say, an interrupt button, the subtitle of the take being heard,
// and the connection's counters (the first place to look when something does not move). Immediate-mode GUI, so the
// sample needs no UI package.
using AvatarBridge.Core;
using AvatarBridge.Unity;
using UnityEngine;

public sealed class SayBox : MonoBehaviour
{
    public AvatarBridgeClient client;
    public string line = "Hi everyone, welcome to the show!";
    private string status = "";

    private void OnGUI()
    {
        if (client == null) return;
        GUILayout.BeginArea(new Rect(10, 10, 520, 260), GUI.skin.box);
        GUILayout.BeginHorizontal();
        line = GUILayout.TextField(line, GUILayout.Width(360));
        if (GUILayout.Button("Say")) client.Say(line, null, r => status = r.Ok ? "take " + r.Text("take") : r.ErrorCode + ": " + r.ErrorMessage);
        if (GUILayout.Button("Stop")) client.Interrupt();
        GUILayout.EndHorizontal();
        GUILayout.Label(status);
        var take = client.CurrentTake();
        if (take != null) GUILayout.Label(Subtitle(take), GUI.skin.textArea);
        var s = client.Stats;
        GUILayout.Label(string.Format("{0} | clock offset {1:F4} s, rtt {2:F4} s | face {3} pose {4} audio {5} | lost {6} skipped {7}",
            s.State, s.ClockOffset, s.ClockRtt, s.Face, s.Pose, s.Audio, s.Lost, s.Malformed + s.Invalid + s.UnknownKind + s.VersionMismatch));
        if (s.LastError.Length > 0) GUILayout.Label("last: " + s.LastError);
        GUILayout.EndArea();
    }

    /// <summary>The take's text with the words said so far in bold.</summary>
    private static string Subtitle(TakeState take)
    {
        var words = take.Text.Split(' ');
        int said = Mathf.Min(take.WordsSpoken, words.Length);
        return "<b>" + string.Join(" ", words, 0, said) + "</b> " + string.Join(" ", words, said, words.Length - said);
    }
}

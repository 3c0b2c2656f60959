// Face rig profiles in C#: the same JSON files as models/face/rigs/*.json (a copy ships in the package's
// RigProfiles/), read and checked as models/face/rigs.py reads them, bound to one mesh's blendshape names, and
// evaluated into that mesh's weights. BlendshapeDriver (Unity) is a thin loop over this.
//
//   "arkit":    ARKit channel -> blendshape   from face frames' 52 weights
//   "visemes":  Oculus viseme -> blendshape   from the phonemes of the take being heard (TakeTimeline)
//   "emotions": emotion       -> blendshape   from the take's emotion
//   "gaze":     up/down/left/right -> blendshape   from face frames' eye angles
using System;
using System.Collections.Generic;
using System.Linq;

namespace AvatarBridge.Core
{
    /// <summary>A rig profile that cannot be used; the message names the file, section and entry.</summary>
    public sealed class RigProfileException : Exception
    {
        public RigProfileException(string message) : base(message) { }
    }

    public sealed class RigProfile
    {
        public static readonly string[] Visemes = { "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou" };
        public static readonly string[] Emotions = { "neutral", "happy", "excited", "sad", "surprised", "angry", "thinking" };
        public static readonly string[] GazeDirections = { "up", "down", "left", "right" };
        /// <summary>What each section's keys may be (models/face/rigs.py SECTIONS).</summary>
        public static readonly Dictionary<string, string[]> SectionKeys = new Dictionary<string, string[]>
        {
            { "arkit", Arkit.Blendshapes }, { "visemes", Visemes }, { "emotions", Emotions }, { "gaze", GazeDirections },
        };

        public string Name = "";
        public string Description = "";
        /// <summary>section -> our name -> the rig's blendshape name.</summary>
        public readonly Dictionary<string, Dictionary<string, string>> Sections = new Dictionary<string, Dictionary<string, string>>();

        /// <summary>Read a profile; `source` (a file or asset name) prefixes every error.</summary>
        public static RigProfile Parse(string json, string source)
        {
            object doc;
            try
            {
                doc = Json.Parse(json);
            }
            catch (JsonException e)
            {
                throw new RigProfileException(source + ": not valid JSON (" + e.Message + ")");
            }
            var map = doc as Dictionary<string, object>;
            if (map == null) throw new RigProfileException(source + ": a rig profile is a JSON object");
            var profile = new RigProfile { Name = source };
            foreach (var entry in map)
            {
                if (entry.Key == "name" || entry.Key == "description")
                {
                    var text = entry.Value as string ?? "";
                    if (entry.Key == "name" && text.Length > 0) profile.Name = text;
                    if (entry.Key == "description") profile.Description = text;
                    continue;
                }
                string[] keys;
                if (!SectionKeys.TryGetValue(entry.Key, out keys))
                {
                    throw new RigProfileException(source + ": unknown section '" + entry.Key + "'; sections: " + string.Join(", ", SectionKeys.Keys.ToArray()));
                }
                var mapping = entry.Value as Dictionary<string, object>;
                if (mapping == null) throw new RigProfileException(source + ": section '" + entry.Key + "' must map our names to blendshape names");
                var section = new Dictionary<string, string>();
                foreach (var pair in mapping)
                {
                    if (Array.IndexOf(keys, pair.Key) < 0)
                    {
                        throw new RigProfileException(source + ": " + entry.Key + " has no '" + pair.Key + "'; known: " + string.Join(", ", keys));
                    }
                    var morph = pair.Value as string;
                    if (string.IsNullOrEmpty(morph))
                    {
                        throw new RigProfileException(source + ": " + entry.Key + "." + pair.Key + " must be a blendshape name (a non-empty string)");
                    }
                    section[pair.Key] = morph;
                }
                profile.Sections[entry.Key] = section;
            }
            if (profile.Sections.Count == 0)
            {
                throw new RigProfileException(source + ": the profile maps nothing; give at least one of " + string.Join(", ", SectionKeys.Keys.ToArray()));
            }
            return profile;
        }

        /// <summary>How many distinct blendshapes the profile drives.</summary>
        public int Driven { get { return Sections.Values.SelectMany(s => s.Values).Distinct().Count(); } }
    }

    /// <summary>A profile channel the mesh lacks: section, our name and the blendshape name it wanted.</summary>
    public struct MissingShape
    {
        public string Section, Ours, Shape;

        public override string ToString() { return Section + "." + Ours + " -> " + Shape; }
    }

    /// <summary>What the face should show at one moment: the sampled face frame, and the viseme and emotion of the
    /// take being heard ("sil" and null when none).</summary>
    public struct FaceState
    {
        public FaceFrame Face;
        public string Viseme;
        public string Emotion;
    }

    /// <summary>A profile bound to one mesh's blendshapes (by index, in the mesh's order).</summary>
    public sealed class RigBinding
    {
        /// <summary>Eye angle (radians) at which a gaze blendshape is fully on: about 20 degrees.</summary>
        public const double GazeFull = 0.35;

        private enum Source { Arkit, Viseme, Emotion, Gaze }

        private struct Read
        {
            public Source Source;
            public int Index;  // ARKit index or gaze direction
            public string Name;  // viseme or emotion
        }

        private readonly int[] shapes;  // mesh blendshape index of each driven shape
        private readonly Read[][] reads;  // what drives it (several signals: the strongest wins)

        public readonly List<MissingShape> Missing = new List<MissingShape>();
        /// <summary>Mesh blendshapes the profile does not drive (fine, but worth a look when nothing moves).</summary>
        public readonly List<string> Unused = new List<string>();
        public readonly int ShapeCount;
        public readonly string ProfileName;

        /// <summary>Bind by exact name; a mesh name that is `prefix.name` (FBX exports write `blendShape1.jawOpen`)
        /// matches `name` when no mesh name matches exactly and only one has that suffix.</summary>
        public RigBinding(RigProfile profile, IList<string> meshShapes)
        {
            ProfileName = profile.Name;
            ShapeCount = meshShapes.Count;
            var byName = new Dictionary<string, int>();
            var bySuffix = new Dictionary<string, int>();
            for (int i = 0; i < meshShapes.Count; i++)
            {
                string name = meshShapes[i];
                if (!byName.ContainsKey(name)) byName[name] = i;
                int dot = name.LastIndexOf('.');
                if (dot < 0) continue;
                string suffix = name.Substring(dot + 1);
                bySuffix[suffix] = bySuffix.ContainsKey(suffix) ? -1 : i;  // -1: ambiguous
            }
            var driven = new SortedDictionary<int, List<Read>>();
            var used = new HashSet<int>();
            foreach (var section in profile.Sections)
            {
                foreach (var pair in section.Value)
                {
                    int index;
                    if (!byName.TryGetValue(pair.Value, out index) && (!bySuffix.TryGetValue(pair.Value, out index) || index < 0))
                    {
                        Missing.Add(new MissingShape { Section = section.Key, Ours = pair.Key, Shape = pair.Value });
                        continue;
                    }
                    List<Read> list;
                    if (!driven.TryGetValue(index, out list)) driven[index] = list = new List<Read>();
                    list.Add(ReadOf(section.Key, pair.Key));
                    used.Add(index);
                }
            }
            shapes = driven.Keys.ToArray();
            reads = driven.Values.Select(l => l.ToArray()).ToArray();
            for (int i = 0; i < meshShapes.Count; i++) if (!used.Contains(i)) Unused.Add(meshShapes[i]);
        }

        /// <summary>Mesh blendshape indices this binding writes, in order.</summary>
        public int[] Shapes { get { return (int[])shapes.Clone(); } }

        private static Read ReadOf(string section, string ours)
        {
            switch (section)
            {
                case "arkit": return new Read { Source = Source.Arkit, Index = Array.IndexOf(Arkit.Blendshapes, ours) };
                case "visemes": return new Read { Source = Source.Viseme, Name = ours };
                case "emotions": return new Read { Source = Source.Emotion, Name = ours };
                default: return new Read { Source = Source.Gaze, Index = Array.IndexOf(RigProfile.GazeDirections, ours) };
            }
        }

        /// <summary>The warning to log when the mesh lacks shapes the profile drives (null when it has them all).</summary>
        public string Warning(string meshName)
        {
            if (Missing.Count == 0) return null;
            int driven = Missing.Count + reads.Sum(r => r.Length);
            return "Avatar Bridge: mesh '" + meshName + "' lacks " + Missing.Count + " of the " + driven +
                   " blendshapes rig profile '" + ProfileName + "' drives (those channels stay still): " +
                   string.Join(", ", Missing.Select(m => m.ToString()).ToArray()) +
                   ". Pick the profile that matches the rig's names, or edit a copy of it.";
        }

        /// <summary>Write each bound blendshape's weight (0..1) at weights[meshIndex]; others are left as they are.</summary>
        public void Evaluate(FaceState state, float[] weights)
        {
            for (int k = 0; k < shapes.Length; k++)
            {
                float best = 0f;
                foreach (var read in reads[k]) best = Math.Max(best, Value(read, state));
                weights[shapes[k]] = best;
            }
        }

        private static float Value(Read read, FaceState state)
        {
            switch (read.Source)
            {
                case Source.Arkit:
                    return state.Face != null ? Clamp01(state.Face.Weights[read.Index]) : 0f;
                case Source.Viseme:
                    return (state.Viseme ?? "sil") == read.Name ? 1f : 0f;
                case Source.Emotion:
                    return state.Emotion == read.Name ? 1f : 0f;
                default:
                    if (state.Face == null) return 0f;
                    // Both eyes together; yaw + turns to the avatar's left, pitch + looks down (docs/protocol.md).
                    double yaw = 0.5 * (state.Face.Eyes[0] + state.Face.Eyes[2]);
                    double pitch = 0.5 * (state.Face.Eyes[1] + state.Face.Eyes[3]);
                    double toward = read.Index == 0 ? -pitch : read.Index == 1 ? pitch : read.Index == 2 ? yaw : -yaw;
                    return Clamp01((float)(toward / GazeFull));
            }
        }

        private static float Clamp01(float v) { return v < 0f ? 0f : v > 1f ? 1f : v; }
    }
}

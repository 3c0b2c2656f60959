// Tests of the Core logic the Unity components are thin loops over: rig profiles and their binding to a mesh's
// blendshapes (BlendshapeDriver), the take timeline (visemes, emotions, subtitles), the humanoid retarget
// (HumanoidPoseDriver) and the background pump (AvatarBridgeClient).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AvatarBridge.Core;

namespace AvatarBridge.CoreTests
{
    internal static partial class Program
    {
        private static string RigProfilesDir()
        {
            return Path.GetFullPath(Path.Combine(vectors, "..", "..", "engine_plugins", "unity", "com.avatarbridge.unity", "RigProfiles"));
        }

        private static string Throws(Action action)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                return e.Message;
            }
            return "";
        }

        private static void JsonReader()
        {
            var doc = (Dictionary<string, object>)Json.Parse("\uFEFF{\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"\\u00e9\\n\\\"x\\\"\"}, \"d\": {}}");
            var a = (List<object>)doc["a"];
            Check(a.Count == 5 && (double)a[0] == 1 && (double)a[1] == -25 && (bool)a[2] && !(bool)a[3] && a[4] == null, "array values");
            Check((string)((Dictionary<string, object>)doc["b"])["c"] == "\u00e9\n\"x\"", "string escapes");
            Check(((Dictionary<string, object>)doc["d"]).Count == 0, "empty object");
            Check(Throws(() => Json.Parse("{\"a\": 1,\n \"b\" 2}")).Contains("line 2, column 6"), "an error gives line and column: " + Throws(() => Json.Parse("{\"a\": 1,\n \"b\" 2}")));
            Check(Throws(() => Json.Parse("{\"a\": 1, \"a\": 2}")).Contains("twice"), "a duplicate key");
            Check(Throws(() => Json.Parse("[1, 2")).Length > 0 && Throws(() => Json.Parse("{} x")).Contains("after"), "truncated, trailing");
            Check(Throws(() => Json.Parse(new string('[', 100))).Contains("deeper"), "nesting limit");
            Check(Throws(() => Json.Parse("\"abc")).Contains("not closed") && Throws(() => Json.Parse("nul")).Length > 0, "unclosed string, bad word");
        }

        private static void RigProfiles()
        {
            var files = Directory.GetFiles(RigProfilesDir(), "*.json").OrderBy(f => f).ToArray();
            Check(files.Length >= 6, "the bundled profiles are there");
            foreach (var file in files)
            {
                var profile = RigProfile.Parse(File.ReadAllText(file), Path.GetFileName(file));
                Check(profile.Sections.Count > 0 && profile.Name.Length > 0, file + " reads");
            }
            var arkit = RigProfile.Parse(File.ReadAllText(Path.Combine(RigProfilesDir(), "arkit.json")), "arkit.json");
            Check(arkit.Sections["arkit"].Count == 52 && arkit.Driven == 52 && arkit.Name.StartsWith("ARKit"), "the ARKit profile drives all 52");
            var vrm0 = RigProfile.Parse(File.ReadAllText(Path.Combine(RigProfilesDir(), "vrm0.json")), "vrm0.json");
            Check(vrm0.Sections["visemes"]["aa"] == "A" && vrm0.Sections["gaze"]["left"] == "LookLeft" && vrm0.Sections["emotions"]["happy"] == "Joy", "VRM 0 sections");
            Func<string, string> error = json => Throws(() => RigProfile.Parse(json, "my.json"));
            Check(error("{\"arkit\": {\"jawOpen\": \"JawOpen\"}, \"mouth\": {}}").Contains("my.json: unknown section 'mouth'"), "unknown section");
            Check(error("{\"arkit\": {\"jawopen\": \"JawOpen\"}}").Contains("arkit has no 'jawopen'"), "unknown ARKit name");
            Check(error("{\"visemes\": {\"aa\": \"\"}}").Contains("visemes.aa must be a blendshape name"), "empty blendshape name");
            Check(error("{\"gaze\": [\"up\"]}").Contains("section 'gaze' must map"), "a section not a map");
            Check(error("{\"name\": \"x\"}").Contains("maps nothing"), "an empty profile");
            Check(error("{\"arkit\": {").Contains("my.json: not valid JSON (line 1"), "broken JSON names the file and line");
            Check(error("[1]").Contains("a JSON object"), "not an object");
        }

        private static FaceFrame FaceWith(string shape, float weight)
        {
            var f = new FaceFrame { Avatar = "host" };
            f.Weights[Array.IndexOf(Arkit.Blendshapes, shape)] = weight;
            return f;
        }

        private static void RigBindingTests()
        {
            var profile = RigProfile.Parse("{\"name\": \"test\", \"arkit\": {\"jawOpen\": \"A\", \"eyeBlinkLeft\": \"Blink_L\", \"mouthPucker\": \"mouthPucker\", \"cheekPuff\": \"Puff\"}," +
                                           " \"visemes\": {\"aa\": \"A\", \"ou\": \"U\"}, \"emotions\": {\"happy\": \"Joy\"}, \"gaze\": {\"left\": \"LookLeft\", \"down\": \"LookDown\"}}", "test.json");
            // An FBX-style mesh: `blendShape1.` prefixes, one shape missing (Puff), one the profile does not drive.
            var mesh = new[] { "blendShape1.A", "blendShape1.Blink_L", "mouthPucker", "blendShape1.U", "Joy", "LookLeft", "LookDown", "Extra" };
            var binding = new RigBinding(profile, mesh);
            Check(binding.Missing.Count == 1 && binding.Missing[0].Section == "arkit" && binding.Missing[0].Ours == "cheekPuff" && binding.Missing[0].Shape == "Puff", "the missing shape is listed");
            var warning = binding.Warning("Face");
            Check(warning != null && warning.Contains("mesh 'Face' lacks 1 of the 9") && warning.Contains("arkit.cheekPuff -> Puff") && warning.Contains("'test'"), "the warning names mesh, count and shape: " + warning);
            Check(binding.Unused.SequenceEqual(new[] { "Extra" }), "unused shapes");
            Check(binding.Shapes.SequenceEqual(new[] { 0, 1, 2, 3, 4, 5, 6 }), "bound by exact name or by the suffix after a dot");
            var weights = Enumerable.Repeat(-1f, mesh.Length).ToArray();
            var face = FaceWith("jawOpen", 0.4f);
            face.Weights[Array.IndexOf(Arkit.Blendshapes, "eyeBlinkLeft")] = 1.5f;  // out of range: clamped
            face.Eyes = new[] { 0.175, 0.1, 0.175, 0.1 };  // both eyes half-way to the avatar's left, looking down
            binding.Evaluate(new FaceState { Face = face, Viseme = "ou", Emotion = "happy" }, weights);
            Near(weights[0], 0.4, 1e-6, "A from jawOpen");
            Check(weights[1] == 1f && weights[2] == 0f && weights[3] == 1f && weights[4] == 1f, "blink clamped, pucker 0, viseme U, emotion Joy");
            Near(weights[5], 0.5, 1e-6, "LookLeft from the eye yaw");
            Near(weights[6], 0.1 / RigBinding.GazeFull, 1e-6, "LookDown from the eye pitch");
            Check(weights[7] == -1f, "an unbound shape is left alone");
            binding.Evaluate(new FaceState { Face = face, Viseme = "aa", Emotion = "sad" }, weights);
            Check(weights[0] == 1f && weights[3] == 0f && weights[4] == 0f, "A: the strongest of jawOpen and viseme aa wins; U and Joy off");
            face.Eyes = new[] { -0.5, -0.5, -0.5, -0.5 };
            binding.Evaluate(new FaceState { Face = face }, weights);
            Check(weights[5] == 0f && weights[6] == 0f && weights[0] == 0.4f, "gaze the other way: 0; no viseme is sil");
            binding.Evaluate(new FaceState(), weights);
            Check(weights[0] == 0f && weights[1] == 0f, "no face yet: rest");
            var ambiguous = new RigBinding(profile, new[] { "L.A", "R.A" });
            Check(ambiguous.Missing.Any(m => m.Shape == "A"), "two meshes' shapes with the same suffix: no guess");
            var all = new RigBinding(RigProfile.Parse(File.ReadAllText(Path.Combine(RigProfilesDir(), "arkit.json")), "arkit.json"), Arkit.Blendshapes);
            Check(all.Missing.Count == 0 && all.Warning("Face") == null && all.Unused.Count == 0, "an ARKit mesh with the ARKit profile: nothing missing");
        }

        private static BridgeEvent Ev(string type, double pts, string take, string text = null, string emotion = null)
        {
            var e = new BridgeEvent { Avatar = "host", Type = type, Pts = pts, Take = take };
            if (text != null) e.Data["text"] = text;
            if (emotion != null) e.Data["emotion"] = emotion;
            return e;
        }

        private static void TakeTimelineTests()
        {
            var timeline = new TakeTimeline();
            var phonemes = new Phonemes { Avatar = "host", Take = "t1" };
            phonemes.Items.Add(new PhonemeItem { Phoneme = "h", Viseme = "aa", Start = 0.0, End = 0.1 });
            phonemes.Items.Add(new PhonemeItem { Phoneme = "_", Viseme = "sil", Start = 0.1, End = 0.2 });
            phonemes.Items.Add(new PhonemeItem { Phoneme = "b", Viseme = "PP", Start = 0.2, End = 0.3 });
            var words = new Words { Avatar = "host", Take = "t1" };
            words.Items.Add(new WordItem { Word = "Hi", Start = 0.0, End = 0.1 });
            words.Items.Add(new WordItem { Word = "Bob", Start = 0.2, End = 0.3 });
            timeline.Add(phonemes);  // sent ahead of the take
            timeline.Add(words);
            Check(timeline.Current(10.0) == null, "nothing started");
            timeline.Add(Ev("take_started", 10.0, "t1", "Hi Bob", "happy"));
            var s = timeline.Current(10.05);
            Check(s != null && s.Take == "t1" && s.Viseme == "aa" && s.Emotion == "happy" && s.WordsSpoken == 1 && s.Text == "Hi Bob", "in the first phoneme");
            Check(timeline.Current(10.25).Viseme == "PP" && timeline.Current(10.25).WordsSpoken == 2, "the third phoneme, both words");
            Check(timeline.Current(9.99) == null, "before the start");
            timeline.Add(Ev("take_ended", 10.3, "t1"));
            s = timeline.Current(10.6);
            Check(s.Ended && s.Viseme == "sil" && s.Emotion == "happy", "ended: silent, emotion held");
            Check(timeline.Current(10.81).Emotion == null && timeline.Current(11.79) != null && timeline.Current(11.81) == null, "emotion relaxes after 0.5 s, the take goes after 1.5 s");
            // An interrupted take is silent from the cut, even where its phonemes go on.
            var p2 = new Phonemes { Avatar = "host", Take = "t2" };
            p2.Items.Add(new PhonemeItem { Phoneme = "o", Viseme = "oh", Start = 0.0, End = 2.0 });
            timeline.Add(p2);
            timeline.Add(new AudioChunk { Avatar = "host", Take = "t2", Pts = 20.0, Rate = 22050, Pcm = new short[10] });  // joined late: no take_started
            Check(timeline.Current(20.5).Viseme == "oh" && timeline.Current(20.5).Emotion == null, "a take known from its audio");
            timeline.Add(Ev("interrupted", 21.0, "t2"));
            s = timeline.Current(21.2);
            Check(s.Interrupted && s.Viseme == "sil", "silent after the cut");
            for (int i = 0; i < 60; i++) timeline.Add(Ev("take_started", 100 + i, "x" + i));
            Check(timeline.Count == 50, "old takes are forgotten");
        }

        private static void FaceAxesTests()
        {
            // The numbers of bridge/sinks/vmc.py face_rotation_in_unity for the same angles.
            var q = FaceAxes.ToUnity(0.3, 0.2, 0.1);
            Near(q.X, 0.10602051106179562, 1e-6, "x");
            Near(q.Y, -0.14357217502739192, 1e-6, "y");
            Near(q.Z, -0.03427079855048211, 1e-6, "z");
            Near(q.W, 0.9833474432563559, 1e-6, "w");
            q = FaceAxes.ToUnity(-0.25, 0.1);
            Near(q.X, 0.0495892151604268, 1e-6, "eye x");
            Near(q.Y, 0.12451892243316916, 1e-6, "eye y");
            // Yaw + turns to the avatar's left: the face's forward (+Z) swings to -X (the avatar's left in Unity).
            var forward = QuatMath.Rotate(FaceAxes.ToUnity(0.5, 0), new[] { 0.0, 0.0, 1.0 });
            Check(forward[0] < -0.4, "a positive yaw looks to the avatar's left (-X)");
            forward = QuatMath.Rotate(FaceAxes.ToUnity(0, 0.5), new[] { 0.0, 0.0, 1.0 });
            Check(forward[1] < -0.4, "a positive pitch looks down");
        }

        private static Skeleton Chain(params string[] joints)
        {
            var s = new Skeleton { Avatar = "host", Joints = joints, Parents = new int[joints.Length], Offsets = new double[joints.Length][] };
            for (int j = 0; j < joints.Length; j++)
            {
                s.Parents[j] = j - 1;
                s.Offsets[j] = new[] { 0.0, j == 0 ? 0.0 : 0.1, 0.0 };
            }
            return s;
        }

        private static void HumanoidRetargetTests()
        {
            var skeleton = Chain("Hips", "Spine", "Chest", "Neck", "Head");
            var qSpine = QuatMath.AxisAngle(1, 0, 0, 0.3);
            var qChest = QuatMath.AxisAngle(0, 1, 0, -0.4);
            var qHead = QuatMath.AxisAngle(0, 0, 1, 0.2);
            var pose = new PoseFrame { Avatar = "host", Rotations = new[] { Quat.Identity, qSpine, qChest, Quat.Identity, qHead } };
            // An FBX-like rig: every bone has its own rest rotation; it has no Chest (Spine -> Neck) and eyes.
            var fbxRest = new Dictionary<int, Quat>
            {
                { 0, QuatMath.AxisAngle(1, 0, 0, -Math.PI / 2) }, { 7, QuatMath.AxisAngle(0, 0, 1, 0.7) },
                { 9, QuatMath.AxisAngle(0, 1, 0, 1.1) }, { 10, QuatMath.AxisAngle(1, 0, 0, 0.5) },
                { HumanBones.LeftEye, QuatMath.AxisAngle(0, 1, 0, Math.PI) }, { HumanBones.RightEye, QuatMath.AxisAngle(0, 1, 0, Math.PI) },
            };
            Func<int, Quat?> restOf = bone => fbxRest.ContainsKey(bone) ? fbxRest[bone] : (Quat?)null;
            var retarget = new HumanoidRetarget(skeleton, restOf);
            Check(retarget.Drives(0) && retarget.Drives(1) && !retarget.Drives(2) && retarget.Drives(4) && retarget.Drives(retarget.LeftEyeTarget), "bones the rig has");
            Quat[] t;
            var rest = new PoseFrame { Avatar = "host", Rotations = Enumerable.Repeat(Quat.Identity, 5).ToArray() };
            Check(retarget.Solve(rest, null, out t), "solved");
            Check(QuatMath.Angle(t[0], fbxRest[0]) < 1e-6 && QuatMath.Angle(t[4], fbxRest[10]) < 1e-6, "the T-pose leaves every bone at its rest");
            Check(retarget.Solve(pose, null, out t), "solved");
            Near(QuatMath.Angle(t[1], QuatMath.Mul(qSpine, fbxRest[7])), 0, 1e-6, "spine: G * rest");
            // The Chest the rig lacks still turns the Neck and Head: the world delta carries it.
            var g = QuatMath.Mul(qSpine, qChest);
            Near(QuatMath.Angle(t[3], QuatMath.Mul(g, fbxRest[9])), 0, 1e-6, "neck through the missing chest");
            Near(QuatMath.Angle(t[4], QuatMath.Mul(QuatMath.Mul(g, qHead), fbxRest[10])), 0, 1e-6, "head");
            // The face turns the head on top of the Head joint, and the eyes relative to the head.
            var face = new FaceFrame { Avatar = "host", Head = new[] { 0.3, 0.2, 0.1 }, Eyes = new[] { -0.25, 0.1, 0.1, 0.0 } };
            retarget.Solve(pose, face, out t);
            var head = QuatMath.Mul(QuatMath.Mul(g, qHead), FaceAxes.ToUnity(0.3, 0.2, 0.1));
            Near(QuatMath.Angle(t[4], QuatMath.Mul(head, fbxRest[10])), 0, 1e-6, "head with the face's turn");
            Near(QuatMath.Angle(t[retarget.LeftEyeTarget], QuatMath.Mul(QuatMath.Mul(head, FaceAxes.ToUnity(-0.25, 0.1)), fbxRest[HumanBones.LeftEye])), 0, 1e-6, "left eye");
            Near(QuatMath.Angle(t[retarget.LeftEyeTarget + 1], QuatMath.Mul(QuatMath.Mul(head, FaceAxes.ToUnity(0.1, 0.0)), fbxRest[HumanBones.RightEye])), 0, 1e-6, "right eye");
            // A VRM-normalized rig (identity rests, every bone): the local rotations come back as the wire's.
            var vrm = new HumanoidRetarget(skeleton, bone => Quat.Identity);
            vrm.Solve(pose, null, out t);
            for (int j = 1; j < 5; j++)
            {
                var local = QuatMath.Mul(QuatMath.Inverse(t[j - 1]), t[j]);
                Near(QuatMath.Angle(local, pose.Rotations[j]), 0, 1e-6, "VRM local rotation of " + skeleton.Joints[j]);
            }
            Check(!vrm.Solve(new PoseFrame { Rotations = new Quat[3] }, null, out t), "a pose of another skeleton is refused");
            // Root: the rig's hips 1.0 m up; the wire's 0.95: displacements scale by 1/0.95.
            var root = HumanoidRetarget.RootPosition(new[] { 0.19, 0.855, -0.095 }, new[] { 0.0, 1.0, 0.02 });
            Near(root[0], 0.2, 1e-9, "root x");
            Near(root[1], 0.9, 1e-9, "root y: crouched 0.1 of the hip height");
            Near(root[2], -0.08, 1e-9, "root z");
            Check(HumanBones.Of("LeftThumbProximal") == 24 && HumanBones.Of("RightLittleDistal") == 53 && HumanBones.Of("UpperChest") == 54 && HumanBones.Of("Tail") == -1, "HumanBodyBones values");
        }

        /// <summary>A transport with nothing on the other end (the pump thread's smoke test).</summary>
        private sealed class SilentTransport : ITransport
        {
            public int Receives;
            public bool Disposed;
            public void Connect(string control, string stream, string subscribePrefix) { }
            public bool TrySend(byte[] request) { return false; }
            public bool TryReceive(out TransportMessage message)
            {
                System.Threading.Interlocked.Increment(ref Receives);
                message = new TransportMessage();
                return false;
            }
            public void ResetControl() { }
            public void Dispose() { Disposed = true; }
        }

        private static void BridgePumpTests()
        {
            var sim = new SimulatedSidecar(5);
            var session = new BridgeSession(new SessionConfig(), sim);
            var pump = new BridgePump(session, () => sim.Now);
            var events = new List<string>();
            pump.EventReceived += e => events.Add(e.Type);
            int skeletons = 0;
            pump.SkeletonChanged += s => skeletons++;
            session.Start();
            for (int i = 0; i < 600; i++)
            {
                sim.Advance(1.0 / 60);
                pump.PumpOnce();
            }
            Check(pump.Stats.State == ConnectionState.Connected && pump.Stats.Pose > 0, "pumped: connected, poses in");
            Reply reply = null;
            pump.Say("Hello there.", null, r => reply = r);
            for (int i = 0; i < 90; i++)  // the 1.2 s take plays and has just ended
            {
                sim.Advance(1.0 / 60);
                pump.PumpOnce();
            }
            Check(reply == null && events.Count == 0 && skeletons == 0, "nothing reaches the game thread before DispatchMain");
            Check(pump.DispatchMain() >= 3, "dispatched");
            Check(reply != null && reply.Ok && events.Contains("take_started") && events.Contains("take_ended") && skeletons == 1, "reply, events and the skeleton on the game thread");
            var take = session.CurrentTake(sim.Now);
            Check(take != null && take.Take == "t1" && take.Ended, "the session's take timeline");
            // The real thread: it pumps until stopped, and stopping fails what is still waiting.
            var silent = new SilentTransport();
            var threaded = new BridgePump(new BridgeSession(new SessionConfig(), silent));
            Reply never = null;
            threaded.Start(1);
            threaded.Say("anyone?", null, r => never = r);
            var until = DateTime.UtcNow.AddSeconds(10);
            while (silent.Receives < 20 && DateTime.UtcNow < until) System.Threading.Thread.Sleep(5);
            threaded.Stop();
            Check(silent.Receives >= 20 && !threaded.Running && silent.Disposed, "the thread pumped, stopped and closed the transport");
            Check(never != null && never.ErrorCode == "stopped", "a request still waiting fails 'stopped' on the game thread");
        }

        /// <summary>`bones`: HumanBodyBones values as JSON, checked against models/body/skeleton.py by pytest.</summary>
        private static int Bones()
        {
            var entries = HumanBones.UnityIndex.OrderBy(e => e.Value).Select(e => new KeyValuePair<string, object>(e.Key, (long)e.Value)).ToList();
            Console.WriteLine(JsonWriter.Write(entries));
            return 0;
        }
    }
}

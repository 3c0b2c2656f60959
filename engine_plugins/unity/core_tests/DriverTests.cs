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

        /// <summary>The wire's humanoid body (models/body/skeleton.py offsets), with one finger on the left hand and
        /// none on the right.</summary>
        private static Skeleton BodySkeleton()
        {
            var joints = new List<string> { "Hips", "Spine", "Chest", "UpperChest", "Neck", "Head" };
            var parents = new List<int> { -1, 0, 1, 2, 3, 4 };
            var offsets = new List<double[]>
            {
                new[] { 0.0, 0.0, 0.0 }, new[] { 0.0, 0.09, 0.0 }, new[] { 0.0, 0.12, 0.0 }, new[] { 0.0, 0.11, 0.0 },
                new[] { 0.0, 0.15, -0.01 }, new[] { 0.0, 0.09, 0.01 },
            };
            Action<string, string, double[]> add = (joint, parent, offset) =>
            {
                joints.Add(joint);
                parents.Add(joints.IndexOf(parent));
                offsets.Add(offset);
            };
            foreach (var side in new[] { "Left", "Right" })
            {
                double x = side == "Left" ? 1.0 : -1.0;
                add(side + "Shoulder", "UpperChest", new[] { -0.025 * x, 0.11, -0.005 });
                add(side + "UpperArm", side + "Shoulder", new[] { -0.13 * x, 0.0, 0.0 });
                add(side + "LowerArm", side + "UpperArm", new[] { -0.28 * x, 0.0, 0.0 });
                add(side + "Hand", side + "LowerArm", new[] { -0.25 * x, 0.0, 0.0 });
                if (side == "Left")
                {
                    add("LeftMiddleProximal", "LeftHand", new[] { -0.098, 0.0, 0.006 });
                    add("LeftMiddleIntermediate", "LeftMiddleProximal", new[] { -0.046, 0.0, 0.0 });
                }
            }
            foreach (var side in new[] { "Left", "Right" })
            {
                double x = side == "Left" ? 1.0 : -1.0;
                add(side + "UpperLeg", "Hips", new[] { -0.09 * x, -0.05, 0.0 });
                add(side + "LowerLeg", side + "UpperLeg", new[] { 0.0, -0.42, 0.0 });
                add(side + "Foot", side + "LowerLeg", new[] { 0.0, -0.41, 0.0 });
                add(side + "Toes", side + "Foot", new[] { 0.0, -0.065, 0.12 });
            }
            return new Skeleton { Avatar = "host", Joints = joints.ToArray(), Parents = parents.ToArray(), Offsets = offsets.ToArray() };
        }

        private static double Gaussian(Random random)
        {
            return Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        }

        private static Quat RandomTurn(Random random, double size)
        {
            var axis = new[] { Gaussian(random), Gaussian(random), Gaussian(random) };
            double n = Math.Sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
            return QuatMath.AxisAngle(axis[0] / n, axis[1] / n, axis[2] / n, size * Gaussian(random));
        }

        /// <summary>Where a rig's bones end up (relative to the avatar root) when each bone the retarget drives is set
        /// to its target, parents first, as HumanoidPoseDriver sets Transform.rotation: a bone keeps its rest offset
        /// in its parent's frame. `file` is the rig's pose in the scene (its file pose).</summary>
        private static double[][] PosedRig(Skeleton skeleton, RigRest file, HumanoidRetarget retarget, PoseFrame pose)
        {
            Quat[] targets;
            Check(retarget.Solve(pose, null, out targets), "solved");
            var rotation = new Quat[HumanBones.Count];
            var at = new double[HumanBones.Count][];
            var bound = new int[skeleton.Count];  // the nearest joint at or above with a bone, -1 for none
            for (int j = 0; j < skeleton.Count; j++)
            {
                int parent = skeleton.Parents[j], b = HumanBones.Of(skeleton.Joints[j]);
                int above = parent >= 0 ? bound[parent] : -1;
                if (file.RotationOf(b) == null)
                {
                    bound[j] = above;
                    continue;
                }
                bound[j] = j;
                rotation[b] = retarget.Drives(j) ? targets[j] : file.RotationOf(b).Value;
                if (above < 0)
                {
                    at[b] = file.PositionOf(b);
                    continue;
                }
                int a = HumanBones.Of(skeleton.Joints[above]);
                var restOffset = new[] { file.PositionOf(b)[0] - file.PositionOf(a)[0], file.PositionOf(b)[1] - file.PositionOf(a)[1], file.PositionOf(b)[2] - file.PositionOf(a)[2] };
                var offset = QuatMath.Rotate(QuatMath.Mul(rotation[a], QuatMath.Inverse(file.RotationOf(a).Value)), restOffset);
                at[b] = new[] { at[a][0] + offset[0], at[a][1] + offset[1], at[a][2] + offset[2] };
            }
            return at;
        }

        private static double AngleBetween(double[] u, double[] v)
        {
            double dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
            double cx = u[1] * v[2] - u[2] * v[1], cy = u[2] * v[0] - u[0] * v[2], cz = u[0] * v[1] - u[1] * v[0];
            return Math.Atan2(Math.Sqrt(cx * cx + cy * cy + cz * cz), dot);
        }

        /// <summary>The worst angle (radians) between the bone directions of two posed rigs: each bone the rig has
        /// towards the next joint along it that the rig also has (the same pairs RigRest.AlignedTo aims along).</summary>
        private static double WorstDirection(Skeleton skeleton, RigRest rig, double[][] a, double[][] b)
        {
            double worst = 0;
            for (int j = 0; j < skeleton.Count; j++)
            {
                int from = HumanBones.Of(skeleton.Joints[j]);
                if (rig.RotationOf(from) == null) continue;
                int aim = RigRest.AimChild(skeleton, j);
                while (aim >= 0 && rig.RotationOf(HumanBones.Of(skeleton.Joints[aim])) == null) aim = RigRest.AimChild(skeleton, aim);
                if (aim < 0) continue;
                int to = HumanBones.Of(skeleton.Joints[aim]);
                var da = new[] { a[to][0] - a[from][0], a[to][1] - a[from][1], a[to][2] - a[from][2] };
                var db = new[] { b[to][0] - b[from][0], b[to][1] - b[from][1], b[to][2] - b[from][2] };
                worst = Math.Max(worst, AngleBetween(da, db));
            }
            return worst;
        }

        private static void HumanoidAPoseTests()
        {
            // Two rigs of one FBX-like character, 1.1x the wire's size, every bone with its own rest rotation and no
            // UpperChest (the Chest aims at the Neck): one stands in a T-pose, the other in an A-pose, each arm
            // turned 45 degrees down about the forward axis at the upper arm.
            var skeleton = BodySkeleton();
            var tPose = RigRest.TPosePositions(skeleton);
            var random = new Random(20);
            var tRig = new RigRest();
            var aRig = new RigRest();
            Func<int, double[]> placed = j => new[] { 1.1 * tPose[j][0], 1.045 + 1.1 * tPose[j][1], 1.1 * tPose[j][2] };
            for (int j = 0; j < skeleton.Count; j++)
            {
                string joint = skeleton.Joints[j];
                if (joint == "UpperChest") continue;
                int bone = HumanBones.Of(joint);
                var position = placed(j);
                var rotation = RandomTurn(random, 2.0);
                tRig.Set(bone, position, rotation);
                string side = joint.StartsWith("Left", StringComparison.Ordinal) ? "Left" : joint.StartsWith("Right", StringComparison.Ordinal) ? "Right" : null;
                bool inArm = side != null && new[] { "UpperArm", "LowerArm", "Hand", "Middle" }.Any(part => joint.StartsWith(side + part, StringComparison.Ordinal));
                if (!inArm)
                {
                    aRig.Set(bone, position, rotation);
                    continue;
                }
                var aPose = QuatMath.AxisAngle(0, 0, 1, (side == "Left" ? 1 : -1) * Math.PI / 4);
                var shoulder = placed(skeleton.IndexOf(side + "UpperArm"));
                var turned = QuatMath.Rotate(aPose, new[] { position[0] - shoulder[0], position[1] - shoulder[1], position[2] - shoulder[2] });
                aRig.Set(bone, new[] { shoulder[0] + turned[0], shoulder[1] + turned[1], shoulder[2] + turned[2] }, QuatMath.Mul(aPose, rotation));
            }
            int leftHand = HumanBones.Of("LeftHand"), rightHand = HumanBones.Of("RightHand");
            Check(aRig.PositionOf(leftHand)[1] < tRig.PositionOf(leftHand)[1] - 0.3 && aRig.PositionOf(rightHand)[1] < tRig.PositionOf(rightHand)[1] - 0.3, "the A-pose hands hang below the T-pose's");
            // Aligned to the wire's T-pose: the T-pose rig stays as it is, the A-pose rig becomes it.
            var tAligned = tRig.AlignedTo(skeleton);
            var aAligned = aRig.AlignedTo(skeleton);
            double worstRest = 0, worstPlace = 0;
            for (int b = 0; b < HumanBones.Count; b++)
            {
                if (tRig.RotationOf(b) == null) continue;
                worstRest = Math.Max(worstRest, QuatMath.Angle(tAligned.RotationOf(b).Value, tRig.RotationOf(b).Value));
                if (b != leftHand) worstRest = Math.Max(worstRest, QuatMath.Angle(aAligned.RotationOf(b).Value, tRig.RotationOf(b).Value));
                for (int k = 0; k < 3; k++) worstPlace = Math.Max(worstPlace, Math.Abs(aAligned.PositionOf(b)[k] - tRig.PositionOf(b)[k]));
            }
            Check(worstRest < 1e-5, "aligned rests: the T-pose rig's own, and the A-pose rig's arms raised into it: " + worstRest);
            Check(worstPlace < 1e-5, "the A-pose rig's aligned hands and finger sit where the T-pose rig's do: " + worstPlace);
            // The left hand aims at its middle finger, 6 mm forward of the plane the A-pose turned it in: the shortest
            // swing back leaves a small twist about the hand's own axis (the swing aligns directions only).
            var twist = QuatMath.Mul(aAligned.RotationOf(leftHand).Value, QuatMath.Inverse(tRig.RotationOf(leftHand).Value));
            var handAxis = skeleton.Offsets[skeleton.IndexOf("LeftMiddleProximal")];
            Check(AngleBetween(QuatMath.Rotate(twist, handAxis), handAxis) < 1e-5 && QuatMath.Angle(twist, Quat.Identity) < 3 * Math.PI / 180, "the left hand: a twist under 3 degrees about its own axis");
            // Posed by the same wire frames, both rigs point every bone the same way (and as the wire does); the old
            // retarget, which took the rig's pose at Start for the T-pose, leaves the A-pose arms 45 degrees off.
            var tRetarget = new HumanoidRetarget(skeleton, tRig.AlignedTo(skeleton).RotationOf);
            var aRetarget = new HumanoidRetarget(skeleton, aRig.AlignedTo(skeleton).RotationOf);
            var startAsTPose = new HumanoidRetarget(skeleton, aRig.RotationOf);
            var wireRig = new RigRest();  // the wire itself as a rig: identity rests at its T-pose positions
            for (int j = 0; j < skeleton.Count; j++) if (tRig.RotationOf(HumanBones.Of(skeleton.Joints[j])) != null) wireRig.Set(HumanBones.Of(skeleton.Joints[j]), tPose[j], Quat.Identity);
            var wireRetarget = new HumanoidRetarget(skeleton, wireRig.RotationOf);
            double worst = 0, worstWire = 0, bestOld = double.MaxValue;
            for (int trial = 0; trial <= 20; trial++)
            {
                var pose = new PoseFrame { Avatar = "host", Rotations = new Quat[skeleton.Count] };
                for (int j = 0; j < skeleton.Count; j++) pose.Rotations[j] = trial == 0 ? Quat.Identity : RandomTurn(random, 0.8);
                var tPosed = PosedRig(skeleton, tRig, tRetarget, pose);
                worst = Math.Max(worst, WorstDirection(skeleton, tRig, tPosed, PosedRig(skeleton, aRig, aRetarget, pose)));
                worstWire = Math.Max(worstWire, WorstDirection(skeleton, tRig, tPosed, PosedRig(skeleton, wireRig, wireRetarget, pose)));
                bestOld = Math.Min(bestOld, WorstDirection(skeleton, tRig, tPosed, PosedRig(skeleton, aRig, startAsTPose, pose)));
            }
            Check(worst < 1e-4, "the A-pose rig's bones point as the T-pose rig's: worst " + worst * 180 / Math.PI + " degrees");
            Check(worstWire < 1e-4, "and as the wire's own: worst " + worstWire * 180 / Math.PI + " degrees");
            Check(bestOld > 40 * Math.PI / 180, "the A-pose taken for the T-pose: every pose has a bone off by at least " + bestOld * 180 / Math.PI + " degrees");

            // The rest of a bone from the avatar description's local rests (root's child first): an unmapped
            // transform between, turned and scaled, carries the bone's offset.
            var rest = new RigRest();
            var turn = QuatMath.AxisAngle(0, 1, 0, Math.PI / 2);
            rest.SetFromChain(0, new[]
            {
                new LocalRest(new[] { 0.0, 0.0, 0.0 }, turn, new[] { 2.0, 2.0, 2.0 }),  // "Armature": scaled x2, turned 90 about Y
                new LocalRest(new[] { 0.0, 0.5, 0.25 }, QuatMath.AxisAngle(1, 0, 0, 0.3), new[] { 1.0, 1.0, 1.0 }),
            });
            var hips = rest.PositionOf(0);
            Near(hips[0], 0.5, 1e-6, "local z 0.25, scaled x2, turned to +x");
            Near(hips[1], 1.0, 1e-6, "local y 0.5, scaled x2");
            Near(hips[2], 0.0, 1e-6, "nothing left on z");
            Near(QuatMath.Angle(rest.RotationOf(0).Value, QuatMath.Mul(turn, QuatMath.AxisAngle(1, 0, 0, 0.3))), 0, 1e-6, "rotations multiply down the chain");
            Check(rest.RotationOf(1) == null && rest.PositionOf(99) == null, "a bone not set, a value out of range: none");
        }

        private static void AudioDeviceChangeTests()
        {
            var output = new AudioOutput();
            Check(output.Current.Rate == 0 && !output.ShouldPlay(false), "no configuration yet: nothing to play on");
            output.Configure(48000, 1024, 4);
            Near(output.Current.Latency, 4096.0 / 48000, 1e-12, "latency: the queued blocks");
            Check(output.ShouldPlay(false) && !output.ShouldPlay(true), "the source is played at first, then left playing");
            Check(output.ShouldPlay(false) && output.Plays == 2, "a source something stopped is played again");

            // A voice at 22050 Hz on the sidecar's timeline: 2 s of a ramp from t = 10.
            var ring = new AudioRing();
            var pcm = new short[2 * 22050];
            for (int i = 0; i < pcm.Length; i++) pcm[i] = (short)(i % 20000);
            ring.Write(pcm, 10.0, 22050);
            Func<double, float> voiceAt = t =>
            {
                double p = (t - 10.0) * 22050;
                long i = (long)Math.Floor(p);
                return (float)((pcm[i] + (p - i) * (pcm[i + 1] - pcm[i])) / 32768.0);
            };
            double now = 10.0;
            Func<int, float[]> block = frames =>
            {
                var rate = output.Current.Rate;
                var data = new float[frames * 2];
                ring.Read(data, 0, frames, 2, rate, now);
                if (rate > 0) now += (double)frames / rate;
                return data;
            };
            for (int i = 0; i < 24; i++) block(1024);  // 0.512 s at 48 kHz
            Near(block(1024)[0], voiceAt(now - 1024.0 / 48000), 1e-4, "on time at 48 kHz");

            // The headset is plugged in: 44.1 kHz, another buffer; Unity stops the source for 0.25 s.
            output.ConfigurationChanged(44100, 512, 2);
            Check(output.Current.Rate == 44100 && Math.Abs(output.Current.Latency - 1024.0 / 44100) < 1e-12, "the new rate and latency");
            Check(output.ShouldPlay(true) && !output.ShouldPlay(true) && output.Changes == 1, "played again once after the change, even if it says it plays");
            now += 0.25;
            long flushed = ring.Stats.Flushed, lateBefore = ring.Stats.Late;
            double resumedAt = now;
            var first = block(512);
            Near(first[0], voiceAt(resumedAt), 1e-4, "the voice resumes with the sample due now, resampled to 44.1 kHz");
            Near(first[2 * 300 + 1], voiceAt(resumedAt + 300.0 / 44100), 1e-4, "and goes on at the new rate (right channel, frame 300)");
            Check(ring.Stats.Flushed == flushed, "nothing flushed by the change");
            Near(ring.Stats.Late - lateBefore, 0.25 * 22050, 2, "what fell due while the device was away is dropped as late");
            while (now < 12.1) block(512);
            Check(ring.Stats.Played + ring.Stats.Late == ring.Stats.Written && ring.Buffered == 0, "the rest of the voice played out");

            // The device is unplugged and none is left: silence and no play, until one comes back.
            output.ConfigurationChanged(0, 1024, 4);
            Check(!output.ShouldPlay(false) && output.Current.Latency == 0, "no device: nothing to play on");
            Check(block(256).All(v => v == 0f), "no device: silence");
            output.ConfigurationChanged(48000, 256, 4);
            Check(output.ShouldPlay(false) && output.Changes == 3, "a device again: played again");
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

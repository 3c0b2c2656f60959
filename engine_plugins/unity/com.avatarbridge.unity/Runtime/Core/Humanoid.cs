// Pose frames onto a Unity humanoid, without UnityEngine (so it is tested here); HumanoidPoseDriver is a thin loop
// over it. The wire is in Unity's axes already (left-handed, +X the avatar's right, +Y up, +Z forward, metres), and
// its rest pose is a T-pose with every local rotation the identity, so a joint's global rotation G (forward
// kinematics over the wire's parents) is its turn away from the T-pose in the avatar's frame. A rig's bones have
// their own rest rotations (bone axes along the bones, as FBX rigs have), so each bone gets
//     rotation (relative to the avatar root) = G · rest
// where rest is the bone's rotation relative to the avatar root in the rig's T-pose (docs/body.md, "Conversions"),
// which RigRest.AlignedTo makes from the avatar's own rest, whatever pose the rig stands in.
// A joint the rig lacks (no UpperChest, no fingers) still turns its children through G: nothing is lost.
using System;
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    /// <summary>Unity's HumanBodyBones value of each wire joint name (models/body/skeleton.py UNITY_BONE_INDEX), and
    /// of the eyes, which the face frame drives.</summary>
    public static class HumanBones
    {
        public const int LeftEye = 21, RightEye = 22;
        /// <summary>How many HumanBodyBones values there are (HumanBodyBones.LastBone).</summary>
        public const int Count = 55;
        private static readonly string[] Fingers = { "Thumb", "Index", "Middle", "Ring", "Little" };
        private static readonly string[] Phalanges = { "Proximal", "Intermediate", "Distal" };

        public static readonly Dictionary<string, int> UnityIndex = Build();

        private static Dictionary<string, int> Build()
        {
            var map = new Dictionary<string, int>
            {
                { "Hips", 0 }, { "LeftUpperLeg", 1 }, { "RightUpperLeg", 2 }, { "LeftLowerLeg", 3 }, { "RightLowerLeg", 4 },
                { "LeftFoot", 5 }, { "RightFoot", 6 }, { "Spine", 7 }, { "Chest", 8 }, { "Neck", 9 }, { "Head", 10 },
                { "LeftShoulder", 11 }, { "RightShoulder", 12 }, { "LeftUpperArm", 13 }, { "RightUpperArm", 14 },
                { "LeftLowerArm", 15 }, { "RightLowerArm", 16 }, { "LeftHand", 17 }, { "RightHand", 18 },
                { "LeftToes", 19 }, { "RightToes", 20 }, { "LeftEye", LeftEye }, { "RightEye", RightEye }, { "UpperChest", 54 },
            };
            int next = 24;  // LeftThumbProximal .. RightLittleDistal: 24 .. 53, left hand first
            foreach (var side in new[] { "Left", "Right" })
                foreach (var finger in Fingers)
                    foreach (var phalanx in Phalanges)
                        map[side + finger + phalanx] = next++;
            return map;
        }

        /// <summary>The HumanBodyBones value of a wire joint name, -1 when Unity has no such bone.</summary>
        public static int Of(string joint)
        {
            int index;
            return UnityIndex.TryGetValue(joint, out index) ? index : -1;
        }
    }

    /// <summary>The face frame's rotations in Unity's axes. The face frame (ARKit's) is Unity's with X flipped:
    /// +x the avatar's left; yaw about +y (+ turns to the avatar's left), pitch about +x (+ looks down), roll about
    /// +z. Same numbers as bridge/sinks/vmc.py face_rotation_in_unity.</summary>
    public static class FaceAxes
    {
        public static Quat ToUnity(double yaw, double pitch, double roll = 0.0)
        {
            var q = QuatMath.Mul(QuatMath.Mul(QuatMath.AxisAngle(0, 1, 0, yaw), QuatMath.AxisAngle(1, 0, 0, pitch)), QuatMath.AxisAngle(0, 0, 1, roll));
            return new Quat(q.X, -q.Y, -q.Z, q.W);  // a mirror in X: (x, y, z) -> (x, -y, -z)
        }
    }

    /// <summary>Target bone rotations for one rig, solved from pose frames (and face frames for the head turn and
    /// the eyes). Targets are relative to the avatar root; apply them parents first.</summary>
    public sealed class HumanoidRetarget
    {
        /// <summary>The wire's rest Hips height (docs/body.md: the avatar is 1.70 m with the hips 0.95 m up).</summary>
        public const double WireHipsHeight = 0.95;

        private readonly Skeleton skeleton;
        private readonly Quat?[] rest;
        private readonly Quat?[] eyeRest;
        private readonly int head;
        private readonly Quat[] globals;
        private readonly Quat[] targets;

        /// <param name="skeleton">The stream's skeleton.</param>
        /// <param name="restOf">A rig bone's rotation relative to the avatar root in the rig's T-pose, by
        /// HumanBodyBones value; null when the rig has no such bone.</param>
        public HumanoidRetarget(Skeleton skeleton, Func<int, Quat?> restOf)
        {
            this.skeleton = skeleton;
            rest = new Quat?[skeleton.Count];
            for (int j = 0; j < skeleton.Count; j++)
            {
                int bone = HumanBones.Of(skeleton.Joints[j]);
                rest[j] = bone >= 0 ? restOf(bone) : null;
            }
            head = skeleton.IndexOf("Head");
            eyeRest = head >= 0 ? new[] { restOf(HumanBones.LeftEye), restOf(HumanBones.RightEye) } : new Quat?[] { null, null };
            globals = new Quat[skeleton.Count];
            targets = new Quat[skeleton.Count + 2];
        }

        public Skeleton Skeleton { get { return skeleton; } }

        /// <summary>Target index of the left eye (the right eye is the next); joints come first, in skeleton order.</summary>
        public int LeftEyeTarget { get { return skeleton.Count; } }

        /// <summary>Whether target i (a joint index, or LeftEyeTarget / LeftEyeTarget + 1) has a bone to drive.</summary>
        public bool Drives(int i)
        {
            return i < skeleton.Count ? rest[i].HasValue : eyeRest[i - skeleton.Count].HasValue;
        }

        /// <summary>Targets for a pose (and, when given, the face's head turn on top of the Head joint and the eye
        /// angles relative to the head). The returned array is reused by the next call. False when the pose does
        /// not fit the skeleton.</summary>
        public bool Solve(PoseFrame pose, FaceFrame face, out Quat[] result)
        {
            result = targets;
            if (pose == null || pose.Rotations.Length != skeleton.Count) return false;
            for (int j = 0; j < skeleton.Count; j++)
            {
                var local = QuatMath.Normalize(pose.Rotations[j]);
                if (j == head && face != null) local = QuatMath.Mul(local, FaceAxes.ToUnity(face.Head[0], face.Head[1], face.Head[2]));
                int parent = skeleton.Parents[j];
                globals[j] = parent < 0 ? local : QuatMath.Mul(globals[parent], local);
                if (rest[j].HasValue) targets[j] = QuatMath.Mul(globals[j], rest[j].Value);
            }
            if (head >= 0)
            {
                for (int e = 0; e < 2; e++)
                {
                    if (!eyeRest[e].HasValue) continue;
                    var eye = face != null ? FaceAxes.ToUnity(face.Eyes[2 * e], face.Eyes[2 * e + 1]) : Quat.Identity;
                    targets[skeleton.Count + e] = QuatMath.Mul(QuatMath.Mul(globals[head], eye), eyeRest[e].Value);
                }
            }
            return true;
        }

        /// <summary>Where the rig's Hips go (relative to the avatar root) for the wire's root position: the wire's
        /// displacement from its rest, scaled by the ratio of hip heights, added to the rig's rest Hips.</summary>
        public static double[] RootPosition(double[] wireRoot, double[] rigRestHips)
        {
            double scale = rigRestHips[1] > 0 ? rigRestHips[1] / WireHipsHeight : 1.0;
            return new[]
            {
                rigRestHips[0] + wireRoot[0] * scale,
                rigRestHips[1] + (wireRoot[1] - WireHipsHeight) * scale,
                rigRestHips[2] + wireRoot[2] * scale,
            };
        }
    }
}

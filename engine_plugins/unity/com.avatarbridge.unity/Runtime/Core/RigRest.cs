// A rig's bones at rest, and that rest turned into the stream's T-pose, without UnityEngine (so it is tested here).
// The stream's rotations are turns away from its T-pose, so HumanoidRetarget needs each bone's rotation in the
// rig's T-pose. A rig in the scene stands in its file pose, an A-pose for most VRM and Mixamo rigs. Unity's
// avatar setup stores a T-pose in the avatar's human description (SkeletonBone local rests, moved by
// AvatarSetupTool.MakePoseValid: arms within 5 degrees, the spine within 30), and HumanoidPoseDriver reads its
// rest from there. AlignedTo then swings each bone to point where the stream's T-pose points it, as the Unreal
// core's alignRestToTPose does: an avatar built from an A-pose (AvatarBuilder at runtime) or a loose T-pose still
// comes out right. The swing aligns directions only: a twist about a bone's own axis stays the rig's.
using System;
using System.Collections.Generic;

namespace AvatarBridge.Core
{
    /// <summary>One transform at rest relative to its parent: Unity's SkeletonBone (local position, rotation, scale).</summary>
    public struct LocalRest
    {
        public double[] Position;
        public Quat Rotation;
        public double[] Scale;

        public LocalRest(double[] position, Quat rotation, double[] scale)
        {
            Position = position;
            Rotation = rotation;
            Scale = scale;
        }
    }

    /// <summary>A rig's humanoid bones at rest, relative to the avatar root, by HumanBodyBones value.</summary>
    public sealed class RigRest
    {
        private readonly Quat?[] rotations = new Quat?[HumanBones.Count];
        private readonly double[][] positions = new double[HumanBones.Count][];

        /// <summary>The bone's rest rotation relative to the avatar root; null when the rig has no such bone.</summary>
        public Quat? RotationOf(int bone) { return bone >= 0 && bone < rotations.Length ? rotations[bone] : null; }

        /// <summary>The bone's rest position relative to the avatar root; null when the rig has no such bone.</summary>
        public double[] PositionOf(int bone) { return bone >= 0 && bone < positions.Length ? positions[bone] : null; }

        public void Set(int bone, double[] position, Quat rotation)
        {
            positions[bone] = position;
            rotations[bone] = QuatMath.Normalize(rotation);
        }

        /// <summary>Place a bone from the local rests of the transforms from the avatar root's child down to the bone
        /// itself (the root's own rest is not in the chain: everything is relative to it).</summary>
        public void SetFromChain(int bone, IList<LocalRest> chain)
        {
            // A point p of transform k is T_k + R_k (S_k p) in its parent; the bone's origin, carried up the chain.
            var p = new double[3];
            var rotation = Quat.Identity;
            for (int k = chain.Count - 1; k >= 0; k--)
            {
                var r = chain[k];
                var scaled = new[] { p[0] * r.Scale[0], p[1] * r.Scale[1], p[2] * r.Scale[2] };
                var turned = QuatMath.Rotate(r.Rotation, scaled);
                p = new[] { r.Position[0] + turned[0], r.Position[1] + turned[1], r.Position[2] + turned[2] };
                rotation = QuatMath.Mul(r.Rotation, rotation);
            }
            Set(bone, p, rotation);
        }

        /// <summary>The joint a joint's bone points at: its only child, or the one along the body where there are
        /// several (Hips to Spine, UpperChest to Neck, a hand to its MiddleProximal); -1 for a leaf.</summary>
        public static int AimChild(Skeleton skeleton, int joint)
        {
            var children = new List<int>();
            for (int j = 0; j < skeleton.Count; j++) if (skeleton.Parents[j] == joint) children.Add(j);
            if (children.Count <= 1) return children.Count == 0 ? -1 : children[0];
            foreach (var along in new[] { "Spine", "Neck", "MiddleProximal" })
                foreach (int c in children)
                    if (skeleton.Joints[c].EndsWith(along, StringComparison.Ordinal)) return c;
            return children[0];
        }

        /// <summary>
        /// This rest turned into the skeleton's T-pose (every local rotation the identity): each bone the rig has is
        /// swung by the shortest rotation that points it, towards the next joint along it that the rig also has,
        /// where the skeleton's T-pose points it. A bone with nothing to aim at (a head, a toe, a hand without
        /// fingers, the eyes) turns with its nearest ancestor's swing, as if rigidly attached. Positions follow their
        /// swung ancestors. A rig already in the T-pose comes back as it is.
        /// </summary>
        public RigRest AlignedTo(Skeleton skeleton)
        {
            var aligned = new RigRest();
            Array.Copy(rotations, aligned.rotations, rotations.Length);
            Array.Copy(positions, aligned.positions, positions.Length);
            var tPose = TPosePositions(skeleton);
            var bones = new int[skeleton.Count];
            for (int j = 0; j < skeleton.Count; j++)
            {
                int b = HumanBones.Of(skeleton.Joints[j]);
                bones[j] = b >= 0 && rotations[b].HasValue && positions[b] != null ? b : -1;
            }
            var swing = new Quat[skeleton.Count];
            var boundAncestor = new int[skeleton.Count];  // the nearest joint above with a bone, -1 for none
            for (int j = 0; j < skeleton.Count; j++)
            {
                int parent = skeleton.Parents[j];
                boundAncestor[j] = parent < 0 ? -1 : bones[parent] >= 0 ? parent : boundAncestor[parent];
                var inherited = parent >= 0 ? swing[parent] : Quat.Identity;
                int b = bones[j];
                if (b < 0)
                {
                    swing[j] = inherited;
                    continue;
                }
                int aim = AimChild(skeleton, j);
                while (aim >= 0 && bones[aim] < 0) aim = AimChild(skeleton, aim);
                swing[j] = aim >= 0 ? QuatMath.RotationBetween(Minus(positions[bones[aim]], positions[b]), Minus(tPose[aim], tPose[j])) : inherited;
                aligned.rotations[b] = QuatMath.Normalize(QuatMath.Mul(swing[j], rotations[b].Value));
                int a = boundAncestor[j];
                if (a >= 0) aligned.Follow(this, b, bones[a], swing[a]);
            }
            int head = skeleton.IndexOf("Head");
            if (head >= 0)
            {
                foreach (int eye in new[] { HumanBones.LeftEye, HumanBones.RightEye })
                {
                    if (!rotations[eye].HasValue) continue;
                    aligned.rotations[eye] = QuatMath.Normalize(QuatMath.Mul(swing[head], rotations[eye].Value));
                    int a = bones[head] >= 0 ? head : boundAncestor[head];
                    if (a >= 0 && positions[eye] != null) aligned.Follow(this, eye, bones[a], swing[a]);
                }
            }
            return aligned;
        }

        /// <summary>The skeleton's joints in its T-pose (every rotation the identity), the root at the origin.</summary>
        public static double[][] TPosePositions(Skeleton skeleton)
        {
            var at = new double[skeleton.Count][];
            for (int j = 0; j < skeleton.Count; j++)
            {
                int parent = skeleton.Parents[j];
                var o = skeleton.Offsets[j];
                at[j] = parent < 0 ? new[] { 0.0, 0.0, 0.0 } : new[] { at[parent][0] + o[0], at[parent][1] + o[1], at[parent][2] + o[2] };
            }
            return at;
        }

        // The bone's offset from its ancestor is rigid in the ancestor's frame: it turns with the ancestor's swing.
        private void Follow(RigRest original, int bone, int ancestor, Quat ancestorSwing)
        {
            var offset = QuatMath.Rotate(ancestorSwing, Minus(original.positions[bone], original.positions[ancestor]));
            var from = positions[ancestor];
            positions[bone] = new[] { from[0] + offset[0], from[1] + offset[1], from[2] + offset[2] };
        }

        private static double[] Minus(double[] a, double[] b) { return new[] { a[0] - b[0], a[1] - b[1], a[2] - b[2] }; }
    }
}

// Drives a Humanoid rig (an Animator with a humanoid Avatar) from the pose stream. The stream is in Unity's axes
// already; Core's HumanoidRetarget (tested outside Unity) turns each joint's pose into a rotation relative to the
// avatar root. The rig's rest comes from the avatar's own human description (the T-pose Unity's avatar setup
// stored), not from the pose the rig stands in at Start (an A-pose for most VRM and Mixamo rigs), and Core's
// RigRest.AlignedTo turns it into the stream's exact T-pose. This loop only reads and writes Transforms.
using System.Collections.Generic;
using AvatarBridge.Core;
using UnityEngine;

namespace AvatarBridge.Unity
{
    [AddComponentMenu("Avatar Bridge/Humanoid Pose Driver")]
    [RequireComponent(typeof(Animator))]
    public sealed class HumanoidPoseDriver : MonoBehaviour
    {
        public AvatarBridgeClient client;
        [Tooltip("Move the Hips with the stream's root (scaled by the ratio of hip heights); off: rotations only.")]
        public bool applyRootPosition = true;
        [Tooltip("Add the face frame's head turn on top of the Head bone, and turn the eye bones with the gaze.")]
        public bool applyHeadAndEyes = true;
        [Tooltip("Blend between the rig's own animation (0) and the stream (1).")]
        [Range(0f, 1f)] public float weight = 1f;

        private Animator animator;
        private Transform root;
        private Transform[] bones;  // by HumanBodyBones value
        private RigRest rest;  // relative to the root, from the avatar's human description
        private double[] restHips;  // relative to the root
        private HumanoidRetarget retarget;
        private Transform[] targetBones;  // per retarget target (joints in skeleton order, then the eyes)

        private void Start()
        {
            if (client == null) client = GetComponentInParent<AvatarBridgeClient>();
            animator = GetComponent<Animator>();
            root = transform;
            if (animator.avatar == null || !animator.isHuman)
            {
                Debug.LogError("Avatar Bridge: " + name + " needs a Humanoid avatar (model import settings: Rig > Animation Type: Humanoid).", this);
                enabled = false;
                return;
            }
            CaptureRest();
        }

        /// <summary>Read each bone's rest, relative to the root, from the avatar's human description: the local rest
        /// of every transform from the root down to the bone (a transform the description does not list counts with
        /// its pose now). Call again after swapping the avatar.</summary>
        public void CaptureRest()
        {
            var described = new Dictionary<string, SkeletonBone>();
            var skeleton = animator.avatar.humanDescription.skeleton;
            if (skeleton != null) foreach (var s in skeleton) if (!described.ContainsKey(s.name)) described.Add(s.name, s);
            bones = new Transform[HumanBones.Count];
            rest = new RigRest();
            var chain = new List<LocalRest>();
            int undescribed = 0;
            for (int b = 0; b < bones.Length; b++)
            {
                bones[b] = animator.GetBoneTransform((HumanBodyBones)b);
                if (bones[b] == null) continue;
                chain.Clear();
                for (var t = bones[b]; t != null && t != root; t = t.parent)
                {
                    SkeletonBone s;
                    if (described.TryGetValue(t.name, out s)) chain.Insert(0, new LocalRest(ToArray(s.position), ToQuat(s.rotation), ToArray(s.scale)));
                    else
                    {
                        undescribed++;
                        chain.Insert(0, new LocalRest(ToArray(t.localPosition), ToQuat(t.localRotation), ToArray(t.localScale)));
                    }
                }
                rest.SetFromChain(b, chain);
            }
            if (undescribed > 0)
                Debug.LogWarning("Avatar Bridge: " + name + "'s avatar description lacks " + undescribed + " transform(s) above its bones; their pose now stands in for their rest.", this);
            restHips = rest.PositionOf((int)HumanBodyBones.Hips) ?? new double[3];
            retarget = null;
        }

        private void Bind(Skeleton skeleton)
        {
            retarget = new HumanoidRetarget(skeleton, rest.AlignedTo(skeleton).RotationOf);
            targetBones = new Transform[skeleton.Count + 2];
            for (int j = 0; j < skeleton.Count; j++)
            {
                int b = HumanBones.Of(skeleton.Joints[j]);
                targetBones[j] = b >= 0 && retarget.Drives(j) ? bones[b] : null;
            }
            targetBones[skeleton.Count] = bones[HumanBones.LeftEye];
            targetBones[skeleton.Count + 1] = bones[HumanBones.RightEye];
        }

        // After the Animator, so the stream overrides (or blends over) what the controller posed.
        private void LateUpdate()
        {
            PoseFrame pose;
            Skeleton skeleton;
            if (client == null || bones == null || !client.TrySamplePose(out pose, out skeleton)) return;
            if (retarget == null || retarget.Skeleton != skeleton) Bind(skeleton);
            FaceState face;
            var faceFrame = applyHeadAndEyes && client.TrySampleFace(out face) ? face.Face : null;
            Quat[] targets;
            if (!retarget.Solve(pose, faceFrame, out targets)) return;
            // Parents first (skeleton order), so a bone's world rotation is set after its parent's.
            for (int i = 0; i < targetBones.Length; i++)
            {
                var bone = targetBones[i];
                if (bone == null || (i >= skeleton.Count && faceFrame == null)) continue;
                var world = root.rotation * ToQuaternion(targets[i]);
                bone.rotation = weight >= 1f ? world : Quaternion.Slerp(bone.rotation, world, weight);
            }
            var hips = bones[(int)HumanBodyBones.Hips];
            if (applyRootPosition && hips != null)
            {
                var p = HumanoidRetarget.RootPosition(pose.Root, restHips);
                var position = root.TransformPoint(new Vector3((float)p[0], (float)p[1], (float)p[2]));
                hips.position = Vector3.Lerp(hips.position, position, weight);
            }
        }

        // Unity's Quaternion and the wire's quaternion have the same layout and product: copied as they are.
        private static Quat ToQuat(Quaternion q) { return new Quat(q.x, q.y, q.z, q.w); }

        private static Quaternion ToQuaternion(Quat q) { return new Quaternion(q.X, q.Y, q.Z, q.W); }

        private static double[] ToArray(Vector3 v) { return new double[] { v.x, v.y, v.z }; }
    }
}

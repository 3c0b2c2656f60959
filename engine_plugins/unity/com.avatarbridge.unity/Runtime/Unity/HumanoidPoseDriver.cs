// Drives a Humanoid rig (an Animator with a humanoid Avatar) from the pose stream. The stream is in Unity's axes
// already; Core's HumanoidRetarget (tested outside Unity) turns each joint's pose into a rotation relative to the
// avatar root, from the rig's T-pose rest rotations captured here. This loop only reads and writes Transforms.
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
        private Quaternion[] restRotations;  // relative to the root, captured in the rig's T-pose
        private Vector3 restHips;
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

        /// <summary>Record each bone's rotation relative to the root. Call with the rig in its T-pose (the default
        /// when no Animator Controller poses it); the stream's rest pose is a T-pose too.</summary>
        public void CaptureRest()
        {
            bones = new Transform[(int)HumanBodyBones.LastBone];
            restRotations = new Quaternion[bones.Length];
            for (int b = 0; b < bones.Length; b++)
            {
                bones[b] = animator.GetBoneTransform((HumanBodyBones)b);
                if (bones[b] != null) restRotations[b] = Quaternion.Inverse(root.rotation) * bones[b].rotation;
            }
            var hips = bones[(int)HumanBodyBones.Hips];
            restHips = hips != null ? root.InverseTransformPoint(hips.position) : Vector3.zero;
            retarget = null;
        }

        private void Bind(Skeleton skeleton)
        {
            retarget = new HumanoidRetarget(skeleton, b => bones[b] != null ? ToQuat(restRotations[b]) : (Quat?)null);
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
                var p = HumanoidRetarget.RootPosition(pose.Root, new double[] { restHips.x, restHips.y, restHips.z });
                var position = root.TransformPoint(new Vector3((float)p[0], (float)p[1], (float)p[2]));
                hips.position = Vector3.Lerp(hips.position, position, weight);
            }
        }

        // Unity's Quaternion and the wire's quaternion have the same layout and product: copied as they are.
        private static Quat ToQuat(Quaternion q) { return new Quat(q.x, q.y, q.z, q.w); }

        private static Quaternion ToQuaternion(Quat q) { return new Quaternion(q.X, q.Y, q.Z, q.W); }
    }
}

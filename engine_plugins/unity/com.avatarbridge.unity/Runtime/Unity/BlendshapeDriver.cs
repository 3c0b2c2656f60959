// Drives a SkinnedMeshRenderer's blendshapes from the stream through a rig profile (RigProfiles/*.json, the same
// files as the sidecar's models/face/rigs/): ARKit weights, visemes, emotions and gaze. The name matching and the
// weights come from Core's RigBinding (tested outside Unity); this loop only reads and writes Unity objects.
using System.Collections.Generic;
using AvatarBridge.Core;
using UnityEngine;

namespace AvatarBridge.Unity
{
    [AddComponentMenu("Avatar Bridge/Blendshape Driver")]
    public sealed class BlendshapeDriver : MonoBehaviour
    {
        public AvatarBridgeClient client;
        [Tooltip("The face mesh(es). Empty: every SkinnedMeshRenderer under this object that has blendshapes.")]
        public SkinnedMeshRenderer[] meshes = new SkinnedMeshRenderer[0];
        [Tooltip("A rig profile JSON (the package's RigProfiles/ folder, or your own in the same format).")]
        public TextAsset rigProfile;
        [Tooltip("Blendshape weight for a channel at 1.0 (Unity's blendshapes run 0..100 unless imported otherwise).")]
        public float fullWeight = 100f;
        [Tooltip("Multiplies every channel: below 1 tones the face down, above 1 exaggerates it.")]
        [Range(0f, 2f)] public float intensity = 1f;

        private readonly List<KeyValuePair<SkinnedMeshRenderer, RigBinding>> bindings = new List<KeyValuePair<SkinnedMeshRenderer, RigBinding>>();
        private readonly List<float[]> weights = new List<float[]>();
        private readonly List<int[]> driven = new List<int[]>();

        /// <summary>What each mesh lacks of the profile (empty lists when everything matched).</summary>
        public IEnumerable<KeyValuePair<SkinnedMeshRenderer, RigBinding>> Bindings { get { return bindings; } }

        private void Start()
        {
            if (client == null) client = GetComponentInParent<AvatarBridgeClient>();
            if (meshes == null || meshes.Length == 0) meshes = GetComponentsInChildren<SkinnedMeshRenderer>();
            Bind();
        }

        /// <summary>Read the profile and bind every mesh to it (call again after changing either).</summary>
        public void Bind()
        {
            bindings.Clear();
            weights.Clear();
            driven.Clear();
            if (rigProfile == null)
            {
                Debug.LogWarning("Avatar Bridge: " + name + " has no rig profile: the face will not move. Pick one from the package's RigProfiles/ folder.", this);
                return;
            }
            RigProfile profile;
            try
            {
                profile = RigProfile.Parse(rigProfile.text, rigProfile.name);
            }
            catch (RigProfileException e)
            {
                Debug.LogError("Avatar Bridge: " + e.Message, this);
                return;
            }
            int bound = 0;
            foreach (var mesh in meshes)
            {
                if (mesh == null || mesh.sharedMesh == null || mesh.sharedMesh.blendShapeCount == 0) continue;
                var names = new string[mesh.sharedMesh.blendShapeCount];
                for (int i = 0; i < names.Length; i++) names[i] = mesh.sharedMesh.GetBlendShapeName(i);
                var binding = new RigBinding(profile, names);
                var warning = binding.Warning(mesh.name);
                if (warning != null) Debug.LogWarning(warning, mesh);
                bindings.Add(new KeyValuePair<SkinnedMeshRenderer, RigBinding>(mesh, binding));
                weights.Add(new float[names.Length]);
                driven.Add(binding.Shapes);
                bound += binding.Shapes.Length;
            }
            if (bound == 0)
            {
                Debug.LogWarning("Avatar Bridge: no blendshape of " + name + " matches rig profile '" + profile.Name +
                                 "': the face will not move. Check the profile against the mesh's blendshape names.", this);
            }
        }

        private void LateUpdate()
        {
            FaceState state;
            if (client == null || !client.TrySampleFace(out state)) return;  // no frame yet: the rig keeps its pose
            for (int m = 0; m < bindings.Count; m++)
            {
                var mesh = bindings[m].Key;
                if (mesh == null) continue;
                bindings[m].Value.Evaluate(state, weights[m]);
                foreach (int index in driven[m]) mesh.SetBlendShapeWeight(index, weights[m][index] * fullWeight * intensity);
            }
        }
    }
}

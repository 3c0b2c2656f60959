// The body stream's arithmetic, engine-free so it is compiled and tested outside Unreal: quaternions (the
// Hamilton product on coordinates, as models/body/quat.py and Unity compute it), forward kinematics over a
// Skeleton, the change of axes from the wire (Unity's) to Unreal's, and the retarget of our T-pose-relative
// rotations onto a rig whose bones have their own rest rotations (Manny).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "AvatarBridgeCore/Messages.h"

namespace avatarbridge {

struct Vec3 {
    double x = 0.0;
    double y = 0.0;
    double z = 0.0;
};

Quat multiply(const Quat& a, const Quat& b);
/// The inverse of a unit quaternion.
Quat conjugate(const Quat& q);
/// Unit length; the identity for a zero or non-finite quaternion (a corrupt joint stays at rest).
Quat normalized(const Quat& q);
/// Normalized lerp on the short arc (b negated when it lies in the other hemisphere); t clamped to 0..1. For
/// frames 1/60 s apart it is within 0.01 degrees of a slerp.
Quat nlerp(const Quat& a, const Quat& b, double t);
/// v rotated by q.
Vec3 rotate(const Quat& q, const Vec3& v);
/// The angle between two rotations, radians in [0, pi] (q and -q are the same rotation).
double angleBetween(const Quat& a, const Quat& b);
/// A turn of `radians` about a unit axis.
Quat axisAngle(const Vec3& axis, double radians);
/// The shortest rotation that turns direction `from` into direction `to` (neither needs unit length; the
/// identity when either is zero).
Quat rotationBetween(const Vec3& from, const Vec3& to);

/// Model-space rotation and position of every joint of a pose (forward kinematics over the parents).
struct GlobalPose {
    std::vector<Quat> rotations;
    std::vector<Vec3> positions;
};

/// FK of `pose` on `skeleton`: the root at pose.root, each child at parent + rotate(parent, offset). False (and
/// `out` untouched) when the pose has another joint count than the skeleton: a frame from another skeleton.
bool forwardKinematics(const Skeleton& skeleton, const PoseFrame& pose, GlobalPose& out);

/// Global rotations from local ones (parents before children, -1 for a root). `local` and `parents` have the
/// same length (the caller checks).
std::vector<Quat> globalRotations(const std::vector<int>& parents, const std::vector<Quat>& local);

// -- axes ------------------------------------------------------------------------------------------------------
//
// The wire uses Unity's axes: left-handed, +X right, +Y up, +Z forward (the avatar faces +Z), metres. A change of
// axes p' = M·p maps a rotation (v, w) to (det(M)·M·v, w); both targets below are left-handed like Unity, so
// det(M) = 1 and the quaternion's vector part is permuted like a position (docs/body.md, reference/skeleton.md).

enum class UnrealSpace {
    /// Actor and world space: +X forward, +Y right, +Z up, centimetres. Position 100·(z, x, y), rotation
    /// (qz, qx, qy, qw). The avatar faces +X, as a Character does.
    World,
    /// Skeletal-mesh component space, where Manny and MetaHumans face +Y: +Z up, centimetres. Position
    /// 100·(-x, z, y), rotation (-qx, qz, qy, qw). What bone transforms of a mesh are expressed in.
    Mesh,
};

/// A position (metres, Unity axes) in Unreal's axes and centimetres.
Vec3 toUnrealPosition(const Vec3& unity, UnrealSpace space);
/// A rotation (Unity axes) in Unreal's axes.
Quat toUnrealRotation(const Quat& unity, UnrealSpace space);

// -- retargeting -------------------------------------------------------------------------------------------------

/// Our joint names (Unity HumanBodyBones) and the UE5 mannequin (Manny, also MetaHuman bodies) bone each drives,
/// as models/body/skeleton.py's MANNY_BONE: Hips→pelvis, Chest→spine_03, LeftIndexDistal→index_03_l, ...
/// The Unreal plugin's bone-map data asset starts from this table.
extern const std::vector<std::pair<std::string, std::string>> kMannyBones;
/// The Manny bone for one of our joints ("" when the table has none).
std::string mannyBone(const std::string& joint);

/// The hips' height above the ground in our T-pose (metres; docs/body.md): the root's scale to another rig.
constexpr double kRestHipsHeight = 0.95;

/// The child a joint's bone points at (its only child; Hips→Spine, UpperChest→Neck, a hand→its MiddleProximal
/// where there are several), -1 for a leaf. Aligning a rig's reference pose to our T-pose aims along it.
int aimChild(const Skeleton& skeleton, int joint);

/// The root (our Hips position already in the rig's mesh axes, centimetres: toUnrealPosition(root, Mesh)) scaled
/// by the rig's hips height over ours, so a taller rig sways as far in proportion and its feet stay on the ground.
Vec3 rootInRig(const Vec3& rootMeshCm, double rigHipsHeightCm, double ourHipsHeight = kRestHipsHeight);

/// One of our joints bound to a bone of the target rig. Rotations are in the rig's mesh (component) space. A list
/// of them is in the rig's bone order (parents before children).
struct RetargetBone {
    int joint = -1;  // index of our joint (in the skeleton's order)
    int parentBone = -1;  // index in the RetargetBone list of the nearest bound ancestor bone, -1 for none
    /// The reference local rotations of the rig's unbound bones between parentBone and this bone's direct parent,
    /// multiplied in order (the identity when the direct parent is bound); without a bound ancestor, the direct
    /// parent's component-space reference rotation. The engine keeps those bones as they are.
    Quat parentChain;
    Quat restComponent;  // the target bone's component-space rotation in the rig's T-pose
};

/// Local (parent-space) rotations for the target rig's bones, one per RetargetBone. Our rest pose is a T-pose
/// with every rotation the identity, so a joint's global rotation G is its turn away from the T-pose: each bound
/// bone gets component = G · restComponent (G in mesh axes), and local = inverse(direct parent's component) ·
/// component, the direct parent's component being its bound ancestor's times parentChain. `globalMesh`: our
/// joints' global rotations in the rig's mesh axes (globalRotations of the locals, converted).
std::vector<Quat> retargetRotations(const std::vector<Quat>& globalMesh, const std::vector<RetargetBone>& bones);

/// A rig's reference pose (Manny's is an A-pose) turned into the T-pose our rotations are relative to: a bone with
/// a target to aim at is swung by the shortest rotation that points it where our T-pose points the same bone
/// (restComponent = swing · refComponent); a bone without one (a leaf, or its aim is unbound) turns with its
/// nearest bound ancestor's swing, as if rigidly attached. Inputs per RetargetBone, in the rig's component space:
/// `refPosition`, `refComponent` (the reference pose) and `aimAt` (the index of the bound bone it points at, -1 for
/// none). `ourRest`: our joints' T-pose positions in the same axes (any unit). The swing aligns directions only:
/// a rig whose reference twists a bone about its own axis (a palm facing the thigh instead of the floor) keeps
/// that twist.
void alignRestToTPose(const std::vector<Vec3>& ourRest, const std::vector<Vec3>& refPosition,
                      const std::vector<Quat>& refComponent, const std::vector<int>& aimAt,
                      std::vector<RetargetBone>& bones);

}  // namespace avatarbridge

#include "AvatarBridgeCore/Body.h"

#include <algorithm>
#include <cmath>

namespace avatarbridge {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Doubles inside, floats on the wire: a chain of 20 joints keeps its precision.
struct Qd {
    double x, y, z, w;
};

Qd widen(const Quat& q) { return {q.x, q.y, q.z, q.w}; }
Quat narrow(const Qd& q) {
    return {static_cast<float>(q.x), static_cast<float>(q.y), static_cast<float>(q.z), static_cast<float>(q.w)};
}

double dot(const Qd& a, const Qd& b) { return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w; }

Quat normalizedD(const Qd& q) {
    const double n = std::sqrt(dot(q, q));
    if (!(n > 1e-12) || !std::isfinite(n)) return Quat{};
    return narrow({q.x / n, q.y / n, q.z / n, q.w / n});
}

double length(const Vec3& v) { return std::sqrt(v.x * v.x + v.y * v.y + v.z * v.z); }
Vec3 cross(const Vec3& a, const Vec3& b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
Vec3 minus(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }

}  // namespace

Quat multiply(const Quat& qa, const Quat& qb) {
    const Qd a = widen(qa), b = widen(qb);
    return narrow({a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y, a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                   a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w, a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z});
}

Quat conjugate(const Quat& q) { return {-q.x, -q.y, -q.z, q.w}; }

Quat normalized(const Quat& q) { return normalizedD(widen(q)); }

Quat nlerp(const Quat& qa, const Quat& qb, double t) {
    t = std::clamp(t, 0.0, 1.0);
    const Qd a = widen(qa), b = widen(qb);
    const double s = dot(a, b) < 0.0 ? -1.0 : 1.0;
    return normalizedD({a.x + t * (s * b.x - a.x), a.y + t * (s * b.y - a.y), a.z + t * (s * b.z - a.z),
                        a.w + t * (s * b.w - a.w)});
}

Vec3 rotate(const Quat& q, const Vec3& v) {
    // v' = v + w t + u x t with t = 2 u x v: the expansion of q v q*.
    const Vec3 u{q.x, q.y, q.z};
    const double w = q.w;
    const Vec3 c = cross(u, v);
    const Vec3 t{2 * c.x, 2 * c.y, 2 * c.z};
    const Vec3 ut = cross(u, t);
    return {v.x + w * t.x + ut.x, v.y + w * t.y + ut.y, v.z + w * t.z + ut.z};
}

double angleBetween(const Quat& a, const Quat& b) {
    // From the relative rotation's sine and cosine: acos of a dot product near 1 loses half the digits.
    const Quat d = multiply(conjugate(normalized(a)), normalized(b));
    const double sine = std::sqrt(static_cast<double>(d.x) * d.x + static_cast<double>(d.y) * d.y +
                                  static_cast<double>(d.z) * d.z);
    return 2.0 * std::atan2(sine, std::fabs(static_cast<double>(d.w)));
}

Quat axisAngle(const Vec3& axis, double radians) {
    const double n = length(axis);
    if (!(n > 0.0)) return Quat{};
    const double s = std::sin(radians / 2) / n;
    return narrow({axis.x * s, axis.y * s, axis.z * s, std::cos(radians / 2)});
}

Quat rotationBetween(const Vec3& from, const Vec3& to) {
    const double nf = length(from), nt = length(to);
    if (!(nf > 0.0) || !(nt > 0.0)) return Quat{};
    const Vec3 a{from.x / nf, from.y / nf, from.z / nf}, b{to.x / nt, to.y / nt, to.z / nt};
    const double c = a.x * b.x + a.y * b.y + a.z * b.z;
    if (c < -1.0 + 1e-12) {
        // Opposite directions: half a turn about any axis perpendicular to `from`.
        Vec3 axis = cross(a, Vec3{1, 0, 0});
        if (length(axis) < 1e-6) axis = cross(a, Vec3{0, 1, 0});
        return axisAngle(axis, kPi);
    }
    // (cross, 1 + cos), normalized, is the half-angle quaternion without a trigonometric call.
    const Vec3 v = cross(a, b);
    return normalizedD({v.x, v.y, v.z, 1.0 + c});
}

bool forwardKinematics(const Skeleton& skeleton, const PoseFrame& pose, GlobalPose& out) {
    const std::size_t n = skeleton.size();
    if (pose.rotations.size() != n || skeleton.parents.size() != n || skeleton.offsets.size() != n) return false;
    GlobalPose g;
    g.rotations = globalRotations(skeleton.parents, pose.rotations);
    g.positions.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
        const int p = skeleton.parents[j];
        if (p < 0) {
            g.positions[j] = {pose.root[0], pose.root[1], pose.root[2]};
            continue;
        }
        const auto& o = skeleton.offsets[j];
        const Vec3 d = rotate(g.rotations[static_cast<std::size_t>(p)], Vec3{o[0], o[1], o[2]});
        const Vec3& base = g.positions[static_cast<std::size_t>(p)];
        g.positions[j] = {base.x + d.x, base.y + d.y, base.z + d.z};
    }
    out = std::move(g);
    return true;
}

std::vector<Quat> globalRotations(const std::vector<int>& parents, const std::vector<Quat>& local) {
    std::vector<Quat> global(local.size());
    for (std::size_t j = 0; j < local.size() && j < parents.size(); ++j) {
        const int p = parents[j];
        // Parents come first (the codec checks it), so the parent's global rotation is already there.
        global[j] = p >= 0 && static_cast<std::size_t>(p) < j ? multiply(global[static_cast<std::size_t>(p)], local[j])
                                                               : local[j];
    }
    return global;
}

Vec3 toUnrealPosition(const Vec3& u, UnrealSpace space) {
    if (space == UnrealSpace::World) return {100.0 * u.z, 100.0 * u.x, 100.0 * u.y};
    return {-100.0 * u.x, 100.0 * u.z, 100.0 * u.y};
}

Quat toUnrealRotation(const Quat& q, UnrealSpace space) {
    if (space == UnrealSpace::World) return {q.z, q.x, q.y, q.w};
    return {-q.x, q.z, q.y, q.w};
}

const std::vector<std::pair<std::string, std::string>> kMannyBones = {
    {"Hips", "pelvis"}, {"Spine", "spine_01"}, {"Chest", "spine_03"}, {"UpperChest", "spine_05"},
    {"Neck", "neck_01"}, {"Head", "head"}, {"LeftShoulder", "clavicle_l"}, {"LeftUpperArm", "upperarm_l"},
    {"LeftLowerArm", "lowerarm_l"}, {"LeftHand", "hand_l"}, {"LeftThumbProximal", "thumb_01_l"},
    {"LeftThumbIntermediate", "thumb_02_l"}, {"LeftThumbDistal", "thumb_03_l"},
    {"LeftIndexProximal", "index_01_l"}, {"LeftIndexIntermediate", "index_02_l"},
    {"LeftIndexDistal", "index_03_l"}, {"LeftMiddleProximal", "middle_01_l"},
    {"LeftMiddleIntermediate", "middle_02_l"}, {"LeftMiddleDistal", "middle_03_l"},
    {"LeftRingProximal", "ring_01_l"}, {"LeftRingIntermediate", "ring_02_l"}, {"LeftRingDistal", "ring_03_l"},
    {"LeftLittleProximal", "pinky_01_l"}, {"LeftLittleIntermediate", "pinky_02_l"},
    {"LeftLittleDistal", "pinky_03_l"}, {"RightShoulder", "clavicle_r"}, {"RightUpperArm", "upperarm_r"},
    {"RightLowerArm", "lowerarm_r"}, {"RightHand", "hand_r"}, {"RightThumbProximal", "thumb_01_r"},
    {"RightThumbIntermediate", "thumb_02_r"}, {"RightThumbDistal", "thumb_03_r"},
    {"RightIndexProximal", "index_01_r"}, {"RightIndexIntermediate", "index_02_r"},
    {"RightIndexDistal", "index_03_r"}, {"RightMiddleProximal", "middle_01_r"},
    {"RightMiddleIntermediate", "middle_02_r"}, {"RightMiddleDistal", "middle_03_r"},
    {"RightRingProximal", "ring_01_r"}, {"RightRingIntermediate", "ring_02_r"}, {"RightRingDistal", "ring_03_r"},
    {"RightLittleProximal", "pinky_01_r"}, {"RightLittleIntermediate", "pinky_02_r"},
    {"RightLittleDistal", "pinky_03_r"}, {"LeftUpperLeg", "thigh_l"}, {"LeftLowerLeg", "calf_l"},
    {"LeftFoot", "foot_l"}, {"LeftToes", "ball_l"}, {"RightUpperLeg", "thigh_r"}, {"RightLowerLeg", "calf_r"},
    {"RightFoot", "foot_r"}, {"RightToes", "ball_r"},
};

std::string mannyBone(const std::string& joint) {
    for (const auto& entry : kMannyBones) {
        if (entry.first == joint) return entry.second;
    }
    return "";
}

int aimChild(const Skeleton& skeleton, int joint) {
    std::vector<int> children;
    for (std::size_t j = 0; j < skeleton.parents.size(); ++j) {
        if (skeleton.parents[j] == joint) children.push_back(static_cast<int>(j));
    }
    if (children.size() <= 1) return children.empty() ? -1 : children[0];
    // Several children: the one along the body's length (the spine, the neck, the middle of the hand).
    auto endsWith = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    for (const char* along : {"Spine", "Neck", "MiddleProximal"}) {
        for (int c : children) {
            if (endsWith(skeleton.joints[static_cast<std::size_t>(c)], along)) return c;
        }
    }
    return children[0];
}

Vec3 rootInRig(const Vec3& cm, double rigHipsHeightCm, double ourHipsHeight) {
    const double scale = ourHipsHeight > 0.0 && rigHipsHeightCm > 0.0 ? rigHipsHeightCm / (100.0 * ourHipsHeight) : 1.0;
    return {cm.x * scale, cm.y * scale, cm.z * scale};
}

std::vector<Quat> retargetRotations(const std::vector<Quat>& globalMesh, const std::vector<RetargetBone>& bones) {
    std::vector<Quat> component(bones.size()), local(bones.size());
    for (std::size_t i = 0; i < bones.size(); ++i) {
        const RetargetBone& b = bones[i];
        const bool bound = b.joint >= 0 && static_cast<std::size_t>(b.joint) < globalMesh.size();
        component[i] = bound ? multiply(globalMesh[static_cast<std::size_t>(b.joint)], b.restComponent)
                             : b.restComponent;
        const int p = b.parentBone;
        const Quat parent = p >= 0 && static_cast<std::size_t>(p) < i
                                ? multiply(component[static_cast<std::size_t>(p)], b.parentChain)
                                : b.parentChain;
        local[i] = normalized(multiply(conjugate(parent), component[i]));
    }
    return local;
}

void alignRestToTPose(const std::vector<Vec3>& ourRest, const std::vector<Vec3>& refPosition,
                      const std::vector<Quat>& refComponent, const std::vector<int>& aimAt,
                      std::vector<RetargetBone>& bones) {
    std::vector<Quat> swing(bones.size());
    auto valid = [](int index, std::size_t size) { return index >= 0 && static_cast<std::size_t>(index) < size; };
    for (std::size_t i = 0; i < bones.size(); ++i) {
        RetargetBone& b = bones[i];
        const int c = i < aimAt.size() ? aimAt[i] : -1;
        const bool aims = valid(c, bones.size()) && i < refPosition.size() && valid(c, refPosition.size()) &&
                          valid(b.joint, ourRest.size()) && valid(bones[static_cast<std::size_t>(c)].joint, ourRest.size());
        if (aims) {
            const Vec3 theirs = minus(refPosition[static_cast<std::size_t>(c)], refPosition[i]);
            const Vec3 want = minus(ourRest[static_cast<std::size_t>(bones[static_cast<std::size_t>(c)].joint)],
                                    ourRest[static_cast<std::size_t>(b.joint)]);
            swing[i] = rotationBetween(theirs, want);
        } else if (b.parentBone >= 0 && static_cast<std::size_t>(b.parentBone) < i) {
            swing[i] = swing[static_cast<std::size_t>(b.parentBone)];
        }
        const Quat ref = i < refComponent.size() ? refComponent[i] : Quat{};
        b.restComponent = normalized(multiply(swing[i], ref));
    }
}

}  // namespace avatarbridge

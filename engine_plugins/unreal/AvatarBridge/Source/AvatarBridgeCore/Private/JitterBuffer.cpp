#include "AvatarBridgeCore/JitterBuffer.h"

#include "AvatarBridgeCore/Body.h"

namespace avatarbridge {

FaceFrame interpolate(const FaceFrame& a, const FaceFrame& b, double alpha) {
    alpha = std::clamp(alpha, 0.0, 1.0);
    FaceFrame out = a;
    const auto k = static_cast<float>(alpha);
    for (int i = 0; i < kNumFaceWeights; ++i) out.weights[i] = a.weights[i] + k * (b.weights[i] - a.weights[i]);
    // Rotations are small angles (a head turn, a glance): a linear blend of the angles is exact enough.
    for (std::size_t i = 0; i < out.head.size(); ++i) out.head[i] = a.head[i] + alpha * (b.head[i] - a.head[i]);
    for (std::size_t i = 0; i < out.eyes.size(); ++i) out.eyes[i] = a.eyes[i] + alpha * (b.eyes[i] - a.eyes[i]);
    return out;
}

PoseFrame interpolate(const PoseFrame& a, const PoseFrame& b, double alpha) {
    alpha = std::clamp(alpha, 0.0, 1.0);
    if (a.rotations.size() != b.rotations.size()) return alpha < 0.5 ? a : b;
    PoseFrame out = a;
    for (std::size_t i = 0; i < out.root.size(); ++i) out.root[i] = a.root[i] + alpha * (b.root[i] - a.root[i]);
    for (std::size_t j = 0; j < out.rotations.size(); ++j) out.rotations[j] = nlerp(a.rotations[j], b.rotations[j], alpha);
    return out;
}

}  // namespace avatarbridge

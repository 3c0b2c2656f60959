#include "AvatarBridgeCore/LiveLink.h"

namespace avatarbridge {

std::array<float, 61> liveLinkFaceValues(const FaceFrame& face) {
    constexpr double kRadiansToUnit = 1.0 / 3.14159265358979323846;  // radians -> degrees -> / 180
    std::array<float, 61> values{};
    for (int i = 0; i < kNumFaceWeights; ++i) values[static_cast<std::size_t>(i)] = face.weights[static_cast<std::size_t>(i)];
    const double rotations[9] = {face.head[0], face.head[1], face.head[2], face.eyes[0], face.eyes[1], 0.0,
                                 face.eyes[2], face.eyes[3], 0.0};
    for (std::size_t i = 0; i < 9; ++i) values[kNumFaceWeights + i] = static_cast<float>(rotations[i] * kRadiansToUnit);
    return values;
}

}  // namespace avatarbridge

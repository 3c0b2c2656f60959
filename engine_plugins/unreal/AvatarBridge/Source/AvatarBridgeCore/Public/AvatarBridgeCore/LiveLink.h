// The face as Live Link curves: what the Unreal plugin publishes, as a pure function tested outside the engine.
#pragma once

#include <array>

#include "AvatarBridgeCore/Messages.h"

namespace avatarbridge {

/// The 61 Live Link Face values of a face frame, in the order of kLiveLinkFaceCurves: the 52 weights (ARKit order
/// is Live Link order), then head yaw, pitch, roll and each eye's yaw, pitch, roll (eyes do not roll), rotations
/// as degrees / 180 like the Live Link Face app sends them, so an Anim Blueprint made for the app (MetaHuman's
/// face, with its ARKit mapping pose) reads ours unchanged. The same numbers as bridge/sinks/livelink.py.
std::array<float, 61> liveLinkFaceValues(const FaceFrame& face);

}  // namespace avatarbridge

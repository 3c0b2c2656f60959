"""Camera in: what a camera sees of a performer or a visitor, as the avatar's face, body and gaze.

    source (camera, video file, image folder, a client's frames) ─► trackers (MediaPipe: face, pose, hands)
        ─► observations ─► the puppet layer (face and body over her own layers) and the audience (visitors)

Everything here runs off the performer's tick; the layers it feeds only sample what it found (docs/camera.md).
"""

import warnings

# mediapipe 0.10.14 calls a protobuf API that protobuf 4 deprecates, on every frame.
warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype", category=UserWarning)

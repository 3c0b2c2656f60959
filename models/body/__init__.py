"""The body: a humanoid skeleton, poses and clips as pure functions of time, gestures, idle, co-speech motion,
look-at, beat-locked dance and BVH in and out. Pure compute: nothing here knows about sockets or the clock."""

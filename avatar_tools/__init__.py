"""Authoring and review tools that live beside the sidecar, never in its import path.

- `contact_sheet`: the PNG of a rendered take (`avatar-bridge render` writes it as take.png when this extra is in).
- `pose_plots`: stick-figure renders of body poses (`python -m avatar_tools.pose_plots docs/img/gestures`).
- `make_gesture_clips`: authors the gesture clips of models/body/clips/ in code
  (`python -m avatar_tools.make_gesture_clips`).

The plots need matplotlib: `pip install 'avatar-bridge[tools]'` (`make install` includes it).
"""

"""Stick-figure renders of body poses (matplotlib, headless): front and side views and a close-up of the hands.

`python -m avatar_tools.pose_plots docs/img/gestures` draws every gesture of the library at its stroke, so a person
can check that the heart reads as a heart and the thumbs-up as a thumbs-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from models.body import quat  # noqa: E402
from models.body.pose import BodyPose  # noqa: E402
from models.body.skeleton import HUMANOID, INDEX, JOINTS  # noqa: E402

#: Screen axes of each view as (world axis, sign): front looks at the avatar's face, so its right is on
#: the viewer's left; side looks at its right flank with forward to the right of the image.
VIEWS = {"front": ((0, -1.0), (1, 1.0)), "side": ((2, 1.0), (1, 1.0))}
_HEAD_RADIUS = 0.095


def _colour(name: str) -> str:
    return "tab:blue" if name.startswith("Left") else "tab:red" if name.startswith("Right") else "black"


def draw(ax: plt.Axes, pose: BodyPose, view: str = "front", hands_only: bool = False,
         sides: tuple[str, ...] = ("Left", "Right")) -> None:
    """Draw one pose as bones (left blue, right red) and a head circle; `hands_only` frames the hands of
    the given sides."""
    positions, globals_ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    tips = HUMANOID.tips(positions, globals_)
    (hx, hs), (vy, vs) = VIEWS[view]

    def screen(p: np.ndarray) -> tuple[float, float]:
        return float(hs * p[hx]), float(vs * p[vy])

    fine = hands_only
    for j, name in enumerate(JOINTS):
        p = HUMANOID.parents[j]
        is_finger = any(f in name for f in ("Thumb", "Index", "Middle", "Ring", "Little"))
        in_hand = is_finger or name.endswith("Hand")
        colour = _colour(name)
        if fine:  # the close-up is about the hands: the body behind them is faint
            width, z = (3.0, 3) if in_hand else (1.5, 1)
            colour = colour if in_hand or name.endswith("LowerArm") else "lightgrey"
        else:
            width, z = (1.0, 2) if is_finger else (3.0, 2)
        if p >= 0:
            (x0, y0), (x1, y1) = screen(positions[p]), screen(positions[j])
            ax.plot([x0, x1], [y0, y1], color=colour, lw=width, solid_capstyle="round", zorder=z)
        if not HUMANOID.children(j) and name != "Head":
            (x0, y0), (x1, y1) = screen(positions[j]), screen(tips[j])
            ax.plot([x0, x1], [y0, y1], color=colour, lw=width, solid_capstyle="round", zorder=z)
        if "Thumb" in name and name.endswith("Distal"):
            ax.plot(*screen(tips[j]), "o", color="darkorange", ms=5 if fine else 2, zorder=4)
    # The head: a circle around the middle of the head bone, with a nose tick so the facing shows.
    head = positions[INDEX["Head"]]
    centre = head + 0.5 * (tips[INDEX["Head"]] - head)
    cx, cy = screen(centre)
    ax.add_patch(plt.Circle((cx, cy), _HEAD_RADIUS, fill=False, color="lightgrey" if fine else "black", lw=1.5))
    nose = centre + quat.rotate(globals_[INDEX["Head"]], np.array([0.0, -0.01, _HEAD_RADIUS + 0.02]))
    ax.plot(*zip(screen(centre + quat.rotate(globals_[INDEX["Head"]], np.array([0.0, -0.01, _HEAD_RADIUS]))),
                 screen(nose), strict=True), color="black", lw=1.5)
    for x in (-0.032, 0.032):  # eyes, so "under the eye" and the gaze read
        eye = head + quat.rotate(globals_[INDEX["Head"]], np.array([x, 0.10, 0.085]))
        ax.plot(*screen(eye), "o", color="lightgrey" if fine else "black", ms=2.5 if fine else 1.2)
    ax.set_aspect("equal")
    if hands_only:
        hand_joints = [j for j, n in enumerate(JOINTS)
                       if n.startswith(sides) and n.endswith(("Hand", "Proximal", "Intermediate", "Distal"))]
        pts = np.array([screen(q) for q in np.concatenate([positions[hand_joints], tips[hand_joints]])])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        mid, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 + 0.04, 0.12)
        ax.set_xlim(mid[0] - half, mid[0] + half)
        ax.set_ylim(mid[1] - half, mid[1] + half)
    else:
        ax.set_xlim(-1.0, 1.0)
        ax.set_ylim(-0.05, 2.0)
    ax.set_xticks([])
    ax.set_yticks([])


def render(pose: BodyPose, path: str | Path, title: str = "", sides: tuple[str, ...] = ("Left", "Right")) -> None:
    """Front, side and a close-up of the hands of `sides` of one pose, to a PNG."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1, 1, 1]})
    draw(axes[0], pose, "front")
    axes[0].set_title("front")
    draw(axes[1], pose, "side")
    axes[1].set_title("side (facing right)")
    draw(axes[2], pose, "front", hands_only=True, sides=sides)
    axes[2].set_title("hands, front")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str]) -> int:
    from models.body.gestures import load_library

    out = Path(argv[0] if argv else "docs/img/gestures")
    out.mkdir(parents=True, exist_ok=True)
    for name, clip in sorted(load_library().items()):
        # Close up on the hands the gesture moves (both when it moves neither, e.g. a nod).
        sides = tuple(s for s in ("Left", "Right") if clip.mask[INDEX[f"{s}Hand"]] > 0) or ("Left", "Right")
        render(clip.sample(clip.stroke), out / f"{name}.png", f"{name} at its stroke ({clip.stroke:.2f} s)", sides)
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

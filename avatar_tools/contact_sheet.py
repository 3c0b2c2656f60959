"""A contact sheet of a rendered take: the main face curves over the waveform with phoneme and word labels, so
an artist can look rather than read. One PNG, a row per ROW_S seconds of the take."""

from __future__ import annotations

import functools
import logging
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed, safe in any thread
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from bridge.render import RenderedTake  # noqa: E402
from models.face.arkit import INDEX  # noqa: E402

#: Seconds per row and the most rows one sheet shows.
ROW_S, MAX_ROWS = 4.0, 4
#: The curves drawn, with their colours: the jaw, lip contact and rounding, expression, tongue, blink.
CURVES: tuple[tuple[str, str], ...] = (
    ("jawOpen", "#d62728"), ("mouthClose", "#8c564b"), ("mouthRollLower", "#1f77b4"), ("mouthFunnel", "#2ca02c"),
    ("mouthPucker", "#17becf"), ("mouthSmileLeft", "#ff7f0e"), ("browInnerUp", "#9467bd"),
    ("tongueOut", "#e377c2"), ("eyeBlinkLeft", "#7f7f7f"),
)
_CONTACT_COLOURS = {"PP": "#1f77b4", "FF": "#2ca02c"}


#: Fonts for Chinese words and titles, tried after DejaVu Sans glyph by glyph (Debian: fonts-wqy-microhei).
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")
_CJK_FONT_FILE = re.compile(r"wqy-microhei|NotoSans(?:CJK|SC)|SourceHanSans", re.IGNORECASE)


@functools.cache
def font_family() -> list[str]:
    """DejaVu Sans, then the installed CJK fonts: matplotlib falls back along the list for glyphs DejaVu lacks, so
    a Mandarin take's words are drawn, not boxes. A CJK font installed after matplotlib built its font cache is
    found on disk and added."""
    manager = font_manager.fontManager
    if not {font.name for font in manager.ttflist} & set(CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if _CJK_FONT_FILE.search(path):
                manager.addfont(path)
    installed = {font.name for font in manager.ttflist}
    # Words are drawn bold; a CJK font with one weight draws them regular, which matplotlib would log each time.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return ["DejaVu Sans", *(name for name in CJK_FONTS if name in installed)]


def write_contact_sheet(take: RenderedTake, path: Path) -> Path:
    """Draw the take into `path` (PNG) and return it."""
    with plt.rc_context({"font.family": font_family()}):
        return _draw(take, path)


def _draw(take: RenderedTake, path: Path) -> Path:
    rows = max(1, min(MAX_ROWS, math.ceil(take.duration / ROW_S)))
    figure, axes = plt.subplots(rows * 2, 1, figsize=(16, 4.2 * rows), squeeze=False,
                                gridspec_kw={"height_ratios": [3, 1] * rows})
    audio = take.audio.astype(np.float32) / 32768.0
    audio_t = np.arange(len(audio)) / take.sample_rate
    for row in range(rows):
        start, end = row * ROW_S, (row + 1) * ROW_S
        curves, head = axes[2 * row, 0], axes[2 * row + 1, 0]
        in_audio = (audio_t >= start) & (audio_t < end)
        curves.fill_between(audio_t[in_audio], -audio[in_audio] * 0.5 - 0.5, audio[in_audio] * 0.5 - 0.5,
                            color="#b0b0b0", lw=0)
        for _, viseme, s, e in take.phonemes:
            if viseme in _CONTACT_COLOURS and e > start and s < end:
                curves.axvspan(s, e, color=_CONTACT_COLOURS[viseme], alpha=0.12, lw=0)
        for i, (phoneme, _, s, e) in enumerate(take.phonemes):
            if phoneme != "_" and start <= 0.5 * (s + e) < end:
                curves.text(0.5 * (s + e), -1.08 + 0.1 * (i % 2), phoneme, ha="center", va="bottom", fontsize=8)
        for word, s, _ in take.words:
            if start <= s < end:
                curves.text(s, 1.02, word, ha="left", va="bottom", fontsize=9, weight="bold")
        shown = (take.frame_times >= start) & (take.frame_times < end)
        for name, colour in CURVES:
            curves.plot(take.frame_times[shown], take.weights[shown, INDEX[name]], color=colour, lw=1.4,
                        label=name if row == 0 else None)
        curves.set_xlim(start, end)
        curves.set_ylim(-1.1, 1.12)
        curves.set_yticks([0, 0.5, 1.0])
        curves.grid(alpha=0.25)
        for label, values, colour in (("head yaw", take.head[:, 0], "#1f77b4"), ("head pitch", take.head[:, 1],
                                      "#d62728"), ("head roll", take.head[:, 2], "#2ca02c"),
                                      ("left eye yaw", take.eyes[:, 0], "#7f7f7f")):
            head.plot(take.frame_times[shown], np.degrees(values[shown]), color=colour, lw=1.2,
                      label=label if row == 0 else None)
        head.set_xlim(start, end)
        head.set_ylabel("degrees")
        head.grid(alpha=0.25)
    handles = [h for ax in (axes[0, 0], axes[1, 0]) for h in ax.get_legend_handles_labels()[0]]
    figure.legend(handles=handles, loc="lower center", ncol=13, fontsize=8)
    axes[0, 0].set_title(f"{take.text[:140]}   ({take.duration:.2f} s; waveform in grey; shaded: lip contact on "
                         "p b m (blue), f v (green))", fontsize=10, loc="left", pad=16)
    axes[-1, 0].set_xlabel("seconds from the take's first sample")
    figure.tight_layout(rect=(0.0, 0.05 / rows, 1.0, 1.0))
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path

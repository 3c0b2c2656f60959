"""Phonemes to the 15 Oculus/OpenXR visemes, and visemes to ARKit weights.

The mappings are the published starting points in shared/reference/visemes.md; tune them by eye in the
preview. Marks with no mouth shape of their own (stress, length, h, glottal stop) take their neighbour's.
"""

from __future__ import annotations

import numpy as np

from models.face.arkit import INDEX, NUM_BLENDSHAPES

#: The 15 visemes in Oculus/OpenXR index order.
VISEMES: tuple[str, ...] = (
    "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou",
)

#: Visemes whose lip contact must be reached fully, never averaged away by coarticulation.
CONTACT_VISEMES: frozenset[str] = frozenset({"PP", "FF"})
#: Vowel visemes: they set the jaw and lead the lips (the consonants around them coarticulate).
VOWEL_VISEMES: frozenset[str] = frozenset({"aa", "E", "ih", "oh", "ou"})

#: Diphthongs written as one symbol (some voices do; espeak-ng usually writes two): the mouth moves from the
#: first target to the second.
DIPHTHONGS: dict[str, tuple[str, str]] = {
    "aɪ": ("aa", "ih"), "aʊ": ("aa", "ou"), "eɪ": ("E", "ih"), "oʊ": ("oh", "ou"), "əʊ": ("E", "ou"),
    "ɔɪ": ("oh", "ih"), "ɪə": ("ih", "E"), "ʊə": ("ou", "E"),
}

#: TongueOut by phoneme, not by viseme: the tongue shows between the teeth on th and behind them on l, while
#: r (same viseme as l) keeps it in.
TONGUE_OUT: dict[str, float] = {"θ": 0.45, "ð": 0.4, "l": 0.2, "ɫ": 0.2}

_IPA_GROUPS: dict[str, str] = {
    "aa": "a ɑ ɐ ɒ æ ʌ",
    "E": "e ɛ ɜ ə",
    "ih": "i ɪ j ᵻ",
    "oh": "o ɔ",
    "ou": "u ʊ w y ɥ",  # y: a rounded i (German ü, Mandarin ü in 女 nǚ): the lips round
    "PP": "b m p",
    "FF": "f v",
    "TH": "θ ð",
    "DD": "d t ɾ",
    "kk": "k g ɡ q x χ",  # χ: Mandarin h (好 hǎo), as espeak-ng's cmn writes it
    "CH": "tʃ dʒ tɕ tɕh ɕ ts. ts.h s. ʂ ʐ",  # Mandarin j q x and zh ch sh r (espeak-ng cmn: "ts." = zh)
    "SS": "s z ʃ ʒ ts tsh",  # Mandarin z c (dental affricates)
    "nn": "n ŋ",
    "RR": "r ɹ ɚ l ɫ",
}

#: IPA phoneme (as Piper/espeak-ng emit them) to viseme.
PHONEME_TO_VISEME: dict[str, str] = {
    phoneme: viseme for viseme, phonemes in _IPA_GROUPS.items() for phoneme in phonemes.split()
}

#: Marks that carry time but are no sound of their own: their duration joins a neighbour.
JOIN_NEXT: frozenset[str] = frozenset({"ˈ", "ˌ"})
JOIN_PREVIOUS: frozenset[str] = frozenset({"ː", "ˑ", "̃", "̩"})
#: Sounds with no mouth shape of their own: they borrow the next sound's viseme.
BORROW_NEXT: frozenset[str] = frozenset({"h", "ʔ"})


def viseme_of(phoneme: str) -> str:
    """The viseme of one phoneme (stress marks ignored); pauses, punctuation and unknown symbols are silence."""
    phoneme = phoneme.lstrip("ˈˌ")
    if phoneme in PHONEME_TO_VISEME:
        return PHONEME_TO_VISEME[phoneme]
    # Affricates and r-coloured vowels arrive as one symbol with a modifier: map by the first letter.
    return PHONEME_TO_VISEME.get(phoneme[:1], "sil") if phoneme.strip() else "sil"


_TARGETS: dict[str, dict[str, float]] = {
    "sil": {},
    "aa": {"jawOpen": 0.6},
    "E": {"mouthPressLeft": 0.8, "mouthPressRight": 0.8, "mouthDimpleLeft": 1.0, "mouthDimpleRight": 1.0,
          "jawOpen": 0.3},
    "ih": {"mouthPressLeft": 0.6, "mouthPressRight": 0.6, "mouthDimpleLeft": 0.6, "mouthDimpleRight": 0.6,
           "jawOpen": 0.2},
    "oh": {"mouthPucker": 1.0, "jawForward": 0.6, "jawOpen": 0.2},
    "ou": {"mouthFunnel": 1.0},
    "PP": {"mouthRollLower": 0.8, "mouthRollUpper": 0.8, "mouthUpperUpLeft": 0.3, "mouthUpperUpRight": 0.3},
    "FF": {"mouthPucker": 1.0, "mouthShrugUpper": 1.0, "mouthLowerDownLeft": 0.2, "mouthLowerDownRight": 0.2,
           "mouthDimpleLeft": 1.0, "mouthDimpleRight": 1.0, "mouthRollLower": 1.0},
    "DD": {"mouthPressLeft": 0.8, "mouthPressRight": 0.8, "mouthFunnel": 0.5, "jawOpen": 0.2},
    "SS": {"mouthPressLeft": 0.8, "mouthPressRight": 0.8, "mouthLowerDownLeft": 0.5, "mouthLowerDownRight": 0.5,
           "jawOpen": 0.1},
    "TH": {"mouthRollUpper": 0.6, "jawOpen": 0.2, "tongueOut": 0.4},
    "CH": {"mouthPucker": 0.5, "jawOpen": 0.2},
    "RR": {"mouthPucker": 0.5, "jawOpen": 0.2},
    "kk": {"mouthLowerDownLeft": 0.4, "mouthLowerDownRight": 0.4, "mouthDimpleLeft": 0.3, "mouthDimpleRight": 0.3,
           "mouthFunnel": 0.3, "mouthPucker": 0.3, "jawOpen": 0.15},
    "nn": {"mouthLowerDownLeft": 0.4, "mouthLowerDownRight": 0.4, "mouthDimpleLeft": 0.3, "mouthDimpleRight": 0.3,
           "mouthFunnel": 0.3, "mouthPucker": 0.3, "jawOpen": 0.15, "tongueOut": 0.2},
}


def _target_matrix() -> np.ndarray:
    matrix = np.zeros((len(VISEMES), NUM_BLENDSHAPES), dtype=np.float32)
    for row, viseme in enumerate(VISEMES):
        for name, weight in _TARGETS[viseme].items():
            matrix[row, INDEX[name]] = weight
    return matrix


#: ARKit weights of each viseme, one row per viseme in VISEMES order.
VISEME_TARGETS: np.ndarray = _target_matrix()
VISEME_INDEX: dict[str, int] = {name: i for i, name in enumerate(VISEMES)}

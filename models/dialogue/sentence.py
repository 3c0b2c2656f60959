"""A sentence of the host's answer: what every dialogue engine yields and every answer module composes."""

from __future__ import annotations

from dataclasses import dataclass

from models.dialogue.persona import Product
from models.dialogue.tags import emotion_tag, gesture_tag, strip_tags

#: Words whose full stop ends no sentence ("St. Moritz", "e.g. the beanie", "my 6 y.o. niece"): the model's and the
#: fans' alike.
ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.", "no.", "approx.", "jr.", "sr.",
                 "y.o.", "yrs.")


@dataclass(frozen=True)
class Sentence:
    """One sentence to speak, with inline tags. `sources` are the knowledge ids whose facts it states; `product`
    the product it presents (the sidecar lists it beside the answer)."""

    text: str
    sources: tuple[str, ...] = ()
    product: Product | None = None

    @property
    def spoken(self) -> str:
        return strip_tags(self.text)


def declined(text: str, gesture: str = "shrug") -> Sentence:
    """What the host does not have or know, said thoughtfully with a gesture (a shrug, a shake of the head): the
    one shape of "I don't know that", "the store doesn't sell that" and "nothing fits" in every answer module."""
    return Sentence(f"{emotion_tag('thinking')} {gesture_tag(gesture)} {text}")

"""A sentence of the host's answer: what every dialogue engine yields and every answer module composes."""

from __future__ import annotations

from dataclasses import dataclass

from models.dialogue.persona import Product
from models.dialogue.tags import strip_tags


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

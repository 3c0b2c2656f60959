"""The dialogue of a sidecar: each avatar's persona and engine, the chat (bridge/chat.py) and the show
(bridge/show.py), loaded once and stepped on the event loop.

Personas are read at once (a bad file stops `serve`); engines load before the sidecar serves (loading torch beside
a running performer would make its ticks late), one per persona file, shared by the avatars that speak as it.
If an engine fails to load, `say` still works and `chat` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from typing import Any

from bridge.chat import ANSWER_NOW, Chat, ChatDesk
from bridge.performer import Clock
from bridge.pipeline import AvatarPipeline
from bridge.show import Show
from models.dialogue.chat_queue import ChatQueue
from models.dialogue.engine import DialogueEngine, RetrievalEngine
from models.dialogue.llm import LLMConfig, LLMEngine
from models.dialogue.persona import Persona, load_default_persona, load_persona
from models.dialogue.retrieval import MINILM, MODEL_OF_LANGUAGE, KnowledgeIndex
from models.dialogue.show import Rundown
from models.errors import RequestError

log = logging.getLogger(__name__)


class Dialogue:
    """Chat and show for every avatar of a sidecar (or of an offline rehearsal)."""

    def __init__(self, desks: Mapping[str, ChatDesk], clock: Clock, wake: Callable[[], None] = lambda: None,
                 composer: Executor | None = None) -> None:
        self.clock = clock
        self.chat = Chat(desks, wake, composer)
        self.show = Show(self.chat, clock.now)

    @classmethod
    def of(cls, avatars: Mapping[str, AvatarPipeline], personas: Mapping[str, Persona],
           engines: Mapping[str, DialogueEngine], clock: Clock, wake: Callable[[], None] = lambda: None,
           queue: Callable[[Persona], ChatQueue] | None = None, composer: Executor | None = None) -> Dialogue:
        """Each avatar with its persona and engine (by avatar name), a chat queue each; `composer`: where the
        embedded engine composes (bridge/chat.py; None: inline, as an offline rehearsal does)."""
        make_queue = queue or (lambda persona: ChatQueue(clock=clock.now, blocklist=persona.blocklist))
        desks = {name: ChatDesk(avatar, personas[name], engines[name], make_queue(personas[name]))
                 for name, avatar in avatars.items()}
        return cls(desks, clock, wake, composer)

    @property
    def desks(self) -> dict[str, ChatDesk]:
        return self.chat.desks

    def step(self, now: float) -> None:
        """Let time pass: the show's segments and windows, then the next message of every free avatar."""
        self.show.step(now)
        self.chat.answer_waiting()

    def chat_op(self, avatar: str, user: str, text: str,
                priority: str | None = None) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """A fan's message (bridge/chat.py), after letting time pass: a Q&A window may take the one before it."""
        self.step(self.clock.now())
        return self.chat.chat(avatar, user, text, priority)

    def queue_op(self, avatar: str, action: str, message: str | None) -> dict[str, Any]:
        self.chat.queue_action(avatar, action, message)
        if action in ANSWER_NOW:
            self.step(self.clock.now())  # answer now if the avatar is free (or its Q&A window is open)
        return self.chat.queue_status(avatar)

    def show_op(self, avatar: str, action: str, segment: str | None, cue: str | None) -> dict[str, Any]:
        """A show action other than `load` (bridge/show.py)."""
        self.chat.wake()  # the show may go on or off air: `run` steps it often while it is on
        return self.show.op(action, self.clock.now(), segment, cue)

    def show_load(self, avatar: str, rundown: Rundown) -> dict[str, Any]:
        """Load a rundown (read by the caller: bridge/media.py for a request) for `avatar` to perform."""
        self.show.load(rundown, avatar)
        return self.show.op("status", self.clock.now())


def build_engine(persona: Persona, llm_url: str | None = None, llm_model: str = "default",
                 llm_key: str | None = None, local_llm: bool = False,
                 first_sentence_s: float | None = None, embedder: Any = None) -> DialogueEngine:
    """The dialogue engine `serve` runs: the embedded retrieval engine (embeddings, BM25 without torch), or an
    LLM (an OpenAI-compatible server, or the local SmolLM2) that falls back to it after `first_sentence_s`
    without a first sentence (default: LLMConfig's, 10 s for the local model). `embedder`: the retrieval's encoder
    (a fleet's remote one; None: in-process)."""
    from models.dialogue.llm import LlamaCppSource, OpenAIChatSource, TokenSource

    # The fleet's embedder is MiniLM, the English model: a persona in another language embeds in-process.
    shared = embedder if MODEL_OF_LANGUAGE[persona.language] is MINILM else None
    retrieval = RetrievalEngine(persona, KnowledgeIndex(persona.knowledge, embedder=shared, language=persona.language))
    retrieval.meanings.warm()  # at load, not on the show's first question that needs them
    retrieval.cross_lingual.warm()  # e5 for questions in another language (nothing without the multilingual extra)
    log.info("dialogue loaded", extra={"persona": persona.name, "retrieval": retrieval.index.backend,
                                       "embedding_model": retrieval.index.model.name,
                                       "fallback_reason": retrieval.index.fallback_reason})
    source: TokenSource
    if llm_url:
        try:
            import aiohttp  # noqa: F401  (the streaming client; say so at start, not on the first answer)
        except ImportError:
            raise ImportError("--llm-url needs aiohttp: pip install aiohttp") from None
        source = OpenAIChatSource()
        config = LLMConfig(url=llm_url, model=llm_model, api_key=llm_key)
    elif local_llm:
        source = LlamaCppSource()
        config = LLMConfig(first_sentence_s=10.0, stall_s=10.0, total_s=60.0)  # a 135M model on CPU is slow
    else:
        return retrieval
    if first_sentence_s is not None:
        config = replace(config, first_sentence_s=first_sentence_s)
    return LLMEngine(persona, source, retrieval, config)


class DialogueService:
    """The sidecar's dialogue: personas read at construction, engines loaded by `load` on a worker thread, and
    `run` stepping it on the event loop when an answer ends, and often while a show is on air."""

    #: How often a show on air is stepped (its caps, timed starts and Q&A windows), in seconds.
    SHOW_STEP_S = 0.01

    def __init__(self, personas: Mapping[str, Path | None], llm_url: str | None = None, llm_model: str = "default",
                 llm_key: str | None = None, first_sentence_s: Mapping[str, float] | None = None,
                 read: Mapping[str, Persona] | None = None, embedder: Any = None,
                 composer: Executor | None = None) -> None:
        """`personas`: each avatar's persona file (None: the sample persona), or `read`: those files already read
        (bridge/config.py `read_personas`); `first_sentence_s`: each avatar's wait for an LLM's first sentence
        (default LLMConfig's); `embedder`: the retrieval's encoder (None: in-process); `composer`: the thread the
        embedded engine composes answers on (None: on the event loop). Raises SpecError for a bad file."""
        self.files = dict(personas)
        self.first_sentence_s = {name: (first_sentence_s or {}).get(name, LLMConfig.first_sentence_s)
                                 for name in self.files}
        loaded: dict[Path | None, Persona] = {}
        for name, file in self.files.items():
            if file not in loaded:
                loaded[file] = read[name] if read is not None else \
                    load_persona(file) if file is not None else load_default_persona()
        self.personas = {name: loaded[file] for name, file in self.files.items()}
        self.llm = (llm_url, llm_model, llm_key)
        self.embedder = embedder
        self.composer = composer
        self.dialogue: Dialogue | None = None
        self.load_error: str | None = None
        self._wake = asyncio.Event()

    def load(self, avatars: Mapping[str, AvatarPipeline], clock: Clock, post: Callable[..., object]) -> None:
        """Load the engines (seconds with embeddings); call it on a worker thread before serving. `post` runs a
        callable on the event loop (the wake-up of `run`)."""
        try:
            # One engine per persona file and wait: avatars that differ only in the wait share the persona's
            # knowledge index and the LLM's connection pool.
            engines: dict[tuple[Path | None, float], DialogueEngine] = {}
            for name, file in self.files.items():
                key = (file, self.first_sentence_s[name])
                shared = next((e for (f, _), e in engines.items() if f == file), None)
                if isinstance(shared, LLMEngine):
                    engines[key] = shared.tuned(first_sentence_s=key[1])
                elif shared is not None:
                    engines[key] = shared  # the retrieval engine has no wait
                else:
                    engines[key] = build_engine(self.personas[name], *self.llm, first_sentence_s=key[1],
                                                  embedder=self.embedder)
        except Exception as exc:  # the sidecar keeps serving `say`; chat reports why it cannot answer
            log.exception("dialogue failed to load")
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        def wake() -> None:
            post(self._wake.set)

        self.dialogue = Dialogue.of(avatars, self.personas, {name: engines[(f, self.first_sentence_s[name])]
                                                             for name, f in self.files.items()}, clock, wake,
                                     composer=self.composer)

    def ready(self) -> Dialogue:
        if self.dialogue is None:
            if self.load_error is not None:
                raise RequestError("dialogue_failed", f"the dialogue engine failed to load: {self.load_error}")
            raise RequestError("not_ready", "the dialogue engine is still loading; retry in a moment")
        return self.dialogue

    def describe(self) -> dict[str, Any]:
        first = next(iter(self.personas))
        engine = self.dialogue.desks[first].engine.name if self.dialogue is not None else None
        return {"persona": self.personas[first].name, "engine": engine, "ready": self.dialogue is not None,
                "personas": {name: persona.name for name, persona in self.personas.items()},
                # With an LLM (llm_url): each avatar's wait for the first sentence before retrieval answers.
                "llm": self.llm[0] is not None, "first_sentence_s": dict(self.first_sentence_s)}

    async def run(self, clock: Clock) -> None:
        while True:
            self._wake.clear()
            if self.dialogue is not None:
                try:
                    self.dialogue.step(clock.now())
                except Exception:  # a dialogue bug must not stop the sidecar
                    log.exception("dialogue step failed")
            on_air = self.dialogue is not None and self.dialogue.show.on_air
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.SHOW_STEP_S if on_air else None)

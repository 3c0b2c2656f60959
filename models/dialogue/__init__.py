"""Dialogue: the host's persona, knowledge, answers, live chat queue, history and show runner.

persona.py     the persona file (YAML) and its validation
retrieval.py   knowledge search: sentence embeddings, BM25 fallback
engine.py      the DialogueEngine interface and the embedded retrieval engine
llm.py         OpenAI-compatible streaming LLM engine (and a local llama.cpp model), falling back to retrieval
moderation.py  chat text checks, blocklist, forbidden topics, prompt-injection detection
chat_queue.py  the live chat queue (dedupe, rate limit, priority, operator approval)
history.py     dialogue history that keeps only the words heard before an interruption
show.py        rundown files and the ShowRunner state machine
show_talk.py   fans' questions about the show, answered from where it stands
tags.py        inline emotion/gesture tags

Pure compute: nothing here imports bridge/.
"""

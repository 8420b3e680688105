"""Token counts of chat examples with the model's real tokenizer, offline.

In: a model name (`gpt-4o-mini`, `ft:gpt-4.1-mini-2025-04-14:org::id`, `gemini-3.5-flash`, `qwen2.5-7b`, or
none) and chat messages. Out: a `Tokenizer` (the tiktoken encoding, and whether it is the model's own or an
approximation) and token counts with the OpenAI cookbook's `num_tokens_from_messages` rule: 3 tokens per
message, the tokens of every text value, 1 more for a `name`, and 3 to prime the reply.

The vocabularies (o200k_base, cl100k_base) are vendored in `core/dataset/vocab/` as a tiktoken cache folder:
each file is named by the SHA-1 of its public download URL, which is how tiktoken names its cache entries, and
tiktoken checks each file's SHA-256 against the hash it expects before using it. Loading points
`TIKTOKEN_CACHE_DIR` at that folder for the duration of the load only, so no network is ever touched.

Models without a vendored tiktoken encoding (Gemini, open-weight models, pre-chat completions models) are
counted with o200k_base and labelled as an approximation: their own tokenizers are not public (Gemini), differ
per model family (open weights) or are not shipped (r50k/p50k, for models that cannot be fine-tuned any more).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import tiktoken

VOCAB_DIR = Path(__file__).parent / "vocab"
APPROXIMATION = "o200k_base"
# Encodings the vendored files provide (o200k_harmony, for gpt-oss, is o200k_base plus special tokens).
VENDORED = frozenset({"o200k_base", "o200k_harmony", "cl100k_base"})
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3
# Keys whose values are not text the model reads (`weight` only switches training on a message off).
_UNCOUNTED_KEYS = frozenset({"weight"})
# Below this many new texts one thread beats starting a pool; above it, each thread encodes one slice.
_THREADED_BATCH = 2_000
_load_lock = threading.Lock()


@dataclass(frozen=True)
class Tokenizer:
    encoding: tiktoken.Encoding
    base_model: str | None
    exact: bool

    @property
    def label(self) -> str:
        if self.exact:
            return self.encoding.name
        return (
            f"{self.encoding.name} (approximation: no public tokenizer for {self.base_model or 'no model'})"
        )


def base_model(model: str | None) -> str | None:
    """`ft:gpt-4o-mini-2024-07-18:org::id` → `gpt-4o-mini-2024-07-18`; other names unchanged."""
    if not model:
        return None
    model = model.strip()
    if model.startswith("ft:"):
        return model.split(":")[1] or None
    return model


def tokenizer_for(model: str | None) -> Tokenizer:
    """The encoding a model uses; o200k_base, labelled an approximation, when tiktoken does not know it."""
    base = base_model(model)
    try:
        name = tiktoken.encoding_name_for_model(base) if base else None
    except KeyError:
        name = None
    if name not in VENDORED:  # unknown, or a pre-chat encoding (r50k, p50k) we do not ship
        return Tokenizer(load_encoding(APPROXIMATION), base, exact=False)
    return Tokenizer(load_encoding(name), base, exact=True)


def encoding_for(model: str | None) -> tiktoken.Encoding:
    return tokenizer_for(model).encoding


def load_encoding(name: str) -> tiktoken.Encoding:
    """A tiktoken encoding read from the vendored vocabulary (verified by tiktoken's SHA-256 check)."""
    with _load_lock:
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(VOCAB_DIR)
        try:
            return tiktoken.get_encoding(name)
        finally:
            if previous is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous


def count_chat_tokens(messages: Sequence[dict[str, Any]], encoding: tiktoken.Encoding) -> int:
    """Tokens of one chat example, the cookbook's way (see the module docstring)."""
    return TokenCounter(encoding).count([messages])[0]


class TokenCounter:
    """Counts many examples at once: each distinct text is encoded once, large batches split across threads.

    Training sets repeat the same system prompt and role names in every example, so counting distinct texts
    and summing per example saves encoding most of the file again and again.
    """

    def __init__(self, encoding: tiktoken.Encoding, *, threads: int | None = None) -> None:
        self.encoding = encoding
        self.threads = max(1, threads if threads is not None else min(4, _usable_cpus()))
        self._known: dict[str, int] = {}

    def count(self, examples: Iterable[Sequence[dict[str, Any]]]) -> list[int]:
        prepared = [self._example_texts(messages) for messages in examples]
        self._encode_new(text for texts, _ in prepared for text in texts)
        known = self._known
        return [fixed + sum(map(known.__getitem__, texts)) for texts, fixed in prepared]

    @staticmethod
    def _example_texts(messages: Sequence[dict[str, Any]]) -> tuple[list[str], int]:
        texts: list[str] = []
        fixed = REPLY_PRIMING_TOKENS + TOKENS_PER_MESSAGE * len(messages)
        for message in messages:
            for key, value in message.items():
                if type(value) is str:
                    texts.append(value)
                elif value is not None and key not in _UNCOUNTED_KEYS:
                    texts.extend(_value_texts(key, value))
            if message.get("name") is not None:
                fixed += TOKENS_PER_NAME
        return texts, fixed

    def _encode_new(self, texts: Iterable[str]) -> None:
        new = list({text: None for text in texts if text not in self._known})
        if not new:
            return
        slices = (
            [new[i :: self.threads] for i in range(self.threads)] if len(new) >= _THREADED_BATCH else [new]
        )
        if len(slices) == 1:
            counts = [self._lengths(new)]
        else:
            with ThreadPoolExecutor(len(slices)) as pool:
                counts = list(pool.map(self._lengths, slices))
        for part, lengths in zip(slices, counts, strict=True):
            self._known.update(zip(part, lengths, strict=True))

    def _lengths(self, texts: list[str]) -> list[int]:
        encode = self.encoding.encode_ordinary  # releases the GIL while it tokenizes
        return [len(encode(text)) for text in texts]


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # the CPUs this process may run on (Linux)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _value_texts(key: str, value: Any) -> list[str]:
    """Text of a message value: strings as they are, text parts of a content list, anything else as JSON."""
    if isinstance(value, str):
        return [value]
    if key == "content" and isinstance(value, list) and all(isinstance(part, dict) for part in value):
        return [part["text"] for part in value if isinstance(part.get("text"), str)]
    try:
        return [orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()]
    except (TypeError, orjson.JSONEncodeError):  # nested deeper than orjson writes, or not JSON at all
        return [" ".join(_leaves(value))]


def _leaves(value: Any) -> Iterator[str]:
    """The scalars inside a nested value as text, walked without recursion (an approximation for counting)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(map(str, item))
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            try:
                yield str(item)
            except ValueError:  # an integer too long to print
                yield "0"

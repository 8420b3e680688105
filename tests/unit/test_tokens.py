"""Tokenizers: the vendored vocabularies load without network, give known token ids, and each model gets its own
encoding (fine-tuned names stripped to their base; other vendors labelled as an approximation)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

from core.dataset.tokens import VOCAB_DIR, base_model, count_chat_tokens, encoding_for, tokenizer_for

# Token ids cross-checked against an independent build (the npm `tiktoken` WebAssembly package) and, for
# "tiktoken is great!", the OpenAI cookbook "How to count tokens with tiktoken".
KNOWN_IDS = {
    "o200k_base": {
        "hello world": [24912, 2375],
        "tiktoken is great!": [83, 8251, 2488, 382, 2212, 0],
        "antidisestablishmentarianism": [493, 129901, 376, 160388, 21203, 2367],
        "Cramps on day 2 of my period — is ibuprofen OK?": [
            34, 4829, 947, 402, 2163, 220, 17, 328, 922, 5265, 2733, 382, 7002, 166335, 11339, 30,
        ],
    },
    "cl100k_base": {
        "hello world": [15339, 1917],
        "tiktoken is great!": [83, 1609, 5963, 374, 2294, 0],
        "antidisestablishmentarianism": [519, 85342, 34500, 479, 8997, 2191],
    },
}  # fmt: skip
EXPECTED_SHA256 = {
    "fb374d419588a4632f3f557e76b4b70aebbca790": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "9b5ad71b2ce5302211f9c61530b329a4922fc6a4": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


@pytest.mark.parametrize("name", KNOWN_IDS)
def test_known_token_ids(name: str) -> None:
    model = {"o200k_base": "gpt-4o", "cl100k_base": "gpt-4"}[name]
    encoding = encoding_for(model)
    assert encoding.name == name
    for text, ids in KNOWN_IDS[name].items():
        assert encoding.encode_ordinary(text) == ids


def test_vendored_files_are_the_published_vocabularies() -> None:
    for file, sha256 in EXPECTED_SHA256.items():
        assert hashlib.sha256((VOCAB_DIR / file).read_bytes()).hexdigest() == sha256
        url = f"https://openaipublic.blob.core.windows.net/encodings/{_encoding_of(file)}.tiktoken"
        assert hashlib.sha1(url.encode()).hexdigest() == file  # the name tiktoken's cache looks for


def _encoding_of(file: str) -> str:
    return {"fb374d419588a4632f3f557e76b4b70aebbca790": "o200k_base"}.get(file, "cl100k_base")


@pytest.mark.parametrize(
    ("model", "encoding", "base", "exact"),
    [
        ("gpt-4o-mini", "o200k_base", "gpt-4o-mini", True),
        ("gpt-4o-2024-08-06", "o200k_base", "gpt-4o-2024-08-06", True),
        ("gpt-4.1-mini-2025-04-14", "o200k_base", "gpt-4.1-mini-2025-04-14", True),
        ("o4-mini-2025-04-16", "o200k_base", "o4-mini-2025-04-16", True),
        ("ft:gpt-4o-mini-2024-07-18:org::id", "o200k_base", "gpt-4o-mini-2024-07-18", True),
        ("ft:gpt-4.1-2025-04-14:acme:bloom:abc123", "o200k_base", "gpt-4.1-2025-04-14", True),
        ("gpt-3.5-turbo-0125", "cl100k_base", "gpt-3.5-turbo-0125", True),
        ("ft:gpt-3.5-turbo-0125:org::x", "cl100k_base", "gpt-3.5-turbo-0125", True),
        ("gpt-4-0613", "cl100k_base", "gpt-4-0613", True),
        ("gpt-oss-20b", "o200k_harmony", "gpt-oss-20b", True),
        ("davinci", "o200k_base", "davinci", False),
        ("text-davinci-003", "o200k_base", "text-davinci-003", False),
        ("gemini-3.5-flash", "o200k_base", "gemini-3.5-flash", False),
        ("Qwen/Qwen2.5-7B-Instruct", "o200k_base", "Qwen/Qwen2.5-7B-Instruct", False),
        (None, "o200k_base", None, False),
        ("", "o200k_base", None, False),
        ("ft:", "o200k_base", None, False),
    ],
)
def test_model_to_encoding(model: str | None, encoding: str, base: str | None, exact: bool) -> None:
    tokenizer = tokenizer_for(model)
    assert (tokenizer.encoding.name, tokenizer.base_model, tokenizer.exact) == (encoding, base, exact)
    assert base_model(model) == base
    assert ("approximation" in tokenizer.label) is not exact


def test_chat_token_rule() -> None:
    encoding = encoding_for("gpt-4o")
    # 3 priming + per message: 3 + role + content (+ name and 1 more)
    assert count_chat_tokens([{"role": "user", "content": "hello world"}], encoding) == 3 + 3 + 1 + 2
    named = [{"role": "user", "content": "hello world", "name": "ana"}]
    assert count_chat_tokens(named, encoding) == 3 + 3 + 1 + 2 + len(encoding.encode("ana")) + 1
    weighted = [{"role": "assistant", "content": "hello world", "weight": 0}]
    assert count_chat_tokens(weighted, encoding) == 3 + 3 + 1 + 2
    parts = [{"role": "user", "content": [{"type": "text", "text": "hello world"}, {"type": "image_url"}]}]
    assert count_chat_tokens(parts, encoding) == 3 + 3 + 1 + 2
    special = [{"role": "user", "content": "<|endoftext|>"}]
    assert count_chat_tokens(special, encoding) == 3 + 3 + 1 + 7  # special-token text is plain text here


def test_vocabularies_load_without_network() -> None:
    """A fresh interpreter with every socket refused and a foreign cache folder still loads both encodings."""
    script = textwrap.dedent(
        """
        import os, socket

        def refuse(*args, **kwargs):
            raise AssertionError("network touched")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        os.environ["TIKTOKEN_CACHE_DIR"] = "/nonexistent-cache"
        from core.dataset.tokens import encoding_for
        assert encoding_for("gpt-4o-mini").encode_ordinary("hello world") == [24912, 2375]
        assert encoding_for("gpt-3.5-turbo").encode_ordinary("hello world") == [15339, 1917]
        assert encoding_for("gpt-oss-20b").encode_ordinary("hello world") == [24912, 2375]
        assert encoding_for("davinci").name == "o200k_base"
        assert os.environ["TIKTOKEN_CACHE_DIR"] == "/nonexistent-cache"
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_values_too_deep_for_json_are_still_counted() -> None:
    deep: list[object] = []
    for _ in range(5_000):
        deep = [deep]
    message = {"role": "assistant", "tool_calls": deep, "function_call": {"name": "f", "arguments": 10**5000}}
    assert count_chat_tokens([message], encoding_for("gpt-4o")) > 3 + 3

"""Word segmentation: jieba's dictionary plus our moderation user dictionary.

The default backend is rjieba (jieba-rs, the same dict.txt compiled in Rust),
about 20x faster than pure-Python jieba on chat messages; `bench/bench_segment.py`
measures its agreement with jieba. Pure jieba stays available as a backend.
"""
from __future__ import annotations

import threading
from pathlib import Path

USER_DICT = Path(__file__).resolve().parent / "resources" / "userdict.txt"
BACKENDS = ("rjieba", "jieba")


def read_user_dict(path: Path = USER_DICT) -> list[tuple[str, int, str]]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts:
            entries.append((parts[0], int(parts[1]) if len(parts) > 1 else 1000, parts[2] if len(parts) > 2 else "n"))
    return entries


# (tokenizer id, user dictionary) -> that tokenizer, once it holds the dictionary's words (kept, so no id is
# reused). Adding a word takes the Rust tokenizer mutably, so adding again while another thread cuts with it
# raises RuntimeError('Already borrowed'): a topic profile's Segmenter is built in the activity thread while
# requests segment (tests/test_segment.py).
_PREPARED: dict[tuple[int, Path | None], object] = {}
_PREPARING = threading.Lock()


def _rjieba_tokenizer():
    """rjieba's own default tokenizer: importing rjieba already builds it from jieba's dictionary
    (~0.2 s, ~30 MB), and a second one would cost as much again. Adding our words to it is
    idempotent, so every Segmenter in the process shares it."""
    import rjieba

    default = getattr(rjieba, "_DEFAULT_JIEBA", None)
    return default if default is not None else rjieba.Jieba()


class Segmenter:
    """Callable text -> list of words. Built once; cheap to call."""

    def __init__(self, backend: str = "rjieba", user_dict: Path | None = USER_DICT) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {backend!r}; choose one of {BACKENDS}")
        self.backend = backend
        words = read_user_dict(user_dict) if user_dict else []
        if backend == "rjieba":
            self._tok = _rjieba_tokenizer()
            with _PREPARING:  # the shared tokenizer gets each dictionary once, before any thread cuts with it
                if (id(self._tok), user_dict) not in _PREPARED:
                    for word, freq, tag in words:
                        self._tok.add_word(word, freq, tag)
                    _PREPARED[(id(self._tok), user_dict)] = self._tok
            self._cut = self._tok.cut
        else:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._tok = jieba.Tokenizer()
            self._tok.initialize()  # warm once at load, not on the first message
            for word, freq, tag in words:
                self._tok.add_word(word, freq, tag)
            self._cut = self._tok.lcut

    def __call__(self, text: str) -> list[str]:
        return [w for w in self._cut(text) if not w.isspace()]

    def __reduce__(self):
        # the Rust tokenizer cannot be pickled; rebuild it from the backend name on load
        return (Segmenter, (self.backend,))

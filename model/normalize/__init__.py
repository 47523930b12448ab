"""Canonical text for QunGuard: undo the obfuscations chat spammers use, find contact handles.

    from qunguard.model.normalize import normalize, Normalized, Handle, TOKENS
    n = normalize("加V Was4872 ☎☎")
    n.text      # '加v was4872 \ue002\ue002'
    n.masked    # '\ue012 \ue002\ue002'
    n.handles   # (Handle(kind='wechat', text='加v was4872', value='was4872'),)

`normalize(raw)` runs, in order (pipeline.py):

1. drop invisible/format/control/private-use characters (charsets.py);
2. placeholders and emoji sequences -> one private-use token each, counted (placeholders.py);
3. NFKC; 4-5. look-alike letters -> Latin, traditional -> simplified, split characters
   (君羊 -> 群), contact words (薇信/VX -> 微信), then lowercase (folding.py);
6. contact handles (qq, group, phone, wechat, url, telegram, email), one finder per family,
   longest-leftmost, no overlaps (handles/);
7. `masked`: handle spans -> kind token, remaining ASCII digits -> "0".

Tables are read or built at import (the library-built ones ship prebuilt: tables.py); per message the
path is a few C-level regex scans and cheap pre-checks skip whole steps. `normalize(n.text) == n`, so applying it twice is safe.
"""
from __future__ import annotations

from .charsets import STRIP_RE as _STRIP_RE  # noqa: F401  (model/evidence.py folds with it)
from .folding import TABLE as _TABLE  # noqa: F401  (model/evidence.py folds with it)
from .pipeline import normalize
from .result import TOKENS, Handle, Normalized

__all__ = ["TOKENS", "Handle", "Normalized", "normalize"]

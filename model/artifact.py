"""Save and load the model with its metadata, and refuse a bad file clearly.

Layout (one folder):
- `model.npz`: the fitted arrays (see _to_arrays), read with numpy alone. No pickle:
  nothing in the file can run code, and loading imports neither scikit-learn nor scipy.
  Stored uncompressed: 6 MB instead of 4, read in ~7 ms instead of ~40 (cold start).
- `meta.json`: format version, labels, training-data hashes, metrics, library versions,
  the sha256 of model.npz.
`load` checks all of it and raises one ModelArtifactError naming the problem, so a
service can keep its old model.

A folder of format 1 (`model.joblib`, a pickle of the scikit-learn objects) is converted
once, with the same arrays (needs joblib and scikit-learn):

    python -m qunguard.model.artifact convert OLD_DIR NEW_DIR
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import logging
import platform
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from qunguard.model.errors import ModelArtifactError
from qunguard.model.labels import LABELS
from qunguard.model.libraries import installed_version

if TYPE_CHECKING:  # the classifier's imports build big tables: a process that only checks skips them
    from qunguard.model.classifier import MessageClassifier

FORMAT_VERSION = 2
MODEL_FILE = "model.npz"
META_FILE = "meta.json"
LEGACY_FORMAT_VERSION, LEGACY_MODEL_FILE = 1, "model.joblib"
SHIPPED = Path(__file__).resolve().parent / "shipped"
TRACKED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba", "rjieba", "pypinyin", "opencc", "emoji")
# the libraries whose tables and tokenisers define the features (segmentation, pinyin, traditional->simplified
# folding, emoji names, the arrays): another version may change the features of a text without retraining
FEATURE_LIBRARIES = ("rjieba", "jieba", "pypinyin", "opencc", "emoji", "numpy")
REQUIRED_META = ("format_version", "model_version", "labels", "model_sha256", "libraries")

log = logging.getLogger("qunguard")


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), **{name: installed_version(name) for name in TRACKED_LIBRARIES}}


def feature_library_mismatches(meta: dict) -> dict[str, list[str]]:
    """name -> [version the model was trained with, version installed], for each feature-defining
    library that differs. A library the metadata does not record is not compared."""
    recorded = meta.get("libraries", {})
    return {name: [recorded[name], installed_version(name)] for name in FEATURE_LIBRARIES
            if name in recorded and recorded[name] != installed_version(name)}


def warn_on_feature_library_mismatch(folder: str | Path, meta: dict) -> None:
    mismatches = feature_library_mismatches(meta)
    if mismatches:
        differ = ", ".join(f"{name} {trained} (installed {now})" for name, (trained, now) in mismatches.items())
        log.warning("model %s in %s was trained with %s: its features may differ from training; install the "
                    "versions of constraints.txt or retrain", meta.get("model_version"), folder, differ)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- the arrays of model.npz ------------------------------------------------------------------
def _pack(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 byte array and the end (in characters) of each: compact, no pickle."""
    data = "".join(strings).encode("utf-8", "surrogatepass")
    return np.frombuffer(data, dtype=np.uint8), np.cumsum([len(s) for s in strings], dtype=np.int64)


def _unpack(data: np.ndarray, ends: np.ndarray) -> list[str]:
    text = data.tobytes().decode("utf-8", "surrogatepass")
    ends = ends.tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _to_arrays(classifier: MessageClassifier) -> dict[str, np.ndarray]:
    f = classifier.featurizer
    words, words_ends = _pack(f.word_tokens_by_column())
    classes, classes_ends = _pack(classifier.classes)
    params = json.dumps(f.get_params(), sort_keys=True).encode("utf-8")
    return {
        "coef": classifier.coef,  # (n_classes, n_features), classes in `classes` order
        "intercept": classifier.intercept,
        "temperature": np.float64(classifier.temperature),
        "classes": classes, "classes_ends": classes_ends,
        "gram_keys": f.gram_keys_,  # columns 0..: character and pinyin n-gram keys
        "words": words, "words_ends": words_ends,  # the columns after them: word, bigram, handle tokens
        "idf": f.idf_,  # of every token column
        "featurizer_params": np.frombuffer(params, dtype=np.uint8),
        # a source-neutral division of commerce (model/commerce_kind.py), only in models trained with one
        **({"kind_weights": classifier.kind.weights, "kind_intercept": np.float64(classifier.kind.intercept),
            "kind_temperature": np.float64(classifier.kind.temperature),
            # its gates (s31); a file without them is an ungated kind
            "kind_one_way": np.bool_(classifier.kind.one_way),
            "kind_spam_forms_keep": np.bool_(classifier.kind.spam_forms_keep)} if classifier.kind is not None else {}),
    }


def _from_arrays(arrays: dict[str, np.ndarray]) -> MessageClassifier:
    from qunguard.model.classifier import MessageClassifier
    from qunguard.model.commerce_kind import KindColumn
    from qunguard.model.features import MessageFeaturizer

    params = json.loads(arrays["featurizer_params"].tobytes())
    featurizer = MessageFeaturizer(**params).set_vocabulary(
        arrays["gram_keys"], _unpack(arrays["words"], arrays["words_ends"]), arrays["idf"])
    kind = (KindColumn(arrays["kind_weights"], float(arrays["kind_intercept"]), float(arrays["kind_temperature"]),
                       one_way=bool(arrays.get("kind_one_way", False)),
                       spam_forms_keep=bool(arrays.get("kind_spam_forms_keep", False)))
            if "kind_weights" in arrays else None)
    return MessageClassifier(featurizer, arrays["coef"], arrays["intercept"],
                             _unpack(arrays["classes"], arrays["classes_ends"]), float(arrays["temperature"]), kind)


# --- the folder -------------------------------------------------------------------------------
def save(classifier: MessageClassifier, folder: Path, meta: dict) -> dict:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (MODEL_FILE + ".tmp")
    # Any values: numpy's stub gives savez a bool `allow_pickle` keyword, which mypy matches against **arrays
    arrays: dict[str, Any] = _to_arrays(classifier)
    with tmp.open("wb") as fh:
        np.savez(fh, **arrays)
    tmp.replace(folder / MODEL_FILE)
    (folder / LEGACY_MODEL_FILE).unlink(missing_ok=True)  # a stale format-1 file beside it would mislead
    full = {
        "format_version": FORMAT_VERSION,
        "labels": list(LABELS),
        "libraries": library_versions(),
        **meta,
        "model_sha256": _sha256(folder / MODEL_FILE),
    }
    (folder / META_FILE).write_text(json.dumps(full, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return full


def read_meta(folder: Path) -> dict:
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelArtifactError(f"no {META_FILE} in {folder}: not a QunGuard model folder") from None
    except (OSError, ValueError) as exc:
        raise ModelArtifactError(f"{path} is not valid JSON: {exc}") from None
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ModelArtifactError(f"{path} lacks {', '.join(missing)}")
    return meta


def check(folder: str | Path = SHIPPED) -> dict:
    """Everything load() checks short of reading the arrays (metadata, labels, format, sha256):
    the metadata, or ModelArtifactError. Cheap: a supervisor checks what its workers will load."""
    folder = Path(folder)
    meta = read_meta(folder)
    if meta["format_version"] == LEGACY_FORMAT_VERSION:
        raise ModelArtifactError(f"{folder} holds a model of format {LEGACY_FORMAT_VERSION} ({LEGACY_MODEL_FILE}), no "
                                 f"longer loaded; convert it once: python -m qunguard.model.artifact convert {folder} NEW_DIR")
    if meta["format_version"] != FORMAT_VERSION:
        raise ModelArtifactError(f"model format {meta['format_version']} is not supported (expected {FORMAT_VERSION})")
    if tuple(meta["labels"]) != LABELS:
        raise ModelArtifactError(f"model labels {meta['labels']} do not match this code's {list(LABELS)}")
    path = folder / MODEL_FILE
    if not path.exists():
        raise ModelArtifactError(f"{path} is missing")
    if _sha256(path) != meta["model_sha256"]:
        raise ModelArtifactError(f"{path} does not match the sha256 in {META_FILE}: corrupt or replaced")
    return meta


def load(folder: str | Path = SHIPPED) -> tuple[MessageClassifier, dict]:
    """The classifier and its metadata, or ModelArtifactError saying what is wrong."""
    meta = check(folder)
    path = Path(folder) / MODEL_FILE
    try:
        with np.load(path, allow_pickle=False) as npz:
            classifier = _from_arrays({name: npz[name] for name in npz.files})
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file is one kind of error for the caller
        raise ModelArtifactError(f"{path} could not be loaded: {type(exc).__name__}: {exc}") from None
    classifier.prepare()  # derived lookup tables now, not in the first request
    warn_on_feature_library_mismatch(folder, meta)
    return classifier, meta


# --- format 1 -> this format ------------------------------------------------------------------
LEGACY_PACKAGE = "model"  # format 1 pickles name their classes by it: model.classifier.MessageClassifier, ...


class _LegacyNames(MetaPathFinder, Loader):
    """Import hook: `model` and `model.X` resolve to this package's modules (qunguard.model.X), under both names."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
                  ) -> ModuleSpec | None:
        if fullname != LEGACY_PACKAGE and not fullname.startswith(LEGACY_PACKAGE + "."):
            return None
        return ModuleSpec(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.import_module(__package__ + spec.name[len(LEGACY_PACKAGE):])

    def exec_module(self, module: ModuleType) -> None:
        pass  # the module is this package's own, already executed


@contextlib.contextmanager
def legacy_module_names() -> Iterator[None]:
    """While unpickling format 1: its module names (`model.…`, from before the code was installed as
    qunguard.model) resolve to this package, even if another distribution installed a top-level `model`.
    Afterwards sys.modules and sys.meta_path are as they were."""
    def ours(name: str) -> bool:
        return name == LEGACY_PACKAGE or name.startswith(LEGACY_PACKAGE + ".")

    hook = _LegacyNames()
    hidden = {name: sys.modules.pop(name) for name in [n for n in sys.modules if ours(n)]}
    sys.meta_path.insert(0, hook)
    try:
        yield
    finally:
        sys.meta_path.remove(hook)
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        sys.modules.update(hidden)


def convert(old: Path, new: Path) -> dict:
    """Rewrite a format-1 folder in this format: the same arrays, its metadata kept (libraries:
    those it was trained with), its other files (report.md) copied. Returns the new metadata."""
    import joblib  # format 1 is a joblib pickle of scikit-learn objects: only converting needs them

    old, new = Path(old), Path(new)
    meta = read_meta(old)
    if meta["format_version"] != LEGACY_FORMAT_VERSION:
        raise ModelArtifactError(f"{old} holds format {meta['format_version']}, not {LEGACY_FORMAT_VERSION}")
    path = old / LEGACY_MODEL_FILE
    if _sha256(path) != meta["model_sha256"]:
        raise ModelArtifactError(f"{path} does not match the sha256 in {META_FILE}: corrupt or replaced")
    with legacy_module_names():
        classifier = joblib.load(path)  # MessageClassifier.__setstate__ keeps the LogisticRegression's arrays
    if new.resolve() != old.resolve():
        new.mkdir(parents=True, exist_ok=True)
        for extra in old.iterdir():
            if extra.is_file() and extra.name not in (LEGACY_MODEL_FILE, META_FILE):
                shutil.copy2(extra, new / extra.name)
    kept = {k: v for k, v in meta.items() if k not in ("format_version", "model_sha256")}
    kept["converted_from"] = {"format_version": LEGACY_FORMAT_VERSION, "model_sha256": meta["model_sha256"],
                              "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return save(classifier, new, kept)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m qunguard.model.artifact", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help=f"rewrite a format-{LEGACY_FORMAT_VERSION} model folder in format {FORMAT_VERSION}")
    c.add_argument("old", type=Path, help=f"folder with {LEGACY_MODEL_FILE} and {META_FILE}")
    c.add_argument("new", type=Path, help="folder to write (may be the same: its model.joblib is then replaced)")
    args = ap.parse_args(argv)
    try:
        meta = convert(args.old, args.new)
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.new / MODEL_FILE}: model {meta['model_version']}, format {FORMAT_VERSION}, sha256 {meta['model_sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

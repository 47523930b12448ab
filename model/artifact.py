"""Save and load the model with its metadata, and refuse a bad file clearly.

Layout (one folder): `model.joblib` (the fitted MessageClassifier) and
`meta.json` (format version, labels, training-data hashes, metrics, library
versions, the sha256 of model.joblib). `load` checks all of it and raises one
ModelArtifactError naming the problem, so a service can keep its old model.
joblib/pickle can run code on load: only load artifacts you built or trust.
"""
from __future__ import annotations

import hashlib
import json
import platform
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import joblib

from model.errors import ModelArtifactError
from model.labels import LABELS

if TYPE_CHECKING:  # the classifier's imports build big tables: a process that only checks skips them
    from model.classifier import MessageClassifier

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
SHIPPED = Path(__file__).resolve().parent / "shipped"
TRACKED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "jieba", "rjieba", "pypinyin", "opencc", "emoji")
REQUIRED_META = ("format_version", "model_version", "labels", "model_sha256", "libraries")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save(classifier: MessageClassifier, folder: Path, meta: dict) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (MODEL_FILE + ".tmp")
    joblib.dump(classifier, tmp, compress=("xz", 6))
    tmp.replace(folder / MODEL_FILE)
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
    path = folder / META_FILE
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


def check(folder: Path = SHIPPED) -> dict:
    """Everything load() checks short of unpickling (metadata, labels, format, sha256): the
    metadata, or ModelArtifactError. Cheap: a supervisor checks what its workers will load."""
    folder = Path(folder)
    meta = read_meta(folder)
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


def load(folder: Path = SHIPPED) -> tuple[MessageClassifier, dict]:
    """The classifier and its metadata, or ModelArtifactError saying what is wrong."""
    from model.classifier import MessageClassifier

    meta = check(folder)
    path = Path(folder) / MODEL_FILE
    ours = library_versions()
    if meta["libraries"].get("scikit-learn") != ours["scikit-learn"]:
        warnings.warn(
            f"model was trained with scikit-learn {meta['libraries'].get('scikit-learn')}, running {ours['scikit-learn']}",
            stacklevel=2,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            classifier = joblib.load(path)
    except Exception as exc:  # any unpickling failure is one kind of error for the caller
        raise ModelArtifactError(f"{path} could not be loaded: {type(exc).__name__}: {exc}") from None
    if not isinstance(classifier, MessageClassifier):
        raise ModelArtifactError(f"{path} holds a {type(classifier).__name__}, not a MessageClassifier")
    classifier.prepare()  # derived lookup tables now, not in the first request
    return classifier, meta

"""Errors the model package raises, each with a stable code for the API and CLI."""
from __future__ import annotations


class QunGuardError(Exception):
    code = "qunguard_error"


class ModelArtifactError(QunGuardError):
    """The model file is missing, corrupt, or does not match its metadata."""

    code = "model_artifact_invalid"


class InvalidMessageError(QunGuardError, ValueError):
    """A message that cannot be classified (not text, empty, too long)."""

    code = "invalid_message"


class NotFittedError(QunGuardError, ValueError, AttributeError):
    """A featurizer or classifier used before fit() (the same bases as scikit-learn's)."""

    code = "not_fitted"

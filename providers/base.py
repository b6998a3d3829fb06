"""The lifecycle every provider shares, and the errors the app may see from any of them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderHealth:
    name: str
    kind: str
    mode: str
    healthy: bool
    detail: str = ""


class ProviderError(Exception):
    """A provider could not do what was asked."""


class TransientProviderError(ProviderError):
    """Worth retrying: a timeout, a 5xx, or a 429 (with `retry_after` seconds when known)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Retrying cannot help: an invalid recipient, a refused request, a 4xx."""


class BaseProvider(ABC):
    """A provider is initialized once at start-up, asked for its health, and shut down."""

    name: str = "provider"
    kind: str = "generic"
    mode: str = "mock"

    @abstractmethod
    def initialize(self) -> None: ...

    @abstractmethod
    def shutdown(self) -> None: ...

    @abstractmethod
    def health(self) -> ProviderHealth: ...

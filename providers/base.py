"""The lifecycle every provider shares, and the errors the app may see from any of them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderHealth:
    name: str
    kind: str
    mode: str
    healthy: bool
    detail: str = ""


class ProviderError(Exception):
    """A provider could not do what was asked; `code` carries the vendor's error code if any."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientProviderError(ProviderError):
    """Worth retrying: a timeout, a 5xx, or a 429 (with `retry_after` seconds when known)."""

    def __init__(
        self, message: str, retry_after: float | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Retrying cannot help: an invalid recipient, a refused request, a 4xx."""


class BudgetExceededError(ProviderError):
    """A paid call was refused because this month's budget for it is spent."""


class ProviderConfigError(ProviderError):
    """Settings needed to build a provider are missing; `missing` names every one of them."""

    def __init__(self, missing: Sequence[str], message: str | None = None) -> None:
        self.missing = list(missing)
        super().__init__(message or "missing provider settings: " + ", ".join(self.missing))


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

    def _health(self, healthy: bool, detail: str = "") -> ProviderHealth:
        return ProviderHealth(self.name, self.kind, self.mode, healthy, detail)

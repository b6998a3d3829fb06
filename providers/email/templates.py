"""Rendering user-authored templates safely: a sandbox, and no silently empty variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from providers.base import PermanentProviderError


class TemplateRenderError(PermanentProviderError):
    """The template is broken or names a variable that was not supplied."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


# Templates are written by tenants' users, so they run sandboxed; the subject is plain text
# and the body is HTML, so only the body is autoescaped.
_SUBJECT_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_BODY_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def render_template(subject: str, body: str, variables: Mapping[str, Any]) -> RenderedEmail:
    try:
        return RenderedEmail(
            # Collapsing whitespace keeps a variable from smuggling a newline into the header.
            subject=" ".join(_SUBJECT_ENV.from_string(subject).render(variables).split()),
            body=_BODY_ENV.from_string(body).render(variables),
        )
    except TemplateError as exc:  # includes UndefinedError and SecurityError
        raise TemplateRenderError(f"template cannot be rendered: {exc}") from exc

"""Request and response bodies of /api/v1/auth."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field

from reos.api.schemas import Name, Password, StrictBody


class RegisterIn(StrictBody):
    email: EmailStr
    password: Password
    full_name: Name
    organization_name: Name


class LoginIn(StrictBody):
    email: EmailStr
    # Any length is accepted here so an over-long guess is simply wrong, not a 422 oracle;
    # the cap only bounds the work of hashing.
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RefreshIn(StrictBody):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")

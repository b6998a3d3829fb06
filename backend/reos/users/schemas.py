"""Request and response bodies of /api/v1/users."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr

from reos.api.schemas import Name, Password, StrictBody, UserOut

RoleName = Literal["admin", "sales", "agent", "viewer"]
UserStatus = Literal["active", "disabled"]


class MemberIn(StrictBody):
    email: EmailStr
    full_name: Name
    role: RoleName
    password: Password


class UserUpdateIn(StrictBody):
    """Admins may change anyone's role and status; others only their own name and password."""

    full_name: Name | None = None
    password: Password | None = None
    role: RoleName | None = None
    status: UserStatus | None = None


__all__ = ["MemberIn", "RoleName", "UserOut", "UserStatus", "UserUpdateIn"]

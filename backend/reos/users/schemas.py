"""Request and response bodies of /api/v1/users."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr

from reos.api.schemas import Name, Password, StrictBody

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


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    status: str
    organization_id: uuid.UUID

"""HTTP endpoints of /api/v1/users."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from reos.api.deps import Principal, SessionDep, require
from reos.api.idempotency import IdempotencyKeyDep
from reos.api.responses import READ_ERRORS, WRITE_ERRORS, errors
from reos.core.pagination import Page, PageParams, page_params
from reos.core.security.rbac import Permission
from reos.users import service
from reos.users.schemas import MemberIn, UserOut, UserUpdateIn

router = APIRouter(prefix="/users", tags=["users"])

CanRead = Annotated[Principal, Depends(require(Permission.USERS_READ))]
CanManage = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
CanUpdateProfile = Annotated[Principal, Depends(require(Permission.PROFILE_UPDATE))]


@router.get("", response_model=Page[UserOut], responses=errors(401, 403, 422, 429))
def list_users(
    principal: CanRead, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[UserOut]:
    """The members of your organization."""
    users, total = service.list_users(session, page=page)
    return Page[UserOut].of(users, total, page)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=UserOut, responses=WRITE_ERRORS
)
def add_member(
    body: MemberIn, principal: CanManage, session: SessionDep, _key: IdempotencyKeyDep
) -> UserOut:
    """Add a member to your organization (admins)."""
    user = service.add_member(
        session,
        actor_user_id=principal.user_id,
        email=body.email,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
    )
    return UserOut.model_validate(user)


@router.get("/{user_id}", response_model=UserOut, responses=READ_ERRORS)
def get_user(user_id: uuid.UUID, principal: CanRead, session: SessionDep) -> UserOut:
    """One member of your organization."""
    return UserOut.model_validate(service.get_user(session, user_id=user_id))


@router.put("/{user_id}", response_model=UserOut, responses=WRITE_ERRORS)
def update_user(
    user_id: uuid.UUID, body: UserUpdateIn, principal: CanUpdateProfile, session: SessionDep
) -> UserOut:
    """Admins change anyone's role and status; others their own name and password."""
    user = service.update_user(
        session,
        actor_user_id=principal.user_id,
        actor_is_admin=principal.can(Permission.USERS_MANAGE),
        user_id=user_id,
        **body.model_dump(exclude_unset=True),
    )
    return UserOut.model_validate(user)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE_ERRORS)
def remove_user(user_id: uuid.UUID, principal: CanManage, session: SessionDep) -> Response:
    """Remove a member (soft delete; their sessions end)."""
    service.remove_user(session, actor_user_id=principal.user_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""HTTP endpoints of /api/v1/auth."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from reos.api.deps import CurrentPrincipal, SessionDep, TokensDep, container_of
from reos.api.responses import AUTH_ERRORS, errors
from reos.auth import service
from reos.auth.schemas import LoginIn, RefreshIn, RegisterIn, TokenPairOut
from reos.users.schemas import UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=errors(409, 422, 429),
)
def register(body: RegisterIn, session: SessionDep) -> UserOut:
    """Create an organization with you as its admin."""
    user = service.register(
        session,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        organization_name=body.organization_name,
    )
    return UserOut.model_validate(user)


@router.post("/login", response_model=TokenPairOut, responses=errors(401, 422, 429))
def login(body: LoginIn, request: Request, session: SessionDep, tokens: TokensDep) -> TokenPairOut:
    """Exchange email and password for an access and a refresh token."""
    pair = service.login(
        session,
        tokens=tokens,
        unknown_failures=container_of(request).login_failures,
        max_failures=container_of(request).settings.login_max_failures,
        email=body.email,
        password=body.password,
        ip_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    return TokenPairOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post("/refresh", response_model=TokenPairOut, responses=errors(401, 422, 429))
def refresh(body: RefreshIn, session: SessionDep, tokens: TokensDep) -> TokenPairOut:
    """Rotate the refresh token; reusing an old one revokes the session."""
    pair = service.refresh(session, tokens=tokens, refresh_token=body.refresh_token)
    return TokenPairOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=AUTH_ERRORS)
def logout(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """End this session; its tokens stop working at once."""
    service.logout(session, session_id=principal.session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut, responses=AUTH_ERRORS)
def me(principal: CurrentPrincipal, session: SessionDep) -> UserOut:
    """The signed-in user."""
    return UserOut.model_validate(service.get_user(session, user_id=principal.user_id))

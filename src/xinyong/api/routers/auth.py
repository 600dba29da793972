"""Sign-in over the API: sessions, personal API tokens, and real-name verification of subjects."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from xinyong.api.deps import SESSION_COOKIE, current_caller, get_platform
from xinyong.api.errors import ErrorBody
from xinyong.domain.identity.actors import Actor, Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.identity import accounts as auth
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.auth import User

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 422: {"model": ErrorBody}}
BINDING_ERRORS = {**ERRORS, 409: {"model": ErrorBody}}


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class WhoAmI(BaseModel):
    role: str
    principal: str
    organisation: str | None
    subject_id: int | None


class TokenIn(BaseModel):
    label: str = Field(default="", max_length=100)
    scopes: list[str] = Field(default_factory=list, max_length=20)
    expires_at: AwareDatetime | None = Field(default=None, description="ISO 8601 with an offset")

    @field_validator("expires_at", mode="before")
    @classmethod
    def _iso_only(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise ValueError("expires_at must be an ISO 8601 date-time string with an offset")
        return value


class TokenOut(BaseModel):
    token: str = Field(description="Shown once; only its digest is stored")
    label: str


class RealNameIn(BaseModel):
    identifier: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    evidence: str = Field(min_length=1, max_length=4096, description="What the configured verifier checks")


def _sign_in_required() -> Refusal:
    return Refusal(None, "sign_in_required", "请先登录", "sign in first", status=401)


@router.post("/session", response_model=WhoAmI, responses={**ERRORS, 429: {"model": ErrorBody}})
def login(body: LoginIn, request: Request, response: Response,  # type: ignore[no-untyped-def]
          platform: Platform = Depends(get_platform)):
    """Sign in with a username and password; sets the portal session cookie. Too many failed sign-ins
    for the account or from the address in the window: 429 with ``Retry-After``, no password checked."""
    user, secret = auth.sign_in(platform, Actor.system("auth"), body.username, body.password,
                                request.client.host if request.client else None)
    who = WhoAmI(role=user.role, principal=f"user:{user.id}", organisation=user.organisation,
                 subject_id=user.subject_id)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", max_age=auth.SESSION_HOURS * 3600,
                        secure=not platform.settings.local)    # HTTPS only, outside a developer's machine
    return who


@router.get("/me", response_model=WhoAmI)
def whoami(caller: Caller = Depends(current_caller)) -> WhoAmI:
    """Who the platform thinks you are (the public when not signed in)."""
    return WhoAmI(role=caller.actor.role.value, principal=caller.actor.principal,
                  organisation=caller.actor.organisation, subject_id=caller.subject_id)


@router.post("/tokens", response_model=TokenOut, status_code=201, responses=ERRORS)
def create_token(body: TokenIn, caller: Caller = Depends(current_caller),
                 platform: Platform = Depends(get_platform)):  # type: ignore[no-untyped-def]
    """Issue a personal API token for the signed-in user (shown once)."""
    if caller.user_id is None:
        raise _sign_in_required()
    with platform.unit_of_work(caller.actor) as uow:
        user = uow.session.get(User, caller.user_id)
        token = auth.issue_token(uow, user, label=body.label, scopes=body.scopes, expires_at=body.expires_at)
    return TokenOut(token=token, label=body.label)


@router.post("/real-name", response_model=WhoAmI, responses=BINDING_ERRORS)
def real_name(body: RealNameIn, caller: Caller = Depends(current_caller),
              platform: Platform = Depends(get_platform)):  # type: ignore[no-untyped-def]
    """Verify your real name with the configured verifier and become a credit subject user: only a
    natural person's own account not yet verified (403 otherwise), only with a citizen identity number,
    and only if no other account is bound to that person (409 otherwise; the operator resolves a
    dispute). A person with no records yet is registered as a subject."""
    if caller.user_id is None:
        raise _sign_in_required()
    with platform.unit_of_work(caller.actor) as uow:
        user = uow.session.get(User, caller.user_id)
        subject = auth.verify_real_name(uow, user, identifier=body.identifier, display_name=body.display_name,
                                        evidence=body.evidence, verifier=auth.configured_verifier(platform))
        who = WhoAmI(role=Role.subject.value, principal=f"user:{user.id}", organisation=None,
                     subject_id=subject.id)
    return who

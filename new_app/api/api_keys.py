"""/api/api-keys: integration keys (admin only; the access middleware enforces it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from new_app.body import json_body, one_of, text, validate
from new_app.deps import CurrentPrincipal, DbSession, get_or_404
from new_app.docs import described
from new_app.schemas.accounts import ApiKeyCreated, ApiKeyList, ApiKeyOut, ApiKeyRevoked
from new_app.schemas.common import ERROR_RESPONSES
from shared_models.models import ApiKey, UserRole
from shared_models.security import API_KEY_PREFIX_LENGTH, hash_api_key, new_api_key

router = APIRouter(prefix="/api/api-keys", tags=["api keys"], responses=ERROR_RESPONSES)

ROLES = {role.value: role for role in UserRole}
API_KEY_FIELDS = {"name": text(100), "role": one_of(ROLES)}


@router.get("/", response_model=ApiKeyList, summary="List API keys (revoked ones too)")
async def list_api_keys(db: DbSession) -> ApiKeyList:
    keys = (await db.scalars(select(ApiKey).order_by(ApiKey.id))).all()
    return ApiKeyList(api_keys=[ApiKeyOut.from_row(k) for k in keys], count=len(keys))


@router.post(
    "/",
    response_model=ApiKeyCreated,
    status_code=201,
    summary="Create an API key (shown once)",
    openapi_extra=described(
        body={
            "name": "text, 1-100 characters",
            "role": "admin, manager, user or readonly (default readonly)",
        },
        required=["name"],
    ),
)
async def create_api_key(
    request: Request, db: DbSession, principal: CurrentPrincipal
) -> ApiKeyCreated:
    fields = validate(await json_body(request), API_KEY_FIELDS, required=["name"])
    secret = new_api_key()
    api_key = ApiKey(
        name=fields["name"],
        key_hash=hash_api_key(secret),
        key_prefix=secret[:API_KEY_PREFIX_LENGTH],
        role=fields.get("role", UserRole.READONLY),
        user_id=principal.user_id,
        is_active=True,
    )
    db.add(api_key)
    await db.commit()
    # The only time the key itself is shown: only its hash is stored.
    return ApiKeyCreated(api_key=secret, key=ApiKeyOut.from_row(api_key))


@router.delete("/{key_id:int}", response_model=ApiKeyRevoked, summary="Revoke an API key")
async def revoke_api_key(key_id: int, db: DbSession) -> ApiKeyRevoked:
    api_key = await get_or_404(db, ApiKey, key_id, "API key")
    api_key.is_active = False
    await db.commit()
    return ApiKeyRevoked(message="API key revoked", id=key_id)

"""Every SQLAlchemy model, one module per area; importing this package registers them all."""

from reos.models.identity import (
    AuthSession,
    Organization,
    Permission,
    Role,
    Team,
    User,
    role_permissions,
)
from reos.models.ops import AuditLog, IdempotencyKey, WebhookLog

__all__ = [
    "AuditLog",
    "AuthSession",
    "IdempotencyKey",
    "Organization",
    "Permission",
    "Role",
    "Team",
    "User",
    "WebhookLog",
    "role_permissions",
]

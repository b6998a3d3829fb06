"""The one role → permission map; every route names the permission it needs."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    PROFILE_UPDATE = "profile:update"
    PROPERTIES_READ = "properties:read"
    PROPERTIES_WRITE = "properties:write"
    LEADS_READ = "leads:read"
    LEADS_WRITE = "leads:write"
    CAMPAIGNS_READ = "campaigns:read"
    CAMPAIGNS_WRITE = "campaigns:write"
    OUTREACH_SEND = "outreach:send"
    COMPLIANCE_READ = "compliance:read"
    COMPLIANCE_WRITE = "compliance:write"
    PORTFOLIO_READ = "portfolio:read"
    PORTFOLIO_WRITE = "portfolio:write"
    DEALS_READ = "deals:read"
    DEALS_WRITE = "deals:write"
    ANALYTICS_READ = "analytics:read"
    TASKS_READ = "tasks:read"
    TASKS_WRITE = "tasks:write"
    WEBHOOKS_MANAGE = "webhooks:manage"
    STORAGE_READ = "storage:read"
    STORAGE_WRITE = "storage:write"
    EVENTS_READ = "events:read"
    ADMIN = "admin:access"


_READ = {p for p in Permission if p.value.endswith(":read")}
_CRM_WRITE = {
    Permission.PROPERTIES_WRITE,
    Permission.LEADS_WRITE,
    Permission.DEALS_WRITE,
    Permission.STORAGE_WRITE,
    Permission.TASKS_WRITE,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "sales": frozenset(
        _READ
        | _CRM_WRITE
        | {
            Permission.PROFILE_UPDATE,
            Permission.CAMPAIGNS_WRITE,
            Permission.OUTREACH_SEND,
            Permission.COMPLIANCE_WRITE,
            Permission.PORTFOLIO_WRITE,
        }
    ),
    "agent": frozenset(_READ | _CRM_WRITE | {Permission.PROFILE_UPDATE, Permission.OUTREACH_SEND}),
    # Viewers read; they may not even change their own profile.
    "viewer": frozenset(_READ),
}

ROLE_DESCRIPTIONS = {
    "admin": "Everything, including users, webhooks, the DLQ and the audit log",
    "sales": "CRM, campaigns, outreach, compliance and portfolios",
    "agent": "Properties, leads, deals and one-to-one outreach",
    "viewer": "Read-only access",
}


def has_permission(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())

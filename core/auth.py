"""Who may do what: roles, permissions and the check every core write service calls.

In: a `Principal` (email and role) and a `Permission`. Out: `require()` returns quietly or raises
`PermissionDenied`; `can()` answers the same question for menus. The matrix follows DESIGN.md §8:
admin does everything, reviewers rate and review, clinicians also give clinical verdicts, viewers read
metrics. Hiding a page is a courtesy; this check is the guarantee.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum

from core.errors import PermissionDenied


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    CLINICIAN = "clinician"
    VIEWER = "viewer"


class Permission(StrEnum):
    VIEW_METRICS = "view_metrics"
    VIEW_INTERACTIONS = "view_interactions"
    RATE = "rate"
    REVIEW = "review"
    CLINICAL_VERDICT = "clinical_verdict"
    IMPORT_DATA = "import_data"
    MANAGE_DATASETS = "manage_datasets"
    MANAGE_FINETUNES = "manage_finetunes"
    MANAGE_MODELS = "manage_models"
    MANAGE_EXPERIMENTS = "manage_experiments"
    EDIT_SETTINGS = "edit_settings"
    MANAGE_USERS = "manage_users"
    MANAGE_API_KEYS = "manage_api_keys"
    ERASE_USER_DATA = "erase_user_data"
    EXPORT_USER_DATA = "export_user_data"
    VIEW_AUDIT_LOG = "view_audit_log"


_REVIEWER = frozenset(
    {Permission.VIEW_METRICS, Permission.VIEW_INTERACTIONS, Permission.RATE, Permission.REVIEW}
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CLINICIAN: _REVIEWER | {Permission.CLINICAL_VERDICT},
    Role.REVIEWER: _REVIEWER,
    Role.VIEWER: frozenset({Permission.VIEW_METRICS}),
}


@dataclass(frozen=True)
class Principal:
    """The person (or tool) on whose behalf a service runs."""

    email: str
    role: Role


def can(principal: Principal, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[principal.role]


def require(principal: Principal, permission: Permission) -> None:
    """Raise `PermissionDenied` unless `principal` holds `permission`."""
    if not can(principal, permission):
        raise PermissionDenied(
            f"{principal.email} ({principal.role.value}) may not {permission.value.replace('_', ' ')}; "
            "ask an admin for a role that allows it"
        )


DEV_ADMIN = Principal(email="dev-admin@localhost", role=Role.ADMIN)
SYSTEM_ACTOR = "system"  # the audit actor of writes nobody asked for (a first OIDC sign-in, a lockout)


def cli_principal() -> Principal:
    """Whoever runs the CLI on the server has the database credentials, so acts as an admin."""
    return Principal(email=f"cli:{getpass.getuser()}", role=Role.ADMIN)

"""Who is acting: a logged-in user and the address they act from."""

from __future__ import annotations

from dataclasses import dataclass

from drachma.access.permissions import Permission, allowed
from drachma.errors import PermissionDenied
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.store.reports import Visibility


@dataclass(frozen=True, slots=True)
class Actor:
    user: User
    address: str | None = None

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def role(self) -> Role:
        return self.user.role

    def can(self, permission: Permission) -> bool:
        return allowed(self.user.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"the {self.user.role.label} role may not {permission.value.replace('_', ' ')}",
                field="role",
            )

    @property
    def visibility(self) -> Visibility:
        return Visibility(self.role, self.can(Permission.READ_ALL_RESTRICTED))


def system_actor(name: str = "system") -> Actor:
    """The actor for command-line work done by the operator of the machine (demo, ingest)."""
    return Actor(User(username=name, display_name="Drachma command line", role=Role.SUPERVISOR))

"""Grant and revoke account roles (CR3): reader or admin of a team's accounts of one type.

Granting the first role in a team switches its accounts to restricted access (see
`parley.contacts.access`). Each function runs in `transaction.atomic()` and has no other
side effect.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from parley.accounts.models import Membership, Team, User
from parley.contacts.choices import check_choice
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import AccountRole, AccountRoleKind, ChoiceKind


def grant_account_role(
    *, team: Team, user: User, account_type: str, role: AccountRoleKind | str
) -> AccountRole:
    """Make `user` reader or admin of the team's accounts of `account_type` (replacing the
    role they had for that type)."""
    kind = AccountRoleKind(role)
    account_type = check_choice(team.pk, ChoiceKind.ACCOUNT_TYPE, account_type)
    if not Membership.objects.filter(team=team, user=user).exists():
        raise ContactsError(_("Only members of the team can have account roles."))
    with transaction.atomic():
        found, _created = AccountRole.objects.update_or_create(
            team=team, user=user, account_type=account_type, defaults={"role": kind}
        )
    return found


def revoke_account_role(*, account_role: AccountRole) -> None:
    with transaction.atomic():
        account_role.delete()

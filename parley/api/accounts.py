from django.http import HttpRequest
from ninja import Router

from parley.accounts.access import memberships_for_user
from parley.accounts.models import User
from parley.api.schemas import TeamOut, UserOut

router = Router(tags=["accounts"])


def _teams(user: User) -> list[TeamOut]:
    return [
        TeamOut(id=m.team_id, name=m.team.name, role=m.role, can_delete=m.can_delete)
        for m in memberships_for_user(user).select_related("team")
    ]


@router.get("/me", response=UserOut, summary="The signed-in user and their teams")
def me(request: HttpRequest) -> UserOut:
    user = request.user
    assert isinstance(user, User)
    return UserOut(
        id=user.pk,
        email=user.email,
        name=user.name,
        language=user.language,
        is_superuser=user.is_superuser,
        teams=_teams(user),
    )


@router.get("/teams", response=list[TeamOut], summary="Teams the user belongs to")
def teams(request: HttpRequest) -> list[TeamOut]:
    user = request.user
    assert isinstance(user, User)
    return _teams(user)

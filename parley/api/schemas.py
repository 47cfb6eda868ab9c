from ninja import Schema


class TeamOut(Schema):
    id: int
    name: str
    role: str
    can_delete: bool


class UserOut(Schema):
    id: int
    email: str
    name: str
    language: str
    is_superuser: bool
    teams: list[TeamOut]


class ErrorOut(Schema):
    detail: str

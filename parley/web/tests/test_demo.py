from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from parley.accounts.access import is_site_admin
from parley.accounts.models import Membership, Role, Team, User
from parley.web.management.commands.demo import ADMIN_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_it_loads_two_teams_and_five_users_and_prints_the_login(capsys, settings):
    settings.BIND = "127.0.0.1:8123"
    call_command("demo")
    out = capsys.readouterr().out
    assert Team.objects.count() == 2
    assert User.objects.count() == 5
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.is_superuser
    assert is_site_admin(admin)
    assert admin.check_password(DEMO_PASSWORD)
    assert ADMIN_EMAIL in out
    assert DEMO_PASSWORD in out
    assert "http://127.0.0.1:8123/" in out


def test_every_demo_user_can_sign_in(client):
    call_command("demo")
    for user in User.objects.all():
        assert client.login(email=user.email, password=DEMO_PASSWORD)


def test_if_empty_does_nothing_when_users_exist(alice, capsys):
    call_command("demo", "--if-empty")
    assert User.objects.count() == 1
    assert "already has users" in capsys.readouterr().out


def test_it_refuses_to_load_twice():
    call_command("demo")
    with pytest.raises(CommandError):
        call_command("demo")
    assert User.objects.count() == 5

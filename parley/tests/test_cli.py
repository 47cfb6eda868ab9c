"""The `parley` command-line contract (docs/cli.md) that operators' scripts rely on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command

from parley.accounts.models import Membership, User
from parley.cli import supervise


@pytest.mark.django_db
def test_token_create_prints_a_token_that_opens_the_api(bob, client, capsys):
    call_command("token", "create", "--user", "BOB@example.com")
    token = capsys.readouterr().out.strip()

    assert token.startswith("prl_")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.com"


@pytest.mark.django_db
def test_token_create_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No active user"):
        call_command("token", "create", "--user", "nobody@example.com")


@pytest.mark.django_db
def test_createuser_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARLEY_USER_PASSWORD", "a-long-enough-secret-7")

    call_command("createuser", "eve@example.com", "--team", "Sales", "--role", "manager")

    eve = User.objects.get(email="eve@example.com")
    assert eve.check_password("a-long-enough-secret-7")
    assert Membership.objects.get(user=eve).role == "manager"


@pytest.mark.django_db
def test_createuser_refuses_a_second_user_with_the_same_address(bob, monkeypatch):
    monkeypatch.setenv("PARLEY_USER_PASSWORD", "a-long-enough-secret-7")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", "Bob@Example.com")


def test_parley_migrate_runs_twice_on_a_fresh_data_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PARLEY_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "parley.cli", "migrate", "--no-input", "-v", "0"]
    for _ in range(2):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "parley.sqlite3").exists()


def test_supervise_stops_every_child_when_one_exits():
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    started = time.monotonic()
    try:
        code = supervise(
            [
                [sys.executable, "-c", "import time; time.sleep(60)"],
                [sys.executable, "-c", "raise SystemExit(3)"],
            ]
        )
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert code == 3
    assert time.monotonic() - started < 20

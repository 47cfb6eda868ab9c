from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from parley.contacts import services as contacts
from parley.contacts.models import Organization
from parley.search.backends import index_backend
from parley.search.indexer import CONTACT, MESSAGE, ORGANIZATION, catch_up, lag, reindex, sweep
from parley.search.models import IndexState
from parley.search.services import search
from parley.search.tests.factories import index, make_contact, make_message, make_organization

pytestmark = pytest.mark.django_db


def kinds(results):
    return [group.kind for group in results.groups]


def test_new_messages_are_searchable_after_a_pass(bob, team_a):
    make_message(team=team_a, subject="Nowa wiadomość")
    assert search(user=bob, q="nowa").groups == []
    assert catch_up() >= 1
    assert kinds(search(user=bob, q="nowa")) == ["conversations"]


def test_lag_counts_what_waits_and_drops_to_zero(team_a):
    index()
    assert lag() == 0
    make_message(team=team_a)
    make_contact(team=team_a)
    assert lag() == 2
    index()
    assert lag() == 0


def test_a_second_pass_writes_nothing(team_a):
    make_message(team=team_a)
    make_contact(team=team_a)
    assert catch_up() == 2
    assert catch_up() == 0


def test_an_edited_contact_is_reindexed(bob, team_a):
    contact = make_contact(team=team_a, first_name="Stary")
    index()
    contacts.update_contact(contact=contact, fields={"first_name": "Nowy"})
    index()
    assert kinds(search(user=bob, q="nowy")) == ["contacts"]
    assert search(user=bob, q="stary").groups == []


def test_a_phone_added_later_is_found(bob, team_a):
    contact = make_contact(team=team_a)
    index()
    contacts.add_contact_phone(contact=contact, raw="+48 22 123 45 67")
    index()
    assert kinds(search(user=bob, q="221234567")) == ["contacts"]


def test_the_sweep_catches_changes_that_kept_updated_at(bob, team_a):
    organization = make_organization(team=team_a, name="Domenowa")
    index()
    before = Organization.objects.get(pk=organization.pk).updated_at
    contacts.add_organization_domain(organization=organization, domain="nowa-domena.pl")
    Organization.objects.filter(pk=organization.pk).update(updated_at=before)
    IndexState.objects.filter(kind=ORGANIZATION.name).update(
        last_updated_at=timezone.now() + timedelta(hours=1)
    )
    index()
    assert search(user=bob, q="nowa-domena.pl").groups == []
    assert sweep(ORGANIZATION) == 1
    assert kinds(search(user=bob, q="nowa-domena.pl")) == ["organizations"]


def test_the_sweep_drops_rows_of_erased_records(team_a):
    message = make_message(team=team_a)
    contact = make_contact(team=team_a)
    index()
    backend = index_backend()
    message.delete()
    contact.delete()
    assert backend.digests(MESSAGE.base, MESSAGE.top)
    sweep(MESSAGE)
    sweep(CONTACT)
    assert backend.digests(MESSAGE.base, MESSAGE.top) == {}
    assert backend.digests(CONTACT.base, CONTACT.top) == {}


def test_a_late_commit_below_the_mark_is_indexed(bob, team_a):
    early = make_message(team=team_a, subject="Spóźniona")
    make_message(team=team_a, subject="Druga")
    index()
    index_backend().delete([MESSAGE.base + early.pk])
    index()
    assert kinds(search(user=bob, q="spozniona")) == ["conversations"]


def test_reindex_rebuilds_everything(bob, team_a):
    make_message(team=team_a, subject="Odbudowa")
    make_contact(team=team_a, first_name="Odbudowa")
    index()
    backend = index_backend()
    backend.clear(MESSAGE.base, MESSAGE.top)
    assert kinds(search(user=bob, q="odbudowa")) == ["contacts"]
    assert reindex() == 2
    assert kinds(search(user=bob, q="odbudowa")) == ["conversations", "contacts"]
    assert backend.row_count() == 2


def test_reindex_command_reports_and_rebuilds(bob, team_a, capsys):
    make_message(team=team_a, subject="Komenda")
    call_command("reindex")
    assert "Indexed 1 records" in capsys.readouterr().out
    assert kinds(search(user=bob, q="komenda")) == ["conversations"]
    call_command("reindex", "--kind", "contact")
    assert kinds(search(user=bob, q="komenda")) == ["conversations"]


def test_searchindex_command_runs_one_pass(bob, team_a, capsys):
    make_message(team=team_a, subject="Jednorazowo")
    call_command("searchindex", "--sweep")
    assert "Indexed 1 records" in capsys.readouterr().out
    assert kinds(search(user=bob, q="jednorazowo")) == ["conversations"]


def test_the_task_runs_a_pass(bob, team_a):
    from parley.search.tasks import update_search_index

    make_message(team=team_a, subject="Zadanie")
    update_search_index.enqueue()
    assert kinds(search(user=bob, q="zadanie")) == ["conversations"]


def test_index_size_is_reported(team_a):
    make_message(team=team_a, text="trochę tekstu " * 50)
    index()
    assert index_backend().size_bytes() > 0


def _pending_index_rows() -> int:
    """Rows waiting in the GIN index's pending list (PostgreSQL, needs pgstattuple)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
    except DatabaseError:
        pytest.skip("pgstattuple is not available to this database user")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pending_tuples FROM pgstatginindex('search_document_tsv')")
        return int(cursor.fetchone()[0])


def test_a_pass_leaves_nothing_in_the_gin_pending_list(team_a):
    """Every search reads the whole pending list of the GIN index: a pass empties it."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: FTS5 has no pending list")
    make_message(team=team_a, subject="Pierwsza")
    make_message(team=team_a, subject="Druga")
    assert catch_up() == 2
    assert _pending_index_rows() == 0
    make_message(team=team_a, subject="Trzecia")
    reindex([MESSAGE])
    assert _pending_index_rows() == 0


def _gin_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('search_document_tsv') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def test_a_full_reindex_builds_the_gin_index_again(bob, team_a):
    """A reindex of every kind drops the GIN index and builds it over the new rows at once."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    make_message(team=team_a, subject="Indeks")
    reindex()
    assert _gin_index_exists()
    assert kinds(search(user=bob, q="indeks")) == ["conversations"]


def test_the_sweep_builds_a_gin_index_a_stopped_reindex_left_dropped(bob, team_a):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    make_message(team=team_a, subject="Indeks")
    index()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX search_document_tsv")
    assert not _gin_index_exists()
    sweep(MESSAGE)
    assert _gin_index_exists()

from __future__ import annotations

import pytest

from parley.mail.tests.support import make_mailbox, use_tmp_storage


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def mailbox(team_a):
    return make_mailbox(team_a)


@pytest.fixture
def assistant(team_a):
    from parley.triage.services import set_assistant_mailbox

    box = make_mailbox(team_a, name="assistant", email="crm@parley.test")
    set_assistant_mailbox(mailbox=box)
    return box

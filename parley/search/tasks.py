"""Search tasks: one indexer pass, for deployments that schedule work through django.tasks
rather than running `parley searchindex --loop`. Safe to run twice: a pass starts from the
stored high-water marks."""

from __future__ import annotations

from django.tasks import task

from parley.search.indexer import catch_up


@task()
def update_search_index() -> int:
    return catch_up()

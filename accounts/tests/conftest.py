"""Fixtures of the accounts tests: the Supabase-shaped source database of the import tests."""

import os

import pytest

from accounts.tests import supabase_source


@pytest.fixture(scope="session")
def source_database():
    """One source database per test process, dropped at the end: dropping a database makes the
    whole PostgreSQL server checkpoint, seconds on a busy machine. Each user rebuilds it first
    (``supabase_source.rebuild_source``); returns its URL."""
    url = supabase_source.create_database(os.environ["DATABASE_URL"])
    yield url
    supabase_source.drop_source(os.environ["DATABASE_URL"], url)


@pytest.fixture
def empty_source(source_database):
    """The source database with the inventory's schema and no rows, whatever an earlier test left."""
    supabase_source.rebuild_source(source_database)
    return source_database

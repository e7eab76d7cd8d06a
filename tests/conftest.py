"""Tests marked ``slow`` (minutes, or a cluster or a fresh virtual environment of their own)
run only when asked: ``pytest --slow`` (with a path or ``-m slow`` to run only them)."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run the tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with pytest --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

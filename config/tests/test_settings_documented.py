"""Every environment variable the settings read is documented in README.md and .env.example."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
ENV_READ = re.compile(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"')


def _variables():
    names = set(ENV_READ.findall((BASE_DIR / "config" / "settings.py").read_text()))
    assert len(names) > 50  # the pattern still finds them
    return names


def test_every_variable_is_in_the_readme():
    readme = (BASE_DIR / "README.md").read_text()
    assert sorted(name for name in _variables() if f"`{name}`" not in readme) == []


def test_every_variable_is_in_env_example():
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert sorted(_variables() - listed) == []

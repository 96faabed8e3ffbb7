"""The import contracts of docs/architecture.md (.importlinter) hold on the tree, and break when
a back-import is planted in a copy of it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "stores", "catalog", "orders", "webhooks", "sync", "projects", "agents", "audit", "config")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root):
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / ".importlinter")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def _copy_tree(target):
    shutil.copy(BASE_DIR / ".importlinter", target / ".importlinter")
    for package in (*PACKAGES, "woo_sandbox"):
        shutil.copytree(BASE_DIR / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))


def _plant(path, line):
    with path.open("a") as module:
        module.write(f"\n{line}  # planted by test_architecture\n")


def test_the_tree_keeps_every_contract():
    code, output = lint_imports(BASE_DIR)
    assert code == 0, output
    assert "0 broken" in output


def test_planted_back_imports_break_the_contracts(tmp_path):
    _copy_tree(tmp_path)
    _plant(tmp_path / "catalog" / "models.py", "from catalog import views")  # a model importing a view
    _plant(tmp_path / "stores" / "access.py", "import orders.selectors")  # a lower app importing a higher one
    _plant(tmp_path / "catalog" / "selectors.py", "import requests")  # WooCommerce traffic outside sync.woo
    _plant(tmp_path / "woo_sandbox" / "store.py", "import sync.models")  # the sandbox importing the product
    _plant(tmp_path / "sync" / "mappers" / "common.py", "import sync.writer")  # a cycle: writer imports mappers

    code, output = lint_imports(tmp_path)

    assert code == 1, output
    assert "catalog.models is not allowed to import catalog.views" in output
    assert "stores is not allowed to import orders" in output and "stores.access -> orders.selectors" in output
    assert "catalog is not allowed to import requests" in output and "catalog.selectors -> requests" in output
    assert "woo_sandbox is not allowed to import sync" in output and "woo_sandbox.store -> sync.models" in output
    assert "No cycles are allowed in sync" in output and "- .mappers -> .writer" in output
    assert "Contracts: 1 kept, 5 broken." in output

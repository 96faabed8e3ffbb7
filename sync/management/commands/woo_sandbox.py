"""``manage.py woo_sandbox``: run the WooCommerce sandbox server in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.core.management.base import CommandParser

from woo_sandbox.cli import add_arguments
from woo_sandbox.cli import run


class Command(BaseCommand):
    help = "Run a WooCommerce REST API v3 sandbox shop (generated data, webhooks, fault injection) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        run(options, out=self.stdout)

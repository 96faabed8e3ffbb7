"""``manage.py run_agents [--agent TYPE ...] [--store ID]``: run agents now, for system cron."""

import uuid

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from agents import services
from agents.models import ExecutionStatus
from agents.models import ExecutionType
from agents.registry import UnknownAgent
from agents.registry import agent_types
from stores.models import Store


def _uuid_or_none(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class Command(BaseCommand):
    help = "Run the agents (all, or those named) over every store or one store; one log row per agent."

    def add_arguments(self, parser):
        parser.add_argument("--agent", action="append", dest="agents", help=f"one of: {', '.join(agent_types())}")
        parser.add_argument("--store", help="a store id: only agents about stores, over this store")
        parser.add_argument(
            "--execution-type",
            default=ExecutionType.SCHEDULED,
            choices=ExecutionType.values,
            help="how the runs are recorded (default: scheduled)",
        )

    def handle(self, *args, agents=None, store=None, execution_type=ExecutionType.SCHEDULED, **options):
        if store and not Store.objects.filter(pk=_uuid_or_none(store)).exists():
            raise CommandError(f"No store with id {store}.")
        try:
            logs = services.agents_run(execution_type=execution_type, agent_types=agents, store_id=store)
        except UnknownAgent as exc:
            raise CommandError(f"Unknown agent {exc}; known: {', '.join(agent_types())}.") from None
        failed = 0
        for log in logs:
            if log.status == ExecutionStatus.FAILED:
                failed += 1
                self.stderr.write(f"{log.agent_type}: failed after {log.duration_ms} ms: {log.error_message}")
            else:
                meta = log.metadata
                self.stdout.write(
                    f"{log.agent_type}: {meta.get('findings', 0)} findings ({log.insights_generated} new, "
                    f"{meta.get('updated', 0)} updated, {meta.get('resolved', 0)} resolved), "
                    f"{log.alerts_generated} alerts, {log.duration_ms} ms"
                )
        if failed:
            raise CommandError(f"{failed} of {len(logs)} agents failed.")

"""The optional language model: a local server on 127.0.0.1 speaking the OpenAI chat-completions
protocol writes the prose; only aggregates and product names reach it, never customer data; a
failing or slow model leaves the agent's own text."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.tests.conftest import live
from config.testing import CUSTOMER
from config.testing import LocalServer
from config.testing import QuietHandler
from config.testing import make_order
from config.testing import make_product

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
PROSE = {
    "en": {"analysis": "Model: sales fell sharply today.", "recommendations": ["Model: test the checkout."]},
    "he": {"analysis": "מודל: המכירות ירדו היום בחדות.", "recommendations": ["מודל: בדקו את הקופה."]},
}


class ChatServer(LocalServer):
    """A tiny chat-completions endpoint that records every request it receives."""

    def __init__(self, answer=None, delay=0.0, status=200):
        self.requests = []
        server = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
                time.sleep(delay)
                content = json.dumps(answer if answer is not None else PROSE, ensure_ascii=False)
                reply = {"choices": [{"message": {"role": "assistant", "content": content}}]}
                self.answer(status, json.dumps(reply).encode(), {"Content-Type": "application/json"})

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/v1"


@pytest.fixture
def falling_sales(store):
    """Usual weeks of 10 orders, 2 today; orders full of customer data; named products."""
    make_product(store, name="Linen apron", woo_id=501)
    items = [{"product_id": 501, "name": "Linen apron", "quantity": 2, "total": "100.00"}]
    for week in range(1, 5):
        for _ in range(10):
            make_order(store, woo_created_at=NOW - timedelta(weeks=week, hours=2), line_items=items)
    for _ in range(2):
        make_order(store, woo_created_at=NOW - timedelta(hours=2), total=Decimal("100.00"), line_items=items)


def configure(settings, url, timeout=5.0):
    settings.AGENTS_LLM_URL = url
    settings.AGENTS_LLM_MODEL = "tiny-test-model"
    settings.AGENTS_LLM_API_KEY = "sk-test-not-a-real-key"
    settings.AGENTS_LLM_TIMEOUT_SECONDS = timeout


def test_the_model_writes_the_prose_and_sees_no_customer_data(store, falling_sales, settings, run):
    with ChatServer() as server:
        configure(settings, server.url)
        log = run("sales", now=NOW)
    insight = live("sales", store)["sales_drop"]
    assert insight.analysis == "Model: sales fell sharply today."
    assert insight.recommendations == ["Model: test the checkout."]
    assert insight.metadata["i18n"]["he"]["analysis"] == "מודל: המכירות ירדו היום בחדות."
    assert insight.metadata["written_by"] == "model"
    assert log.metadata["written_by_model"] >= 1
    # The figures stay the agent's own.
    assert {"label": "Change", "value": "-80%"} in insight.metadata["i18n"]["en"]["figures"]

    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test-not-a-real-key"
    body = json.loads(request["body"])
    assert body["model"] == "tiny-test-model"
    sent = "\n".join(r["body"] for r in server.requests)
    assert "Linen apron" in sent  # product names may go
    assert "revenue_last_24h" in sent  # aggregates go
    for secret in (
        CUSTOMER["first_name"],
        CUSTOMER["last_name"],
        CUSTOMER["email"],
        CUSTOMER["phone"],
        CUSTOMER["address_1"],
        CUSTOMER["city"],
        "Dana Levi",
    ):
        assert secret not in sent, secret
    assert str(store.pk) not in sent and "ck_test" not in sent


def test_same_facts_do_not_ask_again(store, falling_sales, settings, run):
    with ChatServer() as server:
        configure(settings, server.url)
        run("sales", now=NOW)
        asked = len(server.requests)
        run("sales", now=NOW)
        assert len(server.requests) == asked
    assert live("sales", store)["sales_drop"].analysis == "Model: sales fell sharply today."


@pytest.mark.parametrize(
    ("answer", "delay", "status"),
    [
        (None, 1.5, 200),  # slower than the timeout
        (None, 0, 500),  # an error
        ({"en": {"analysis": 3}}, 0, 200),  # not what was asked for
    ],
)
def test_a_failing_model_leaves_the_agents_text(store, falling_sales, settings, run, answer, delay, status):
    with ChatServer(answer=answer, delay=delay, status=status) as server:
        configure(settings, server.url, timeout=0.5)
        log = run("sales", now=NOW)
        assert server.requests
    insight = live("sales", store)["sales_drop"]
    assert insight.analysis.startswith("The last 24 hours brought 200.00 ILS from 2 paid orders")
    assert insight.metadata["written_by"] == "agent"
    assert log.status == "completed"


def test_without_settings_no_request_is_made(store, falling_sales, settings, run):
    with ChatServer() as server:
        settings.AGENTS_LLM_URL = ""
        run("sales", now=NOW)
        assert server.requests == []

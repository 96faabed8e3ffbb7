"""In Chromium (Playwright): an app admin plans a sprint, moves a task across the board by
keyboard, logs work and sees the burndown change, reports a critical bug and sees the alert.
Screenshots in English and Hebrew go to test-artifacts/ (and /tmp/h4-*.png)."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from projects.models import Task
from projects.tests.factories import PASSWORD
from projects.tests.factories import app_admin
from projects.tests.factories import task
from stores.tests.test_browser_team import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    for folder in (ARTIFACTS, Path("/tmp")):
        page.screenshot(path=str(folder / f"h4-projects-{name}.png"), full_page=True)


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_plan_move_log_and_alert(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    base = live_server.url
    app_admin("lead@example.com")
    for number in range(3):
        task(f"Backlog item {number}", estimate=2)
    target = task("Checkout button", estimate=8, priority="high", tags=["checkout"])

    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "lead@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator(".side-link", has_text="Board").count() == 1

    # Plan a sprint: create it, start it, plan the backlog's 4th row (the checkout task) into it.
    page.goto(f"{base}/projects/sprints/new/")
    now = timezone.now()
    page.fill("input[name=name]", "Sprint 7")
    page.fill("input[name=start_date]", local(now - timedelta(days=3)))
    page.fill("input[name=end_date]", local(now + timedelta(days=7)))
    page.click("main form button[type=submit]")
    page.wait_for_selector("#sprint-start")
    page.click("#sprint-start button[type=submit]")
    page.wait_for_selector("#sprint-complete")

    page.goto(f"{base}/projects/")
    row = page.locator(f"tr[data-backlog-task='{target.pk}']")
    row.locator("button", has_text="Plan").click()
    card = page.locator(f"#task-{target.pk}")
    card.wait_for()
    assert card.get_attribute("data-status") == "todo"
    assert Task.objects.get(pk=target.pk).sprint.name == "Sprint 7"

    # Move it across the board by keyboard: todo → in progress → review, no page reload.
    page.evaluate("window.__noReload = true")
    card.focus()
    page.keyboard.press("Alt+ArrowRight")
    page.wait_for_selector(f"[data-drop-status='in_progress'] #task-{target.pk}")
    page.locator(f"#task-{target.pk}").focus()
    page.keyboard.press("Alt+ArrowRight")
    page.wait_for_selector(f"[data-drop-status='review'] #task-{target.pk}")
    assert page.evaluate("window.__noReload") is True
    assert page.evaluate("document.activeElement.id") == f"task-{target.pk}"
    assert Task.objects.get(pk=target.pk).status == "review"
    shot(page, "1-board-en")

    # And by dragging it with the mouse: review → testing.
    page.drag_and_drop(f"#task-{target.pk}", "[data-drop-status='testing']")
    page.wait_for_selector(f"[data-drop-status='testing'] #task-{target.pk}")
    assert Task.objects.get(pk=target.pk).status == "testing"
    assert page.evaluate("window.__noReload") is True

    # Log work and see the burndown change.
    sprint_id = Task.objects.get(pk=target.pk).sprint_id
    page.goto(f"{base}/projects/sprints/{sprint_id}/")
    before = page.inner_text("[data-burndown-remaining]")
    assert before.startswith("8")
    page.goto(f"{base}/projects/tasks/{target.pk}/")
    page.fill("#work-logs input[name=hours]", "3")
    page.click("#work-logs button[type=submit]")
    page.wait_for_selector("text=3 h logged.")
    assert page.inner_text("[data-actual-hours]").startswith("3")
    page.goto(f"{base}/projects/tasks/{target.pk}/")
    shot(page, "2-task-en")
    page.goto(f"{base}/projects/sprints/{sprint_id}/")
    after = page.inner_text("[data-burndown-remaining]")
    assert after.startswith("5"), (before, after)
    shot(page, "3-burndown-en")

    # Report a critical bug: the alert is raised at once and the header counts it.
    assert page.get_attribute("[data-project-alerts]", "data-project-alerts") == "0"
    page.goto(f"{base}/projects/bugs/new/")
    page.fill("input[name=title]", "Payments fail for ILS orders")
    page.fill("textarea[name=description]", "Every ILS payment is declined.")
    page.select_option("select[name=severity]", "critical")
    page.fill("textarea[name=affected_files]", "orders/views.py")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Create a fix task")
    assert page.get_attribute("[data-project-alerts]", "data-project-alerts") == "1"
    page.click("[data-project-alerts]")
    alert = page.locator("[data-alert-type='bug_critical']")
    assert "Payments fail for ILS orders" in alert.inner_text()
    shot(page, "4-alerts-en")

    # The same pages in Hebrew, right to left.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "he", "url": base}])
    page.goto(f"{base}/projects/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator(".side-link", has_text="לוח").count() == 1
    shot(page, "5-board-he")
    page.goto(f"{base}/projects/sprints/{sprint_id}/")
    shot(page, "6-burndown-he")
    page.goto(f"{base}/projects/alerts/")
    shot(page, "7-alerts-he")
    assert Decimal(Task.objects.get(pk=target.pk).actual_hours) == Decimal(3)

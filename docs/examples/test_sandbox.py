"""An integration's tests against switchyard's sandbox, with pytest.

Start the server once for the whole test run:

    switchyard serve --sandbox --admin-token "$SWITCHYARD_ADMIN_TOKEN" --allow-private-webhooks

then run `pytest test_sandbox.py` with SWITCHYARD_URL (default http://127.0.0.1:8080) and
SWITCHYARD_ADMIN_TOKEN set. Each test gets an organization of its own, so tests (and CI
jobs) may run in parallel against one server.
"""

import http.server
import json
import os
import threading
import uuid

import pytest
import requests

API = os.environ.get("SWITCHYARD_URL", "http://127.0.0.1:8080") + "/api/v1"
ADMIN_TOKEN = os.environ["SWITCHYARD_ADMIN_TOKEN"]


@pytest.fixture
def org():
    """A fresh organization and a session holding its Owner's API key."""
    created = requests.post(
        f"{API}/sandbox/orgs",
        headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
        json={"name": f"ci-{uuid.uuid4().hex[:12]}", "owner": "ci@example.com"},
    )
    created.raise_for_status()
    session = requests.Session()
    session.headers["authorization"] = f"Bearer {created.json()['api_key']}"
    return session


@pytest.fixture
def receiver():
    """Your webhook endpoint: a local HTTP server that records every event it gets."""
    events = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"]))
            events.append({"webhook_id": self.headers["webhook-id"], **json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", events
    server.shutdown()


def ok(response):
    assert response.status_code < 300, response.text
    return response.json()


def number_with_hook(org, hook_url):
    """A use case that sends webhooks to `hook_url`, and a number that places its calls."""
    use_case = ok(org.post(f"{API}/use-cases", json={"name": "Check calls", "hooks": [{"url": hook_url}]}))
    number = ok(org.post(f"{API}/numbers", json={}))
    ok(org.patch(f"{API}/numbers/{number['id']}", json={"use_case_id": use_case["id"]}))
    return number["id"]


def test_a_call_scheduled_for_tomorrow_runs_when_the_clock_gets_there(org, receiver):
    hook_url, events = receiver
    number = number_with_hook(org, hook_url)
    ok(org.post(f"{API}/sandbox/clock", json={"now": "2030-03-04T08:00:00Z"}))

    call = ok(org.post(f"{API}/dial/outbound", json={
        "number_id": number,
        "phone_number": "+14155550123",
        "scheduled_for": "2030-03-05T09:00:00Z",
    }))
    assert call["status"] == "Scheduled"
    assert call["created"] == "2030-03-04T08:00:00Z"

    # A day and an hour later, in one request that answers when all of it has run.
    clock = ok(org.post(f"{API}/sandbox/clock/advance", json={"to": "2030-03-05T09:30:00Z"}))
    assert clock == {**clock, "now": "2030-03-05T09:30:00Z", "frozen": True}

    call = ok(org.get(f"{API}/calls/{call['id']}"))
    assert call["status"] == "Completed"
    assert [e["type"] for e in events if e["call"]["id"] == call["id"]] == ["start", "end"]

    # The delivery ledger shows what was sent; a replay arrives with the same webhook-id.
    deliveries = ok(org.get(f"{API}/webhooks/deliveries", params={"call_id": call["id"]}))["data"]
    assert sorted(d["event_type"] for d in deliveries) == ["end", "start"]
    assert all(d["state"] == "delivered" for d in deliveries)
    end = next(d for d in deliveries if d["event_type"] == "end")
    # On a frozen clock the replay is made before the answer comes.
    assert org.post(f"{API}/webhooks/deliveries/{end['id']}/replay").status_code == 202
    ends = [e for e in events if e["type"] == "end"]
    assert len(ends) == 2 and ends[0]["webhook_id"] == ends[1]["webhook_id"]


def test_a_busy_line_is_retried_two_hours_later(org, receiver):
    hook_url, events = receiver
    number = number_with_hook(org, hook_url)
    ok(org.post(f"{API}/sandbox/clock", json={"now": "2030-03-04T08:00:00Z"}))
    # What the far end does: this number is busy, whatever it is.
    ok(org.post(f"{API}/sandbox/scenarios", json={"match": "+14155550199", "outcome": "busy"}))

    campaign = ok(org.post(f"{API}/dial/scheduled", json={
        "number_id": number,
        "campaign_name": "Busy carrier",
        "calls": [{"phone_number": "+14155550199"}],
        "retry_logic": [{"query": "Busy", "retry_period": 120, "max_retry_per_day": 5}],
        "max_retries": 1,
    }))
    ok(org.post(f"{API}/sandbox/clock/advance", json={"seconds": 60}))
    calls = ok(org.get(f"{API}/calls", params={"campaigns": campaign["campaign_id"], "sort": "asc"}))["calls"]
    assert [c["status"] for c in calls] == ["Busy", "Scheduled"]

    ok(org.post(f"{API}/sandbox/clock/advance", json={"seconds": 2 * 3600}))
    calls = ok(org.get(f"{API}/calls", params={"campaigns": campaign["campaign_id"], "sort": "asc"}))["calls"]
    assert [c["status"] for c in calls] == ["Busy", "Busy"]
    assert len([e for e in events if e["type"] == "end"]) == 2


def test_the_receiver_copes_with_duplicates_and_events_out_of_order(org, receiver):
    hook_url, events = receiver
    number = number_with_hook(org, hook_url)
    ok(org.post(f"{API}/sandbox/clock", json={"now": "2030-03-04T08:00:00Z"}))
    ok(org.post(f"{API}/sandbox/faults", json={"webhooks": {"duplicate": 1, "reorder": True}}))

    call = ok(org.post(f"{API}/dial/outbound", json={"number_id": number, "phone_number": "+14155550123"}))
    ok(org.post(f"{API}/sandbox/clock/advance", json={"seconds": 600}))

    mine = [e for e in events if e["call"]["id"] == call["id"]]
    assert mine[0]["type"] == "end"  # the call's end came before its start...
    assert sorted(e["type"] for e in mine) == ["end", "end", "start", "start"]  # ...each twice
    # A receiver that handles each webhook-id once sees each event once.
    assert len({e["webhook_id"] for e in mine}) == 2


def test_reset_leaves_an_empty_organization(org):
    number = ok(org.post(f"{API}/numbers", json={}))
    use_case = ok(org.post(f"{API}/use-cases", json={"name": "Reset me"}))
    ok(org.patch(f"{API}/numbers/{number['id']}", json={"use_case_id": use_case["id"]}))
    ok(org.post(f"{API}/dial/outbound", json={"number_id": number["id"], "phone_number": "+14155550100"}))

    deleted = ok(org.post(f"{API}/sandbox/reset", json={"config": True}))
    assert deleted["calls"] == 1 and deleted["numbers"] == 1 and deleted["use_cases"] == 1
    assert ok(org.get(f"{API}/calls"))["calls"] == []

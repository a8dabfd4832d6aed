"""monitoring/: the alert rules pass promtool's checks and unit tests, the dashboard's
request panels count what the error-rate alert does, the live /metrics passes `promtool check
metrics`, and every metric the dashboard and rules use exists.

These tests fail (they do not skip) when promtool is missing: see obskit.PROMTOOL_MISSING.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from obskit import promtool, scrape
from prometheus_client.parser import text_string_to_metric_families
from stdio_server import StdioServer, free_port, sandbox_env

from spotify_mcp.sandbox import Sandbox

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
DASHBOARD = MONITORING / "grafana-dashboard.json"
RULES = MONITORING / "alerts.yml"
_METRIC = re.compile(r"\bspotify_mcp_[a-z_]+")
_SUFFIXES = re.compile(r"_(bucket|count|sum|total)$")
REQUESTS = "spotify_mcp_spotify_requests_total"


@pytest.fixture(scope="module")
def exposition(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """/metrics of a server with every plugin, after tool calls, a cache hit and a failure."""
    port = free_port()
    home = tmp_path_factory.mktemp("monitoring-home")
    with StdioServer("--metrics-port", str(port), env=sandbox_env(sandbox), home=home) as server:
        for _ in range(2):
            server.call_ok("search", query="monitoring", types=["track"])
        server.call_error("playlists_get", playlist="0000000000000000000000")
        server.call_ok("health")
        yield scrape(port)


def test_alert_rules_are_valid() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_pass_their_unit_tests() -> None:
    result = promtool("test", "rules", str(MONITORING / "tests.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_counts_as_sent_and_failed_what_the_alert_does(tmp_path: Path) -> None:
    """The dashboard's queries, run by promtool on one server's traffic: cache hits, shared
    reads and requests stopped before Spotify were not sent; only Spotify's failures (5xx,
    no connection or no answer) are errors."""
    stopped = ("circuit_open", "rate_limited", "login_required", "accounts_error", "retry_later")
    # (status, cache) -> requests a second. Sums of halves are exact in floating point:
    # Prometheus adds series in no fixed order, and 0.6 + 0.2 + ... came out 2.0000000000000004.
    per_s = {
        ("200", "miss"): 1.0,
        ("404", "miss"): 0.5,
        ("503", "miss"): 0.25,
        ("connection_lost", "none"): 0.125,
        ("connect_error", "none"): 0.125,
        ("200", "hit"): 10.0,
        ("503", "coalesced"): 1.0,
        **{(status, "miss"): 1.0 for status in (*stopped, "error")},
        ("cancelled", "none"): 1.0,  # its tool call was cancelled before it was sent
    }
    sent, failed = 2.0, 0.5
    panels = {panel["title"]: panel for panel in json.loads(DASHBOARD.read_text())["panels"]}

    def expect(title: str, labels: str, value: float) -> dict[str, object]:
        expr = panels[title]["targets"][0]["expr"]
        return {
            "expr": expr.replace("$instance", ".*").replace("$__rate_interval", "5m"),
            "eval_time": "10m",
            "exp_samples": [{"labels": labels, "value": value}],
        }

    labels = 'method="GET", endpoint="/me"'
    case = {
        "interval": "1m",
        "input_series": [
            {
                "series": f'{REQUESTS}{{{labels}, status="{status}", cache="{cache}"}}',
                "values": f"0+{rate * 60:g}x10",
            }
            for (status, cache), rate in per_s.items()
        ],
        "promql_expr_test": [
            expect("Spotify requests / s", "{}", sent),
            expect("Requests / s by endpoint", f"{{{labels}}}", sent),
            expect("Error ratio", "{}", failed / sent),
            expect("Error ratio by endpoint", '{endpoint="/me"}', failed / sent),
        ],
    }
    tests = tmp_path / "dashboard-tests.yml"
    tests.write_text(yaml.safe_dump({"rule_files": [], "tests": [case]}))
    result = promtool("test", "rules", str(tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test() -> None:
    alerts = {
        rule["alert"]
        for group in yaml.safe_load(RULES.read_text())["groups"]
        for rule in group["rules"]
    }
    tested = {
        case["alertname"]
        for test in yaml.safe_load((MONITORING / "tests.yml").read_text())["tests"]
        for case in test["alert_rule_test"]
    }
    assert alerts == tested


def test_live_metrics_pass_promtool(exposition: str) -> None:
    result = promtool("check", "metrics", stdin=exposition)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_dashboard_and_rules_use_only_metrics_that_exist(exposition: str) -> None:
    exported = {family.name for family in text_string_to_metric_families(exposition)}
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    used = {
        _SUFFIXES.sub("", name) for name in _METRIC.findall(" ".join(exprs) + RULES.read_text())
    }
    assert len(used) >= 10
    assert used <= exported, f"not exported: {sorted(used - exported)}"


def test_dashboard_is_importable() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS"
    titles = {panel["title"] for panel in dashboard["panels"]}
    for wanted in (
        "Error ratio",
        "Latency by endpoint (p50, p95, p99)",
        "Tool calls / s by outcome",
    ):
        assert wanted in titles
    for wanted in ("Hit ratio", "Circuit breaker state by family", "429s from Spotify / min"):
        assert wanted in titles

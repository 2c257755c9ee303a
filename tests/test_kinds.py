"""One spec per pusher kind (pushctl/pushers/kinds.py), and every command reading it.

A kind's behaviour is decided in pushctl/pushers/kinds.py only: no other module compares
kind names. A kind added to its table is honoured by validation, ``set``,
``test``, ``prune --rejected`` and the gateway listings without touching them;
a kind pushctl does not know (webpush, MSC4174) is stored, listed and never probed.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from pushctl.fleet import counts
from pushctl.homeserver_host import gateways as host_gateways
from pushctl.pushers import kinds, model
from pushctl.runs import gateway, prune
from tests.support.accounts import Account, make_pusher
from tests.support.pushgateway import PushGateway

PACKAGE = Path(__file__).resolve().parent.parent / "pushctl"
WEBPUSH = "org.matrix.msc4174.webpush"
KIND_NAMES = {*kinds.NAMES, "m.email"}


def _reads_kind(node: ast.AST) -> bool:
    """``p["kind"]``, ``p.get("kind")`` or the name ``kind``."""
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "kind"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        first = node.args[0] if node.args else None
        return node.func.attr == "get" and isinstance(first, ast.Constant) and first.value == "kind"
    return isinstance(node, ast.Name) and node.id == "kind"


def _kind_comparisons(source: str) -> list[int]:
    """Lines comparing a pusher's kind, or anything, with a kind's name or its app ID."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names = [s for s in sides if isinstance(s, ast.Constant) and s.value in KIND_NAMES]
        read = any(_reads_kind(s) for s in sides)
        if (read and names) or any(s.value in ("email", "m.email") for s in names):
            lines.append(node.lineno)
    return lines


def test_no_module_but_kinds_compares_kind_names() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "kinds.py" and (lines := _kind_comparisons(path.read_text()))
    }
    assert found == {}, "decide by pushctl.pushers.kinds.of(pusher), not by comparing kind names"


def test_the_scan_finds_a_kind_comparison() -> None:
    assert _kind_comparisons('if pusher.get("kind") == "http": pass') == [1]
    assert _kind_comparisons('x = a if kind != "email" else b') == [1]
    assert _kind_comparisons('if parts.scheme == "http": pass') == []


def test_every_known_kind_and_an_unknown_one_have_a_spec() -> None:
    assert kinds.NAMES == ("http", "email")
    assert kinds.of({"kind": "email"}).app_id == "m.email"
    webpush = kinds.of({"kind": WEBPUSH})
    assert (webpush.known, webpush.push_gateway) == (False, False)
    assert webpush.noun == f"a {WEBPUSH} pusher"
    assert kinds.of({}).known is False and kinds.of({"kind": ["x"]}).known is False


def test_data_url_is_read_in_one_place_for_every_listing() -> None:
    pusher = make_pusher(data={"url": "https://push.example.org/_matrix/push/v1/notify"})
    assert gateway.gateway_url is kinds.gateway_url
    assert counts.gateway_of is kinds.gateway_url
    assert kinds.gateway_url(make_pusher(data={"url": 5})) is None
    assert host_gateways.urls([pusher, make_pusher(kind="email", data={})]) == {
        "https://push.example.org/_matrix/push/v1/notify": 1
    }


@pytest.fixture
def new_kind(monkeypatch: pytest.MonkeyPatch) -> kinds.PusherKind:
    """A kind added the way the recipe says: one entry in pushctl/pushers/kinds.py."""
    added = kinds.PusherKind("org.example.relay", "a relay pusher", push_gateway=True)
    monkeypatch.setattr(kinds, "_BY_NAME", {**kinds._BY_NAME, added.name: added})
    return added


def test_a_kind_added_to_the_table_is_validated_and_probed(new_kind: kinds.PusherKind) -> None:
    pusher = make_pusher(kind=new_kind.name, data={})
    problems = model.validate_pusher(pusher)
    assert [str(p) for p in problems] == ["data.url: is required for a relay pusher"]
    url = "https://push.example.org/_matrix/push/v1/notify"
    assert model.validate_pusher({**pusher, "data": {"url": url}}) == []
    assert gateway.refusal({**pusher, "data": {"url": url}}, allow_insecure_http=False) is None


def test_an_unknown_kind_is_warned_about_and_never_probed() -> None:
    pusher = make_pusher(kind=WEBPUSH, data={"endpoint": "https://push.example.org/x"})
    problems = model.validate_pusher(pusher)
    assert [(p.field, p.warning) for p in problems] == [("kind", True)]
    assert gateway.refusal(pusher, allow_insecure_http=True) == (
        f"a {WEBPUSH} pusher has no push gateway"
    )


class _Target:
    def __init__(self, pushers: list[dict[str, Any]]) -> None:
        self._pushers = pushers

    def pushers(self) -> list[dict[str, Any]]:
        return self._pushers


def test_prune_rejected_probes_only_kinds_with_a_push_gateway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probed: list[str] = []

    def probe_all(pushers: list[dict[str, Any]], settings: object) -> list[object]:
        probed.extend(p["pushkey"] for p in pushers)
        return []

    monkeypatch.setattr(prune, "probe_all", probe_all)
    found = [
        make_pusher(pushkey="phone"),
        make_pusher(pushkey="a@example.org", kind="email", app_id="m.email", data={}),
        make_pusher(pushkey="browser", kind=WEBPUSH),
    ]
    prune.find_dead(_Target(found), rejected=True)  # type: ignore[arg-type]
    assert probed == ["phone"]


@pytest.mark.synapse
@pytest.mark.inprocess
def test_a_webpush_pusher_is_stored_listed_and_never_sent_a_test(
    account: Account, gateway: PushGateway, pushctl
) -> None:
    # a webpush pusher (MSC4174) whose data.url happens to name a push gateway
    account.add_pusher(pushkey="browser", kind=WEBPUSH, data={"url": gateway.url})
    account.add_pusher(pushkey="phone", data={"url": gateway.url})
    listed = pushctl("list", "--json", env=account.env())
    assert listed.returncode == 0, listed.stderr
    assert {p["pushkey"]: p["kind"] for p in json.loads(listed.stdout)}["browser"] == WEBPUSH

    tested = pushctl("test", "--json", env=account.env())
    outcome = {r["pushkey"]: r for r in json.loads(tested.stdout)}
    assert outcome["browser"]["result"] == "skipped"
    assert "has no push gateway" in outcome["browser"]["reason"]
    assert outcome["phone"]["result"] == "delivered"
    pruned = pushctl("prune", "--rejected", "--yes", env=account.env())
    assert pruned.returncode == 0, pruned.stderr
    assert [r.pushkeys for r in gateway.received] == [["phone"], ["phone"]]
    assert sorted(p["pushkey"] for p in account.pushers()) == ["browser", "phone"]

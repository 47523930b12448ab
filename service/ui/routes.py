"""The moderator page's routes: login, the review queue (decide, bulk, undo) and a group's page.

Pages are rendered on the server (Jinja2, autoescaped); htmx swaps the queue fragment after
each decision, and static/ui.js turns keys into those requests. Every POST carries the
session's CSRF token (service/ui/session.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from qunguard.model.labels import LABELS
from qunguard.service.engine import Moderator
from qunguard.service.report import DEFAULT_TZ
from qunguard.service.routes.review import record_decisions
from qunguard.service.store.review import (
    STATUSES,
    NothingToUndo,
    ReviewItemNotFound,
    VersionConflict,
    check_decision,
)
from qunguard.service.ui import charts, session
from qunguard.service.ui.accounts import authenticate
from qunguard.service.ui.group_page import group_view
from qunguard.service.ui.highlight import segments
from qunguard.service.ui.session import CSRF, User

HERE = Path(__file__).resolve().parent
PAGE = 50  # items a queue page shows
UNDO_DEPTH = 100  # item ids the session remembers for `u` (the cookie stays well under 4 kB)
STATUS_CHOICES = {"pending": ["pending"], "decided": ["confirmed", "relabelled", "dismissed"], "all": None,
                  **{s: [s] for s in STATUSES if s != "pending"}}
KEYS = [("j / k", "next / previous message"), ("c", "confirm the verdict"), ("d", "dismiss: the message is fine"),
        *((str(i), f"relabel as {lab}") for i, lab in enumerate(LABELS, 1)), ("u", "undo your last decision"),
        ("x", "select the message (then c, d, 1-4 act on every selected one)"), ("Esc", "clear the selection, close help"),
        ("r", "reload the queue"), ("?", "this help")]

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
templates.filters["pathpart"] = lambda s: quote(str(s), safe="")  # a group id as one path segment, "/" too


def mount_static(app) -> None:
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")


# scripts and styles from /ui/static only: a message that slipped past escaping still could not run a script;
# no framing: a page that acts on single keys must not be clickjacked
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
           "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                      "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"}


def render(request: Request, template: str, status_code: int = 200, /, **context) -> HTMLResponse:
    html = templates.get_template(template).render(csrf=session.csrf_token(request), labels=LABELS, **context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def _moderator(request: Request) -> Moderator:
    return request.app.state.moderator


# -- login ------------------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    """Only a page of this app: never another host (//evil.example, /\\evil.example)."""
    if target and target.startswith("/ui") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target
    return "/ui"


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    if session.current_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", next=_safe_next(next), error=None, username="", user=None)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=2048)] = "", csrf: Annotated[str, Form(max_length=200)] = "",
                next: Annotated[str, Form(max_length=2000)] = "/ui"):
    def again(error: str, status: int) -> HTMLResponse:
        return render(request, "login.html", status, next=_safe_next(next), error=error, username=username, user=None)

    try:
        await session.check_csrf(request)
    except session.CSRFRefused:  # the form outlived its session (or came from elsewhere): a fresh one
        return again("This login form expired. Please log in again.", 403)
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    wait = throttle.retry_after(username, address)
    if wait > 0:
        response = again(f"Too many failed logins. Try again in {int(wait) // 60 + 1} minutes.", 429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = authenticate(_moderator(request).store, username, password)
    if user is None:
        throttle.failed(username, address)
        return again("Wrong user name or password.", 401)
    throttle.succeeded(username)
    session.log_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/ui/login", status_code=303)


# -- the queue ------------------------------------------------------------------------------
@dataclass
class Filters:
    status: str = "pending"
    group: str = ""
    label: str = ""
    before: int | None = None

    def query(self) -> dict:
        return {"status": STATUS_CHOICES.get(self.status, ["pending"]), "group_id": self.group or None,
                "label": self.label if self.label in LABELS else None, "before_id": self.before}

    def as_params(self) -> dict:
        return {"status": self.status, "group": self.group, "label": self.label}


StatusParam = Annotated[str, Query(pattern="^(pending|decided|all|confirmed|relabelled|dismissed)$")]
LabelParam = Annotated[str, Query(pattern=f"^({'|'.join(LABELS)})?$")]
GroupParam = Annotated[str, Query(max_length=128)]
StatusForm = Annotated[str, Form(pattern="^(pending|decided|all|confirmed|relabelled|dismissed)$")]
LabelForm = Annotated[str, Form(pattern=f"^({'|'.join(LABELS)})?$")]
GroupForm = Annotated[str, Form(max_length=128)]


def _local(ts: float | None, tz: str) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%m-%d %H:%M:%S") if ts else ""


def _timezone(moderator: Moderator, group_id: str) -> str:
    """The group's local time, as its report uses it: its quiet hours' zone, else Asia/Shanghai."""
    quiet = moderator.group(group_id).settings.quiet_hours
    return quiet.timezone if quiet else DEFAULT_TZ


def _row(moderator: Moderator, item: dict) -> dict:
    """An item as the queue shows it: its text cut into marked and plain runs, local times."""
    tz = _timezone(moderator, item["group_id"])
    return {**item, "segments": segments(item["text"], item["reasons"]), "score": item["scores"].get(item["label"], 0.0),
            "when": _local(item["message_ts"], tz), "reviewed_when": _local(item["reviewed_at"], tz), "tz": tz,
            # queued in the group's dry run: the bot was told to allow it, so its action is what would have been done
            "dry_run": any(r["name"] == "dry_run" for r in item["reasons"])}


def _queue(request: Request, user: dict, filters: Filters, *, flash: str | None = None, focus: int | None = None,
           fragment: bool = True) -> HTMLResponse:
    moderator = _moderator(request)
    items = moderator.store.review_items(**filters.query(), limit=PAGE + 1)
    rows = [_row(moderator, it) for it in items[:PAGE]]
    context = {"rows": rows, "filters": filters, "flash": flash, "focus": focus, "user": user,
               "older": rows[-1]["id"] if len(items) > PAGE else None, "pending": moderator.store.count_review_items("pending"),
               "undo_depth": len(_undo_stack(request))}
    return render(request, "_queue.html" if fragment else "queue.html", keys=KEYS, **context)


def _wants_fragment(request: Request) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")


@router.get("")
@router.get("/queue")
def queue(request: Request, user: User, status: StatusParam = "pending", group: GroupParam = "", label: LabelParam = "",
          before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None):
    return _queue(request, user, Filters(status, group, label, before), fragment=_wants_fragment(request))


def _undo_stack(request: Request) -> list[list[list[int]]]:
    return request.session.get("undo", [])


def _remember(request: Request, decided: list[dict]) -> None:
    """Push one decision (one item, or a bulk one) for `u`: its ids and the versions it left them at."""
    stack = [*_undo_stack(request), [[it["id"], it["version"]] for it in decided]]
    while len(stack) > 1 and sum(map(len, stack)) > UNDO_DEPTH:
        stack.pop(0)
    request.session["undo"] = stack


def _describe(item: dict) -> str:
    by = f" by {item['reviewed_by']}" if item["reviewed_by"] else ""
    return f"#{item['id']} is {item['status']}{by}"


def _refused(decision: str, label: str | None) -> PlainTextResponse | None:
    """A 422 if the store would refuse this decision (its own rule, said before anything is read), else None."""
    try:
        check_decision(decision, label)
    except ValueError as exc:
        return PlainTextResponse(str(exc), status_code=422)
    return None


@router.post("/decide", dependencies=[CSRF])
def decide(request: Request, user: User, item_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
           decision: Annotated[str, Form(pattern="^(confirm|dismiss|relabel)$")],
           version: Annotated[int | None, Form(ge=1)] = None, new_label: Annotated[str | None, Form()] = None,
           status: StatusForm = "pending", group: GroupForm = "", label: LabelForm = "",
           before: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None):
    moderator = _moderator(request)
    filters = Filters(status, group, label, before)
    label_given = new_label if decision == "relabel" else None
    refused = _refused(decision, label_given)
    if refused is not None:
        return refused
    try:
        item = moderator.store.decide_review_item(item_id, decision=decision, moderator=user["username"],
                                                  label=label_given, expected_version=version)
    except VersionConflict as exc:
        return _queue(request, user, filters, flash=f"{_describe(exc.item)} now: someone decided it meanwhile. "
                      "It is shown as it is; decide again if needed.", focus=item_id)
    except ReviewItemNotFound:
        return _queue(request, user, filters, flash=f"#{item_id} no longer exists.")
    record_decisions(moderator, request.app.state.metrics, decision, 1)
    _remember(request, [item])
    return _queue(request, user, filters)


@router.post("/bulk", dependencies=[CSRF])
def bulk(request: Request, user: User, ids: Annotated[list[int], Form(min_length=1, max_length=PAGE)],
         decision: Annotated[str, Form(pattern="^(confirm|dismiss|relabel)$")], new_label: Annotated[str | None, Form()] = None,
         status: StatusForm = "pending", group: GroupForm = "", label: LabelForm = "",
         before: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None):
    moderator = _moderator(request)
    filters = Filters(status, group, label, before)
    label_given = new_label if decision == "relabel" else None
    refused = _refused(decision, label_given)
    if refused is not None:
        return refused
    try:
        items = moderator.store.decide_review_items(ids, decision=decision, moderator=user["username"],
                                                    label=label_given)
    except ReviewItemNotFound as exc:
        return _queue(request, user, filters, flash=f"#{exc.item_id} no longer exists: nothing was changed.")
    record_decisions(moderator, request.app.state.metrics, decision, len(items))
    _remember(request, items)
    return _queue(request, user, filters, flash=f"{len(items)} messages: {decision}"
                  + (f" as {new_label}" if decision == "relabel" else "") + ". u undoes it.")


@router.post("/undo", dependencies=[CSRF])
def undo(request: Request, user: User, status: StatusForm = "pending", group: GroupForm = "", label: LabelForm = "",
         before: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None):
    """Undo the last decision this session made (every item of a bulk one), unless someone decided since."""
    moderator = _moderator(request)
    filters = Filters(status, group, label, before)
    stack = _undo_stack(request)
    if not stack:
        return _queue(request, user, filters, flash="Nothing to undo: this session has made no decision yet.")
    last = stack.pop()
    request.session["undo"] = stack
    undone, refused = [], []
    for item_id, version in last:
        try:
            moderator.store.undo_review_decision(item_id, moderator=user["username"], expected_version=version)
            undone.append(item_id)
        except VersionConflict as exc:
            refused.append(f"{_describe(exc.item)} since")
        except (ReviewItemNotFound, NothingToUndo):
            refused.append(f"#{item_id} has nothing to undo")
    if undone:
        record_decisions(moderator, request.app.state.metrics, "undo", len(undone))
    flash = f"Undone: {', '.join(f'#{i}' for i in undone)}." if undone else ""
    if refused:
        flash += f" Not undone: {'; '.join(refused)}."
    return _queue(request, user, filters, flash=flash.strip(), focus=undone[0] if undone else None)


# -- a group's page ------------------------------------------------------------------------
@router.get("/groups/{group_id:path}")
def group_page(request: Request, user: User, group_id: Annotated[str, PathParam(min_length=1, max_length=128)],
               days: Annotated[int, Query(ge=1, le=90)] = 14):
    moderator = _moderator(request)
    g = moderator.group(group_id)
    report = group_view(moderator.store, group_id, days)
    tz = report["timezone"]

    def day(ts: float) -> str:
        return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%m-%d %H:%M")

    drift = charts.line([(float(ts), float(v)) for ts, v in report["drift"]], day)
    return render(request, "group.html", user=user, group_id=group_id, name=g.settings.name if g.known else "",
                  dry_run=g.settings.dry_run, days=days, tz=tz, report=report, day_chart=charts.stacked_days(report["flagged_per_day"]),
                  hour_chart=charts.hours(report["messages_per_hour"]), drift_chart=drift,
                  flagged_total=sum(sum(d["counts"].values()) for d in report["flagged_per_day"]),
                  silent=[{**m, "last_seen_day": _local(m["last_seen"], tz)[:5]} for m in report["silent_members"]],
                  generated=_local(time.time(), tz))

"""Demo boards: a "Customer success" board per team and a private onboarding board, with 90
days of card history so the flow analytics show real shapes.

A team is a manager and the CSMs dealt to them in turn (``csm01`` to the first manager,
``csm02`` to the second …). The manager is the board's admin, the team's CSMs its members;
everyone else sees the (public) team boards as visitors. The onboarding board is private to
the managers and CSMs, with the exec as a visitor.

Each board gets ``cards_per_board`` open cards spread over its columns before the done
column (every column has some, some overdue) and twice as many finished cards that reached
the done column during the last 90 days, a few of them archived since. Every card's path
through the columns is written to ``card_activity`` (created, moved, edited, commented,
attachment, archived) with times that follow the story: nothing before its linked account or
ticket exists, nothing after the data ends.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cs_data.boards.commands import TEMPLATE_TAGS, TEMPLATES
from cs_data.models import (
    Board,
    BoardColumn,
    BoardMember,
    BoardTag,
    Card,
    CardActivity,
    CardAttachment,
    CardComment,
    CardTag,
    ChecklistItem,
    card_assignees,
)

if TYPE_CHECKING:
    from cs_data.demo import _Builder

HISTORY_DAYS = 90
DONE_PER_OPEN = 2
"""Finished cards per open card: enough arrivals for throughput and cycle time."""
WIP_LIMITS = {"Open tickets": (6, "warn"), "Bugs": (4, "block"), "Setup": (5, "warn")}
DWELL_DAYS = {
    "New tickets": 1.0,
    "Open tickets": 3.0,
    "Feature requests": 9.0,
    "Bugs": 6.0,
    "Kick-off": 3.0,
    "Setup": 8.0,
    "Training": 6.0,
    "Go-live": 4.0,
}
"""Mean days a card stays in a column (exponential, so some wait much longer)."""
CS_PATHS = {
    1: ((0, 1),),
    2: ((0, 2), (0, 1, 2)),
    3: ((0, 1, 3), (0, 3)),
    4: ((0, 1, 4), (0, 1, 4), (0, 1, 3, 4), (0, 2, 4), (0, 1, 2, 4)),
}
"""Customer-success board: column paths by final column (New → Open → Feature/Bugs → Done)."""
OPEN_SHARES = {"customer_success": (0.3, 0.3, 0.2, 0.2), "onboarding": (0.2, 0.35, 0.25, 0.2)}
"""How the open cards spread over the columns before done."""
EXTRA_TAGS = {
    "customer_success": (("sla-risk", "orange"), ("needs-info", "gray")),
    "onboarding": (("mid-market", "green"), ("training", "blue"), ("at-risk", "red")),
}
TICKET_TITLES = (
    "Escalation review: {account}", "Data sync stopped for {account}",
    "Invoice question from {account}", "Admin locked out at {account}",
    "Report totals look wrong for {account}", "Bulk import failing for {account}",
)  # fmt: skip
FEATURE_TITLES = (
    "Bulk edit for tickets", "Dark mode", "Scheduled report delivery",
    "Custom fields on accounts", "Slack alerts for SLA breaches", "Export dashboards to PDF",
    "Audit log export", "Korean translation of the customer portal", "SAML group mapping",
    "Higher API rate limits", "Per-team SLA targets", "Mobile push notifications",
    "Saved filters shared across a team", "Renewal reminders by email", "Webhook retries",
    "Field-level permissions", "Read-only guest access", "Multi-currency ARR",
)  # fmt: skip
BUG_TITLES = (
    "Export to CSV drops rows with commas", "Chart totals differ from table totals",
    "Filters reset after page refresh", "Timezone shown wrong in ticket history",
    "Attachment upload fails over 5 MB", "Duplicate notifications on reassignment",
    "Search ignores accented characters", "Login loop on Safari",
)  # fmt: skip
DESCRIPTIONS = {
    "ticket": "**Customer impact:** {account} reports the problem in the linked ticket.\n\n"
    "- Reproduce it\n- Reply with a workaround\n- Close the ticket when confirmed",
    "feature": "Asked for by {account}. Collect more use cases before the product review.",
    "bug": "Seen by {account}. Steps are in the attachment; see the linked ticket.",
    "onboarding": "Onboarding of **{account}**: kick-off, admin set-up, SSO, data import, "
    "training and go-live sign-off.",
}
CHECKLISTS = {
    "ticket": ("Reproduce the issue", "Collect logs", "Reply to customer", "Update the ticket"),
    "feature": ("Collect use cases", "Estimate effort", "Write spec", "Announce"),
    "bug": ("Reproduce", "Write failing test", "Fix", "Deploy to staging", "Verify with customer"),
    "onboarding": (
        "Kick-off call held", "Admin users invited", "SSO configured", "Data import done",
        "Training session", "Go-live sign-off",
    ),
}  # fmt: skip
COMMENTS = (
    "Customer confirmed the workaround helps.", "Reproduced on staging.",
    "Waiting for the customer's logs.", "Moved to the next sprint.",
    "Discussed in the weekly triage.", "{name}, can you take a look?",
    "Three more accounts asked for this.", "Fix is ready for review.",
    "Call with the customer booked for Thursday.", "Looks good to me.",
)  # fmt: skip
ATTACHMENTS = (
    ("repro-steps.txt", "1. Open the report\n2. Pick the last 90 days\n3. Export to CSV\n"
     "Expected: all rows. Actual: rows with commas are missing.\n"),
    ("meeting-notes.txt", "Attendees: customer admin, CSM\nAgreed: SSO next week, "
     "training on the 12th, go-live end of month.\n"),
    ("log-excerpt.txt", "2024-05-02T10:14:03Z ERROR sync worker: 429 Too Many Requests\n"
     "2024-05-02T10:14:05Z WARN retrying in 2s\n"),
)  # fmt: skip


@dataclass
class _Ids:
    column: int = 0
    card: int = 0
    tag: int = 0
    item: int = 0
    comment: int = 0
    attachment: int = 0
    activity: int = 0


@dataclass
class _Plan:
    """One card's story: the columns it went through and when it entered each."""

    path: tuple[int, ...]
    entered: list[datetime]
    subject: str
    archived_at: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


def build(builder: _Builder) -> None:
    """Write the demo boards through the builder's writers (see the module's description)."""
    _Boards(builder).run()


class _Boards:
    def __init__(self, builder: _Builder) -> None:
        self.b = builder
        self.rng = builder._rng("boards")
        self.ids = _Ids()
        self.now = builder.now - timedelta(minutes=30)
        """The latest moment a demo event may have (the data ends at ``builder.now``)."""
        write = builder._writer
        self.boards = write(Board)
        self.columns = write(BoardColumn, (self.boards,))
        self.members = write(BoardMember, (self.boards,))
        self.tags = write(BoardTag, (self.boards,))
        self.cards = write(Card, (self.columns,))
        self.assignees = write(card_assignees, (self.cards,))
        self.card_tags = write(CardTag, (self.cards,))
        self.items = write(ChecklistItem, (self.cards,))
        self.comments = write(CardComment, (self.cards,))
        self.attachments = write(CardAttachment, (self.cards,))
        self.activity = write(CardActivity, (self.cards,))
        tickets = sorted(
            {*builder.open_tickets, *builder.bug_tickets}, key=lambda ticket: ticket[3]
        )
        self.tickets = tickets
        self.ticket_times = [ticket[3] for ticket in tickets]
        customers = [a for a in builder.accounts if a.alive and a.alive[-1][1] is None]
        self.customers = sorted(customers, key=lambda account: account.created)
        self.customer_times = [account.created for account in self.customers]
        self.account_names = {account.id: account.name for account in builder.accounts}

    # --- boards, columns, members ---------------------------------------------------------

    def run(self) -> None:
        b = self.b
        managers = b.manager_ids
        teams = [
            (manager, [csm for i, csm in enumerate(b.csm_ids) if i % len(managers) == n])
            for n, manager in enumerate(managers)
        ]
        plan = [
            (
                f"Customer success — {b.display_names[manager].split()[0]}'s team",
                "customer_success",
                "CS" if n == 0 else f"CS{n + 1}",
                False,
                {manager: "admin", **{csm: "member" for csm in csms}},
            )
            for n, (manager, csms) in enumerate(teams)
        ]
        onboarding_members = {m: "admin" for m in managers} | {c: "member" for c in b.csm_ids}
        onboarding_members[b.users["exec"]] = "visitor"
        plan.append(("Onboarding", "onboarding", "ONB", True, onboarding_members))
        b.progress("boards", 0, len(plan))
        for board_id, (name, template, key, private, members) in enumerate(plan, start=1):
            self._board(board_id, name, template, key, private, members)
            b.progress("boards", board_id, len(plan))
        b._close(
            self.boards,
            self.columns,
            self.members,
            self.tags,
            self.cards,
            self.assignees,
            self.card_tags,
            self.items,
            self.comments,
            self.attachments,
            self.activity,
        )

    def _board(
        self,
        board_id: int,
        name: str,
        template: str,
        key: str,
        private: bool,
        members: dict[int, str],
    ) -> None:
        b = self.b
        kind, column_names, _prefix = TEMPLATES[template]
        created = b._at(b.today - timedelta(days=HISTORY_DAYS + 40 + board_id), 9 * 60)
        column_ids = []
        for position, column_name in enumerate(column_names):
            self.ids.column += 1
            column_ids.append(self.ids.column)
            limit, mode = WIP_LIMITS.get(column_name, (None, "warn"))
            self.columns.add(
                {
                    "id": self.ids.column,
                    "board_id": board_id,
                    "name": column_name,
                    "position": position,
                    "wip_limit": limit,
                    "wip_mode": mode,
                }
            )
        for user_id, role in sorted(members.items()):
            self.members.add(
                {"board_id": board_id, "user_id": user_id, "role": role, "added_at": created}
            )
        tag_colors = dict(TEMPLATE_TAGS[template]) | dict(EXTRA_TAGS[kind])
        for tag, color in sorted(tag_colors.items()):
            self.ids.tag += 1
            self.tags.add({"id": self.ids.tag, "board_id": board_id, "name": tag, "color": color})
        workers = [user_id for user_id, role in members.items() if role != "visitor"]
        plans = self._plans(kind, len(column_names))
        plans.sort(key=lambda p: p.entered[0])
        positions = [0] * len(column_names)
        for number, story in enumerate(plans, start=1):
            self._card(board_id, number, kind, story, column_ids, column_names, positions, workers)
        self.boards.add(
            {
                "id": board_id,
                "name": name,
                "description": "The team's daily work: new and open tickets, feature requests "
                "and bugs, from intake to done."
                if kind == "customer_success"
                else "New customers from kick-off to go-live.",
                "kind": kind,
                "key": key,
                "is_private": private,
                "next_card_number": len(plans) + 1,
                "owner_id": min(members, key=lambda user: (members[user] != "admin", user)),
                "is_archived": False,
                "created_at": created,
                "version": 1,
            }
        )

    # --- card stories ---------------------------------------------------------------------

    def _dwell(self, column_name: str) -> timedelta:
        days = self.rng.expovariate(1 / DWELL_DAYS.get(column_name, 2.0))
        return timedelta(days=min(days, 40.0), minutes=self.rng.randint(10, 600))

    def _path(self, kind: str, final: int, done: int) -> tuple[int, ...]:
        if kind == "customer_success" and final in CS_PATHS:
            return self.rng.choice(CS_PATHS[final])
        return tuple(range(final + 1)) if final < done else tuple(range(done + 1))

    def _plans(self, kind: str, n_columns: int) -> list[_Plan]:
        """Open cards ending in each column before done, and cards finished in the window."""
        rng, done = self.rng, n_columns - 1
        open_count = self.b.spec.cards_per_board
        finals = list(range(done)) + rng.choices(
            range(done), OPEN_SHARES[kind], k=max(0, open_count - done)
        )
        plans = []
        window_start = self.now - timedelta(days=HISTORY_DAYS - 2)
        for final in finals:
            path = self._path(kind, final, done)
            age = timedelta(days=rng.choice((0.3, 1, 2, 4, 7, 12, 25)) * rng.uniform(0.5, 1.5))
            plans.append(self._backwards(path, self.now - age, kind))
        for _ in range(DONE_PER_OPEN * open_count):
            path = self._path(kind, done, done)
            finished = window_start + (self.now - window_start) * rng.random() ** 0.8
            story = self._backwards(path, finished, kind)
            if rng.random() < 0.1:
                archived = finished + timedelta(days=rng.uniform(3, 20))
                if archived < self.now:
                    story.archived_at = archived
            plans.append(story)
        return plans

    def _backwards(self, path: tuple[int, ...], last: datetime, kind: str) -> _Plan:
        """A story whose last column was entered at ``last``, the earlier ones before it."""
        names = TEMPLATES[kind][1]
        entered = [last]
        for column in reversed(path[:-1]):
            entered.insert(0, entered[0] - self._dwell(names[column]))
        if kind == "onboarding":
            subject = "onboarding"
        else:
            subject = "bug" if 3 in path else "feature" if 2 in path else "ticket"
        return _Plan(path=path, entered=entered, subject=subject)

    def _link(self, before: datetime) -> tuple[Any, tuple[str, str | None, str, datetime] | None]:
        """An account that existed, and a ticket opened, before ``before`` (either may be
        None when there is none that early)."""
        rng = self.rng
        ticket = None
        n = bisect.bisect_left(self.ticket_times, before - timedelta(hours=1))
        if n:
            ticket = self.tickets[rng.randrange(max(0, n - 40), n)]
        m = bisect.bisect_left(self.customer_times, before - timedelta(hours=1))
        account = self.customers[rng.randrange(m)] if m else None
        return account, ticket

    def _card(
        self,
        board_id: int,
        number: int,
        kind: str,
        story: _Plan,
        column_ids: list[int],
        column_names: tuple[str, ...],
        positions: list[int],
        workers: list[int],
    ) -> None:
        b, rng, ids = self.b, self.rng, self.ids
        ids.card += 1
        card_id = ids.card
        created = story.entered[0]
        account, ticket = self._link(created)
        account_name = account.name if account else "a key customer"
        if story.subject == "ticket" and ticket is not None and rng.random() < 0.7:
            title = ticket[2]
            account_id, ticket_id = ticket[1], ticket[0]
            account_name = self.account_names.get(account_id or "", account_name)
        elif story.subject == "bug":
            title = BUG_TITLES[number % len(BUG_TITLES)]
            account_id = account.id if account else None
            ticket_id = ticket[0] if ticket and rng.random() < 0.6 else None
        elif story.subject == "feature":
            title = FEATURE_TITLES[number % len(FEATURE_TITLES)]
            account_id, ticket_id = (account.id if account else None), None
        elif story.subject == "onboarding":
            title = f"Onboard {account_name}"
            account_id, ticket_id = (account.id if account else None), None
        else:
            title = rng.choice(TICKET_TITLES).format(account=account_name)
            account_id, ticket_id = (account.id if account else None), None
        final = story.path[-1]
        done = len(column_names) - 1
        is_open = final < done
        archived = story.archived_at is not None
        chosen = rng.sample(workers, k=min(len(workers), rng.choice((1, 1, 2))))
        priority = rng.choices(("low", "normal", "high", "urgent"), (0.2, 0.5, 0.22, 0.08))[0]
        status = "normal"
        if is_open:
            status = rng.choices(
                ("normal", "ready_to_pull", "needs_review", "on_hold"), (0.6, 0.15, 0.15, 0.1)
            )[0]
        if is_open and rng.random() < 0.8:
            due = b.today + timedelta(days=rng.randint(-10, 21))
        elif not is_open and rng.random() < 0.5:
            due = story.entered[-1].date() + timedelta(days=rng.randint(-3, 5))
        else:
            due = None
        last_event = story.archived_at or story.entered[-1]
        version = 1
        events: list[tuple[datetime, str, int | None, int | None, dict[str, Any] | None]] = [
            (created, "created", None, column_ids[story.path[0]], None)
        ]
        for step in range(1, len(story.path)):
            events.append(
                (
                    story.entered[step],
                    "moved",
                    column_ids[story.path[step - 1]],
                    column_ids[story.path[step]],
                    {"position": 0},
                )
            )
        if rng.random() < 0.25:
            when = created + (last_event - created) * rng.uniform(0.05, 0.5)
            version = 2
            old = "normal" if priority != "normal" else "low"
            fields = {"priority": [old, priority]}
            events.append((when, "edited", None, None, {"fields": fields, "version": 2}))
        # comments, attachments
        comment_end = min(self.now, last_event + timedelta(days=2))
        for moment in sorted(rng.uniform(0.05, 0.95) for _ in range(rng.randint(0, 4))):
            ids.comment += 1
            when = created + (comment_end - created) * moment
            mention = b.display_names[rng.choice(chosen)].split()[0]
            author = rng.choice(chosen + b.manager_ids)
            self.comments.add(
                {
                    "id": ids.comment,
                    "card_id": card_id,
                    "author_id": author,
                    "body": rng.choice(COMMENTS).format(name=mention),
                    "created_at": when,
                }
            )
            events.append((when, "commented", None, None, {"comment_id": ids.comment}))
        if rng.random() < 0.15:
            ids.attachment += 1
            filename, text = ATTACHMENTS[rng.randrange(len(ATTACHMENTS))]
            content = text.encode("utf-8")
            when = created + (comment_end - created) * rng.uniform(0.01, 0.9)
            self.attachments.add(
                {
                    "id": ids.attachment,
                    "card_id": card_id,
                    "filename": filename,
                    "content_type": "text/plain",
                    "size_bytes": len(content),
                    "content": content,
                    "uploaded_by_id": chosen[0],
                    "uploaded_at": when,
                }
            )
            events.append(
                (when, "attachment", None, None, {"action": "added", "filename": filename})
            )
        if story.archived_at is not None:
            events.append((story.archived_at, "archived", column_ids[final], None, None))
        events.sort(key=lambda event: event[0])
        for when, event_kind, source, target, details in events:
            ids.activity += 1
            self.activity.add(
                {
                    "id": ids.activity,
                    "card_id": card_id,
                    "board_id": board_id,
                    "occurred_at": when,
                    "actor_id": chosen[0],
                    "actor_name": b.display_names[chosen[0]],
                    "kind": event_kind,
                    "from_column_id": source,
                    "to_column_id": target,
                    "details": details,
                }
            )
        if archived:
            position = -1
        else:
            position = positions[final]
            positions[final] += 1
        self.cards.add(
            {
                "id": card_id,
                "board_id": board_id,
                "number": number,
                "column_id": column_ids[final],
                "title": title,
                "description": DESCRIPTIONS[story.subject].format(account=account_name),
                "position": position,
                "status": status,
                "priority": priority,
                "due_date": due,
                "account_id": account_id,
                "ticket_id": ticket_id,
                "created_by_id": chosen[0],
                "created_at": created,
                "updated_at": events[-1][0],
                "is_archived": archived,
                "archived_at": story.archived_at,
                "version": version,
            }
        )
        for user_id in sorted(chosen):
            self.assignees.add({"card_id": card_id, "user_id": user_id})
        pool = [tag for tag, _ in TEMPLATE_TAGS[kind]] + [tag for tag, _ in EXTRA_TAGS[kind]]
        tags = set(rng.sample(pool, k=rng.choice((0, 1, 1, 2))))
        if story.subject == "bug":
            tags.add("bug")
        if story.subject == "feature":
            tags.add("feature")
        for tag in sorted(tags):
            self.card_tags.add({"card_id": card_id, "tag": tag})
        checklist = CHECKLISTS[story.subject]
        length = len(checklist) if kind == "onboarding" else rng.randint(0, len(checklist))
        share = 1.0 if not is_open else final / done
        for position_in_list in range(length):
            ids.item += 1
            self.items.add(
                {
                    "id": ids.item,
                    "card_id": card_id,
                    "text": checklist[position_in_list],
                    "is_done": position_in_list < round(length * share + rng.uniform(-0.5, 0.5)),
                    "position": position_in_list,
                    "assignee_id": rng.choice(chosen) if rng.random() < 0.5 else None,
                    "due_date": (
                        b.today + timedelta(days=rng.randint(-5, 14))
                        if is_open and rng.random() < 0.4
                        else None
                    ),
                }
            )

"""The built-in presets: the exports CS teams already have, as data (see ``spec``).

Header names follow each tool's standard export; a team whose export differs (renamed or
custom fields, another time zone) saves its own preset from one of these.
"""

from __future__ import annotations

from typing import Any

from cs_data.importers import IMPORT_KINDS
from cs_data.presets.spec import Preset, preset_from_dict

_US_DATE = "%m/%d/%Y"
_SQL_TIME = "%Y-%m-%d %H:%M:%S"
_HUBSPOT_TIME = "%Y-%m-%d %H:%M"

# --- value maps and column rules that several exports share (plain data) --------------------
_PRIORITIES = {"Low": "low", "Normal": "normal", "Medium": "normal", "High": "high"}
_HELP_DESK_PRIORITIES = _PRIORITIES | {"Urgent": "urgent"}
_STATUSES = {
    "New": "new",
    "Open": "open",
    "Pending": "pending",
    "Hold": "on_hold",
    "On-hold": "on_hold",
    "Solved": "solved",
    "Resolved": "solved",
    "Closed": "closed",
    "Snoozed": "on_hold",
}
_SALESFORCE_STAGES = {
    "Prospecting": "outreach",
    "Qualification": "engaged",
    "Needs Analysis": "engaged",
    "Value Proposition": "proposal",
    "Id. Decision Makers": "engaged",
    "Perception Analysis": "proposal",
    "Proposal/Price Quote": "proposal",
    "Negotiation/Review": "negotiation",
}
"""The stages of Salesforce's default sales process (closed ones pass through)."""


def _person(source: str) -> dict[str, Any]:
    """A display name read as a username (an agent, an owner)."""
    return {"from": source, "username": True}


def _sql_time(source: str) -> dict[str, Any]:
    """A timestamp written ``2025-03-03 09:15:00`` (help desk exports)."""
    return {"from": source, "format": _SQL_TIME}


def _after_creation(source: str, unit: str) -> dict[str, Any]:
    """A duration after the ticket's creation (a first reply time in minutes or hours)."""
    return {"from": source, "after": "created_at", "unit": unit}


def _amount_as_arr(source: str) -> dict[str, Any]:
    """A CRM amount read as both the current and (for won renewals) the renewed ARR."""
    return {"current_arr": {"from": source}, "renewed_arr": {"from": source}}


DEFINITIONS: list[dict[str, Any]] = [
    {
        "name": "zendesk_tickets",
        "kind": "tickets",
        "title": "Zendesk tickets export",
        "description": "Zendesk Admin Center, Account, Tools, Reports: export tickets as CSV.",
        "notes": [
            "Zendesk writes the CSV export's times in the account's time zone: save a copy of "
            "this preset with that zone in 'zone' unless the account runs on UTC.",
            "account_id is the Zendesk organization name; import accounts with those ids.",
        ],
        "columns": {
            "ticket_id": {"from": "Id"},
            "created_at": _sql_time("Created at"),
            "account_id": {"from": "Organization"},
            "subject": {"from": "Subject"},
            "priority": {"from": "Priority", "map": _HELP_DESK_PRIORITIES},
            "channel": {
                "from": "Via",
                "map": {
                    "Mail": "email",
                    "Email": "email",
                    "Web form": "web",
                    "Web Widget": "web",
                    "Web service": "web",
                    "API": "web",
                    "Chat": "chat",
                    "Messaging": "chat",
                    "Native Messaging": "chat",
                    "Phone call (incoming)": "phone",
                    "Phone call (outgoing)": "phone",
                    "Voicemail": "phone",
                    "Facebook Post": "social",
                    "Twitter": "social",
                },
            },
            "status": {"from": "Status", "map": _STATUSES},
            "assignee": _person("Assignee"),
            "first_response_at": _after_creation("First reply time in minutes", "minutes"),
            "resolved_at": _sql_time("Solved at"),
            "tags": {"from": "Tags", "split": " "},
        },
    },
    {
        "name": "freshdesk_tickets",
        "kind": "tickets",
        "title": "Freshdesk tickets export",
        "description": "Freshdesk Tickets list, Export, CSV with all fields.",
        "notes": ["account_id is the Freshdesk company name; import accounts with those ids."],
        "columns": {
            "ticket_id": {"from": "Ticket ID"},
            "created_at": _sql_time("Created time"),
            "account_id": {"from": "Company Name"},
            "subject": {"from": "Subject"},
            "priority": {"from": "Priority", "map": _HELP_DESK_PRIORITIES},
            "channel": {
                "from": "Source",
                "map": {
                    "Email": "email",
                    "Outbound Email": "email",
                    "Portal": "web",
                    "Feedback Widget": "web",
                    "Phone": "phone",
                    "Chat": "chat",
                    "WhatsApp": "chat",
                    "Facebook": "social",
                    "Twitter": "social",
                },
            },
            "status": {
                "from": "Status",
                "map": _STATUSES
                | {"Waiting on Customer": "pending", "Waiting on Third Party": "on_hold"},
            },
            "assignee": _person("Agent"),
            "first_response_at": _after_creation("First response time (in hrs)", "hours"),
            "resolved_at": _sql_time("Resolved time"),
            "tags": {"from": "Tags", "split": ","},
        },
    },
    {
        "name": "intercom_conversations",
        "kind": "tickets",
        "title": "Intercom conversations",
        "description": "Intercom Reports, Conversations dataset, Export CSV.",
        "notes": [
            "Intercom names the time zone of its times in the header, e.g. 'Conversation "
            "started at (Europe/Berlin)': they are read in that zone.",
        ],
        "columns": {
            "ticket_id": {"from": "Conversation ID"},
            "created_at": _sql_time("Conversation started at"),
            "account_id": {"from": "Company ID"},
            "subject": {"from": "Title"},
            "channel": {
                "from": "Channel",
                "map": {"Chat": "chat", "Conversation": "chat", "Email": "email", "Phone": "phone"},
            },
            "status": {"from": "Current conversation state", "map": _STATUSES},
            "assignee": _person("Teammate currently assigned"),
            "first_response_at": _sql_time("Conversation first replied at"),
            "resolved_at": _sql_time("Conversation last closed at"),
            "tags": {"from": "Conversation tag", "split": ","},
        },
    },
    {
        "name": "salesforce_renewals",
        "kind": "renewals",
        "title": "Salesforce opportunities (renewals)",
        "description": "A Salesforce opportunities report exported as CSV (details only).",
        "notes": [
            "Only opportunities of type Renewal are imported; the others are skipped.",
            "Amount is taken as the current ARR and, for won renewals, as the renewed ARR; "
            "save your own preset when the prior ARR lives in a custom field.",
        ],
        "only_if": {"Type": ["Renewal", "Existing Business"]},
        "columns": {
            "renewal_id": {"from": "Opportunity ID"},
            "account_id": {"from": "Account ID"},
            "renewal_date": {"from": "Close Date", "format": _US_DATE},
            **_amount_as_arr("Amount"),
            "stage": {"from": "Stage", "map": _SALESFORCE_STAGES},
            "forecast_category": {"from": "Forecast Category", "map": {"Omitted": "omitted"}},
            "probability": {"from": "Probability (%)", "multiply": "0.01"},
            "owner": _person("Opportunity Owner"),
            "next_step": {"from": "Next Step"},
        },
    },
    {
        "name": "salesforce_accounts",
        "kind": "accounts",
        "title": "Salesforce accounts",
        "description": "A Salesforce accounts report exported as CSV (details only).",
        "columns": {
            "account_id": {"from": "Account ID"},
            "name": {"from": "Account Name"},
            "industry": {"from": "Industry"},
            "region": {"from": "Billing Country"},
            "csm": _person("Account Owner"),
            "created_at": {"from": "Created Date", "format": _US_DATE},
        },
    },
    {
        "name": "salesforce_opportunity_history",
        "kind": "renewal_history",
        "title": "Salesforce opportunity history (renewal history)",
        "description": "A Salesforce 'Opportunity History' report exported as CSV.",
        "columns": {
            "renewal_id": {"from": "Opportunity ID"},
            "changed_at": {"from": "Last Modified", "format": "%m/%d/%Y %I:%M %p"},
            "field": {"value": "stage"},
            "new_value": {"from": "To Stage", "map": _SALESFORCE_STAGES},
            "actor": {"from": "Last Modified By"},
        },
    },
    {
        "name": "hubspot_deals",
        "kind": "renewals",
        "title": "HubSpot deals",
        "description": "HubSpot CRM, Deals, Export (all properties) as CSV.",
        "notes": ["Deal amount is taken as the current ARR and, for won deals, the renewed ARR."],
        "columns": {
            "renewal_id": {"from": "Record ID"},
            "account_id": {"from": "Associated Company IDs (Primary)"},
            "renewal_date": {"from": "Close Date", "format": _HUBSPOT_TIME},
            **_amount_as_arr("Amount"),
            "stage": {
                "from": "Deal Stage",
                "map": {
                    "Appointment Scheduled": "outreach",
                    "Qualified To Buy": "engaged",
                    "Presentation Scheduled": "proposal",
                    "Decision Maker Bought-In": "negotiation",
                    "Contract Sent": "verbal_commit",
                },
            },
            "forecast_category": {
                "from": "Forecast category",
                "map": {"Omit": "omitted", "Closed won": "closed"},
            },
            "probability": {"from": "Deal probability"},
            "owner": _person("Deal owner"),
            "next_step": {"from": "Next step"},
        },
    },
    {
        "name": "hubspot_companies",
        "kind": "accounts",
        "title": "HubSpot companies",
        "description": "HubSpot CRM, Companies, Export (all properties) as CSV.",
        "columns": {
            "account_id": {"from": "Record ID"},
            "name": {"from": "Company name"},
            "industry": {"from": "Industry"},
            "region": {"from": "Country/Region"},
            "csm": _person("Company owner"),
            "created_at": {"from": "Create Date", "format": _HUBSPOT_TIME},
        },
    },
    {
        "name": "survey_responses",
        "kind": "surveys",
        "title": "Survey export (NPS, CSAT, CES)",
        "description": "A survey tool's responses export: one row per response.",
        "columns": {
            "response_id": {"from": ["Response ID", "ID"]},
            "survey_type": {
                "from": ["Survey type", "Survey"],
                "map": {
                    "Net Promoter Score": "nps",
                    "NPS": "nps",
                    "Customer Satisfaction": "csat",
                    "CSAT": "csat",
                    "Customer Effort Score": "ces",
                    "CES": "ces",
                },
            },
            "score": {"from": ["Score", "Rating"]},
            "responded_at": {"from": ["Submitted at", "Responded at", "Date"]},
            "account_id": {"from": ["Account ID", "Company ID"]},
            "ticket_id": {"from": "Ticket ID"},
            "comment": {"from": ["Comment", "Feedback"]},
        },
    },
    {
        "name": "ravenstack_accounts",
        "kind": "accounts",
        "title": "RavenStack accounts (public dataset)",
        "description": "ravenstack_accounts.csv of the RavenStack synthetic SaaS dataset.",
        "notes": ["plan_tier becomes the segment: Basic smb, Pro mid_market, Enterprise."],
        "columns": {
            "account_id": {"from": "account_id"},
            "name": {"from": "account_name"},
            "segment": {
                "from": "plan_tier",
                "map": {"Basic": "smb", "Pro": "mid_market", "Enterprise": "enterprise"},
            },
            "region": {"from": "country"},
            "industry": {"from": "industry"},
            "created_at": {"from": "signup_date"},
        },
    },
    {
        "name": "ravenstack_subscriptions",
        "kind": "subscriptions",
        "title": "RavenStack subscriptions (public dataset)",
        "description": "ravenstack_subscriptions.csv of the RavenStack synthetic SaaS dataset.",
        "notes": [
            "ARR is 12 x mrr_amount; trials have an MRR of 0.",
            "Accounts hold about 9 concurrent subscriptions each: their ARR adds up.",
        ],
        "columns": {
            "subscription_id": {"from": "subscription_id"},
            "account_id": {"from": "account_id"},
            "start_date": {"from": "start_date"},
            "end_date": {"from": "end_date"},
            "arr": {"from": "mrr_amount", "multiply": "12"},
            "product": {"from": "plan_tier"},
        },
    },
    {
        "name": "ravenstack_tickets",
        "kind": "tickets",
        "title": "RavenStack support tickets (public dataset)",
        "description": "ravenstack_support_tickets.csv of the RavenStack synthetic SaaS dataset.",
        "notes": [
            "submitted_at is a date only: tickets are created at 00:00 UTC that day, and the "
            "first response is first_response_time_minutes after that.",
            "The file has no channel column.",
        ],
        "columns": {
            "ticket_id": {"from": "ticket_id"},
            "created_at": {"from": "submitted_at"},
            "account_id": {"from": "account_id"},
            "priority": {"from": "priority", "map": {"medium": "normal"}},
            "first_response_at": _after_creation("first_response_time_minutes", "minutes"),
            "resolved_at": {"from": "closed_at"},
        },
    },
    {
        "name": "ravenstack_csat",
        "kind": "surveys",
        "title": "RavenStack ticket satisfaction as CSAT (public dataset)",
        "description": "satisfaction_score of ravenstack_support_tickets.csv as CSAT responses.",
        "notes": ["Tickets without a satisfaction_score are skipped (no response)."],
        "skip_if_empty": ["score"],
        "columns": {
            "response_id": {"template": "csat-{ticket_id}"},
            "survey_type": {"value": "csat"},
            "score": {"from": "satisfaction_score"},
            "responded_at": {"from": "closed_at"},
            "account_id": {"from": "account_id"},
            "ticket_id": {"from": "ticket_id"},
        },
    },
    {
        "name": "customer_support_tickets",
        "kind": "tickets",
        "title": "Customer Support Ticket Dataset (public dataset)",
        "description": "customer_support_tickets.csv (Kaggle, suraj520).",
        "notes": [
            "The file has no ticket creation time: created_at is the first response time, or "
            "the resolution time when there was no response, so first-response time cannot "
            "be computed and is left empty.",
            "Tickets with neither time cannot be placed in time and are rejected.",
        ],
        "columns": {
            "ticket_id": {"from": "Ticket ID"},
            "created_at": {"from": ["First Response Time", "Time to Resolution"]},
            "subject": {"from": "Ticket Subject"},
            "priority": {"from": "Ticket Priority", "map": _PRIORITIES | {"Critical": "urgent"}},
            "channel": {
                "from": "Ticket Channel",
                "map": {
                    "Email": "email",
                    "Phone": "phone",
                    "Chat": "chat",
                    "Social media": "social",
                },
            },
            "status": {
                "from": "Ticket Status",
                "map": _STATUSES | {"Pending Customer Response": "pending"},
            },
            "resolved_at": {"from": "Time to Resolution"},
            "tags": {"from": "Ticket Type"},
        },
    },
    {
        "name": "customer_support_csat",
        "kind": "surveys",
        "title": "Customer Support Ticket Dataset satisfaction as CSAT (public dataset)",
        "description": "Customer Satisfaction Rating of customer_support_tickets.csv.",
        "notes": ["Only closed tickets carry a rating; the others are skipped."],
        "skip_if_empty": ["score"],
        "columns": {
            "response_id": {"template": "csat-{Ticket ID}"},
            "survey_type": {"value": "csat"},
            "score": {"from": "Customer Satisfaction Rating"},
            "responded_at": {"from": "Time to Resolution"},
            "ticket_id": {"from": "Ticket ID"},
        },
    },
]


def _load() -> dict[str, Preset]:
    """Every built-in preset whose kind this installation imports (renewal history only once
    that import kind exists)."""
    return {
        data["name"]: preset_from_dict(data, builtin=True)
        for data in DEFINITIONS
        if data["kind"] in IMPORT_KINDS
    }


BUILTIN: dict[str, Preset] = _load()

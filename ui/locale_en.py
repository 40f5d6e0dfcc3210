"""English texts. Every key here exists in ``locale_ko`` with the same ``{placeholders}``."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # the app shell
    "app.name": "CS Cockpit",
    "nav.overview": "Overview",
    "shell.language": "Language",
    "shell.database": "Database: **{backend}**",
    "shell.time_zone": "Times shown in **{zone}**",
    "shell.demo_badge": "Demo data",
    "shell.demo_help": "Synthetic sample customers in the built-in database. "
    "Set CS_DATABASE_URL to work on your own data.",
    "db.sqlite": "SQLite",
    "db.postgresql": "PostgreSQL",
    "startup.preparing": "Preparing the database…",
    "startup.waiting": "The database is being prepared; this page opens when it is ready…",
    "startup.seeding": "Setting up demo data (scale {scale})…",
    "startup.step": "{step}: {done} of {total}",
    "startup.step_open": "{step}: {done}",
    "startup.seeded": "Demo data loaded: {counts} (scale {scale})",
    "startup.failed": "The database could not be prepared. "
    "Check the database settings; the details are in the server log.",
    "startup.config_invalid": "The configuration is not valid: {detail}",
    "phase.users": "Team members",
    "phase.accounts": "Accounts",
    "phase.contacts": "Contacts",
    "phase.subscriptions": "Subscriptions",
    "phase.usage": "Product usage",
    "phase.tickets": "Tickets",
    "phase.surveys": "Survey responses",
    "count.accounts": "{count} accounts",
    "count.contacts": "{count} contacts",
    "count.users": "{count} users",
    "count.subscriptions": "{count} subscriptions",
    "count.tickets": "{count} tickets",
    "count.survey_responses": "{count} survey responses",
    "count.renewals": "{count} renewals",
    "count.interactions": "{count} interactions",
    "count.other": "{count} {name}",
    "list.separator": ", ",
    # errors
    "error.not_found": "This item no longer exists, or you cannot see it.",
    "error.permission_denied": "You do not have permission to do this.",
    "error.stale_edit": "Someone else changed this record while you were editing it. "
    "Nothing was saved; reload to see their change.",
    "error.invalid_input": "Please correct the following and try again:",
    "error.field": "{field}: {message}",
    "error.unexpected": "Something went wrong. The details were written to the server log.",
    # formats
    "fmt.none": "—",
    "fmt.money": "${value}",
    "fmt.thousands": "{value}K",
    "fmt.millions": "{value}M",
    "fmt.billions": "{value}B",
    "fmt.percent": "{value}%",
    "fmt.date": "{mon} {day}, {year}",
    "fmt.datetime": "{date} {time}",
    "fmt.month.1": "Jan",
    "fmt.month.2": "Feb",
    "fmt.month.3": "Mar",
    "fmt.month.4": "Apr",
    "fmt.month.5": "May",
    "fmt.month.6": "Jun",
    "fmt.month.7": "Jul",
    "fmt.month.8": "Aug",
    "fmt.month.9": "Sep",
    "fmt.month.10": "Oct",
    "fmt.month.11": "Nov",
    "fmt.month.12": "Dec",
    "chart.axis_day": "%b %-d",
    "chart.tooltip_day": "%a, %b %-d, %Y",
    # the Overview page
    "overview.title": "Overview",
    "overview.customers": "Customers and revenue",
    "overview.support": "Support and sentiment",
    "overview.as_of": "As of {time} ({zone}). Ticket and survey figures cover "
    "{start} – {end} (whole UTC days).",
    "overview.empty_title": "No data yet",
    "overview.empty_body": "This database has no accounts, tickets, surveys or renewals. "
    "Import CSV files with `cs-data import KIND FILE`, or start the app without "
    "CS_DATABASE_URL to explore the built-in demo data.",
    "overview.accounts": "Accounts",
    "overview.accounts_help": "Number of customer accounts in the database.",
    "overview.arr": "ARR",
    "overview.arr_help": "Annual recurring revenue today ({exact}): the sum of the ARR of "
    "every subscription active today (started on or before today; ends after today or "
    "open-ended).",
    "overview.backlog": "Open tickets",
    "overview.backlog_help": "Backlog now: tickets created at or before this moment that are "
    "not resolved yet (or resolved after it).",
    "overview.tickets": "New tickets · last {days} days",
    "overview.tickets_help": "Tickets created in the last {days} UTC days, today included "
    "({start} – {end}).",
    "overview.csat": "CSAT · last {days} days",
    "overview.csat_help": "Share of CSAT responses (scale 1–5) in the last {days} UTC days "
    "that scored 4 or 5. Average score {average} from {responses} responses.",
    "overview.nps": "NPS · last {days} days",
    "overview.nps_help": "Net Promoter Score of NPS responses (0–10) in the last {days} UTC "
    "days: 100 × (promoters 9–10 − detractors 0–6) ÷ responses, from −100 to +100. "
    "{responses} responses.",
    "overview.renewals": "Renewals due · next {days} days",
    "overview.renewals_help": "Current ARR ({exact}) of open renewals (no outcome yet) due "
    "in the next {days} days, {start} – {end}.",
    "overview.chart_title": "Tickets created per day",
    "overview.chart_subtitle": "Last {days} days, by UTC day",
    "overview.chart_day": "Day (UTC)",
    "overview.chart_tickets": "Tickets created (count)",
    "overview.chart_empty": "No tickets were created in the last {days} days.",
}

"""한국어 텍스트. 모든 키와 ``{placeholder}``는 ``locale_en``과 같습니다."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # the app shell
    "app.name": "CS Cockpit",
    "nav.overview": "개요",
    "shell.language": "언어",
    "shell.database": "데이터베이스: **{backend}**",
    "shell.time_zone": "표시 시간대: **{zone}**",
    "shell.demo_badge": "데모 데이터",
    "shell.demo_help": "내장 데이터베이스의 가상 샘플 고객입니다. "
    "실제 데이터를 쓰려면 CS_DATABASE_URL을 설정하세요.",
    "db.sqlite": "SQLite",
    "db.postgresql": "PostgreSQL",
    "startup.preparing": "데이터베이스를 준비하는 중…",
    "startup.waiting": "데이터베이스를 준비하고 있습니다. 준비가 끝나면 페이지가 열립니다…",
    "startup.seeding": "데모 데이터 준비 중 (규모 {scale})…",
    "startup.step": "{step}: {total}개 중 {done}개",
    "startup.step_open": "{step}: {done}개",
    "startup.seeded": "데모 데이터를 불러왔습니다: {counts} (규모 {scale})",
    "startup.failed": "데이터베이스를 준비하지 못했습니다. "
    "데이터베이스 설정을 확인하세요. 자세한 내용은 서버 로그에 있습니다.",
    "startup.config_invalid": "설정이 올바르지 않습니다: {detail}",
    "phase.users": "팀원",
    "phase.accounts": "고객 계정",
    "phase.contacts": "연락처",
    "phase.subscriptions": "구독",
    "phase.usage": "제품 사용량",
    "phase.tickets": "티켓",
    "phase.surveys": "설문 응답",
    "count.accounts": "계정 {count}개",
    "count.contacts": "연락처 {count}명",
    "count.users": "사용자 {count}명",
    "count.subscriptions": "구독 {count}건",
    "count.tickets": "티켓 {count}건",
    "count.survey_responses": "설문 응답 {count}건",
    "count.renewals": "갱신 {count}건",
    "count.interactions": "고객 접점 {count}건",
    "count.other": "{name} {count}건",
    "list.separator": ", ",
    # errors
    "error.not_found": "이 항목이 더 이상 없거나 볼 수 있는 권한이 없습니다.",
    "error.permission_denied": "이 작업을 할 권한이 없습니다.",
    "error.stale_edit": "편집하는 동안 다른 사람이 이 레코드를 변경했습니다. "
    "저장되지 않았습니다. 새로 고쳐 변경 내용을 확인하세요.",
    "error.invalid_input": "다음 항목을 고친 뒤 다시 시도하세요:",
    "error.field": "{field}: {message}",
    "error.unexpected": "문제가 발생했습니다. 자세한 내용은 서버 로그에 기록되었습니다.",
    # formats
    "fmt.none": "—",
    "fmt.money": "${value}",
    "fmt.thousands": "{value}K",
    "fmt.millions": "{value}M",
    "fmt.billions": "{value}B",
    "fmt.percent": "{value}%",
    "fmt.date": "{year}년 {mon} {day}일",
    "fmt.datetime": "{date} {time}",
    "fmt.month.1": "1월",
    "fmt.month.2": "2월",
    "fmt.month.3": "3월",
    "fmt.month.4": "4월",
    "fmt.month.5": "5월",
    "fmt.month.6": "6월",
    "fmt.month.7": "7월",
    "fmt.month.8": "8월",
    "fmt.month.9": "9월",
    "fmt.month.10": "10월",
    "fmt.month.11": "11월",
    "fmt.month.12": "12월",
    "chart.axis_day": "%-m/%-d",
    "chart.tooltip_day": "%Y년 %-m월 %-d일",
    # the Overview page
    "overview.title": "개요",
    "overview.customers": "고객 및 매출",
    "overview.support": "지원 및 고객 만족",
    "overview.as_of": "{time} ({zone}) 기준. 티켓·설문 지표 기간: {start} – {end} (UTC 기준 일자).",
    "overview.empty_title": "아직 데이터가 없습니다",
    "overview.empty_body": "이 데이터베이스에는 계정, 티켓, 설문, 갱신 데이터가 없습니다. "
    "`cs-data import KIND FILE` 명령으로 CSV 파일을 가져오거나, CS_DATABASE_URL 없이 "
    "앱을 실행해 내장 데모 데이터를 살펴보세요.",
    "overview.accounts": "고객 계정",
    "overview.accounts_help": "데이터베이스에 있는 고객 계정 수입니다.",
    "overview.arr": "ARR",
    "overview.arr_help": "오늘 기준 연간 반복 매출({exact}): 오늘 유효한 모든 구독"
    "(시작일이 오늘 이전이거나 오늘이고, 종료일이 오늘 이후이거나 없음)의 ARR 합계입니다.",
    "overview.backlog": "미해결 티켓",
    "overview.backlog_help": "현재 백로그: 지금 이전에 생성되었고 아직 해결되지 않은"
    "(또는 지금 이후에 해결된) 티켓 수입니다.",
    "overview.tickets": "신규 티켓 · 최근 {days}일",
    "overview.tickets_help": "오늘을 포함한 최근 {days}일(UTC 기준, {start} – {end}) 동안 "
    "생성된 티켓 수입니다.",
    "overview.csat": "CSAT · 최근 {days}일",
    "overview.csat_help": "최근 {days}일(UTC 기준) CSAT 응답(1–5점) 중 4점 또는 5점의 비율입니다. "
    "평균 {average}점, 응답 {responses}건.",
    "overview.nps": "NPS · 최근 {days}일",
    "overview.nps_help": "최근 {days}일(UTC 기준) NPS 응답(0–10점)의 순추천지수: "
    "100 × (추천 9–10점 − 비추천 0–6점) ÷ 응답 수, 범위 −100 ~ +100. 응답 {responses}건.",
    "overview.renewals": "갱신 예정 · 앞으로 {days}일",
    "overview.renewals_help": "앞으로 {days}일({start} – {end}) 안에 갱신일이 돌아오는 "
    "진행 중인 갱신(결과 미정)의 현재 ARR({exact})입니다.",
    "overview.chart_title": "일별 생성 티켓",
    "overview.chart_subtitle": "최근 {days}일, UTC 기준 일자",
    "overview.chart_day": "일자 (UTC)",
    "overview.chart_tickets": "생성된 티켓 (건)",
    "overview.chart_empty": "최근 {days}일 동안 생성된 티켓이 없습니다.",
}

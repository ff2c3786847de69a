-- Reporting gap: every report the calendar expects (agency x indicator x month since the calendar
-- starts), whether it came, on time and valid (int_expected_reports). A deadline is a day in the
-- Mesa's time zone: a file received at 22:00 in Tumbes on the due date is on time, whatever the UTC
-- date. "Received" counts a file that covered the period and indicator even if its rows were
-- rejected, and a file whose months are not known (rejected unread, or failed on by the pipeline)
-- for every indicator of its month; "valid" needs rows loaded.
with reports as (
    select * from int_expected_reports
),

build as (
    select * from stg_build
),

agencies as (
    select * from stg_agencies
),

final as (
    select
        reports.agency,
        agencies.agency_name,
        reports.indicator,
        reports.period,
        period_start(reports.period) as period_start,
        period_end(reports.period) as period_end,
        reports.due_date,
        reports.first_received_at,
        reports.first_valid_at,
        reports.submissions,
        reports.first_received_at is not null as is_received,
        reports.first_valid_at is not null as is_valid,
        coalesce(cast(timezone(build.timezone, reports.first_valid_at) as date) <= reports.due_date, false)
            as is_on_time,
        case
            when cast(timezone(build.timezone, reports.first_valid_at) as date) <= reports.due_date
                then 'valid_on_time'
            when reports.first_valid_at is not null then 'valid_late'
            when reports.has_failed then 'received_failed'
            when reports.first_received_at is not null then 'received_not_valid'
            when reports.due_date < build.as_of then 'missing_overdue'
            else 'not_yet_due'
        end as status,
        case
            when reports.first_valid_at is not null
                then greatest(
                    date_diff('day', reports.due_date, cast(timezone(build.timezone, reports.first_valid_at) as date)), 0
                )
            when reports.due_date < build.as_of
                then date_diff('day', reports.due_date, build.as_of)
            else 0
        end as days_late
    from reports
    cross join build
    left join agencies on reports.agency = agencies.agency
)

select * from final

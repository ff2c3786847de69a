-- Reporting gap: every report the calendar expects (agency x indicator x month since the calendar
-- starts), whether it came, on time and valid. A deadline is a day in the Mesa's time zone: a file
-- received at 22:00 in Tumbes on the due date is on time, whatever the UTC date. "Received" counts a file that covered the period and
-- indicator even if its rows were rejected; "valid" needs rows loaded.
with calendar as (
    select * from stg_reporting_calendar
    where frequency = 'monthly'
),

months as (
    select * from int_months
),

build as (
    select * from stg_build
),

agencies as (
    select * from stg_agencies
),

coverage as (
    select * from stg_submission_coverage
),

submissions as (
    select * from stg_submissions
),

expected as (
    select
        calendar.agency,
        calendar.indicator,
        months.period,
        cast(months.period_end + calendar.due_days as date) as due_date
    from calendar
    inner join months on months.period >= calendar.since
),

received as (
    select
        coverage.agency,
        coverage.indicator,
        coverage.period,
        min(submissions.received_at) as first_received_at,
        min(submissions.received_at) filter (where coverage.rows_loaded > 0) as first_valid_at,
        count(distinct coverage.submission_id) as submissions
    from coverage
    inner join submissions on coverage.submission_id = submissions.submission_id
    cross join build
    -- as of the build's day: a build for an earlier day (`mesa remind --day`) ignores later files
    where cast(timezone(build.timezone, submissions.received_at) as date) <= build.as_of
    group by coverage.agency, coverage.indicator, coverage.period
),

final as (
    select
        expected.agency,
        agencies.agency_name,
        expected.indicator,
        expected.period,
        expected.due_date,
        received.first_received_at,
        received.first_valid_at,
        coalesce(received.submissions, 0) as submissions,
        received.first_received_at is not null as is_received,
        received.first_valid_at is not null as is_valid,
        coalesce(cast(timezone(build.timezone, received.first_valid_at) as date) <= expected.due_date, false)
            as is_on_time,
        case
            when cast(timezone(build.timezone, received.first_valid_at) as date) <= expected.due_date
                then 'valid_on_time'
            when received.first_valid_at is not null then 'valid_late'
            when received.first_received_at is not null then 'received_not_valid'
            when expected.due_date < build.as_of then 'missing_overdue'
            else 'not_yet_due'
        end as status,
        case
            when received.first_valid_at is not null
                then greatest(
                    date_diff('day', expected.due_date, cast(timezone(build.timezone, received.first_valid_at) as date)), 0
                )
            when expected.due_date < build.as_of
                then date_diff('day', expected.due_date, build.as_of)
            else 0
        end as days_late
    from expected
    cross join build
    left join agencies on expected.agency = agencies.agency
    left join received
        on expected.agency = received.agency
        and expected.indicator = received.indicator
        and expected.period = received.period
)

select * from final

-- Reporting gap: every report the calendar expects (agency x indicator x month since the calendar
-- starts), whether it came, on time and valid. A deadline is a day in the Mesa's time zone: a file
-- received at 22:00 in Tumbes on the due date is on time, whatever the UTC date. "Received" counts
-- a file that covered the period and indicator even if its rows were rejected, and a file whose
-- months are not known (rejected unread, or failed on by the pipeline: int_unplaced_files) for
-- every indicator of its month; "valid" needs rows loaded.
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

unplaced as (
    select * from int_unplaced_files
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

-- Every file that counts for an expected report: those that covered it, and those of its agency
-- and month whose months are not known.
covering as (
    select
        coverage.agency,
        coverage.indicator,
        coverage.period,
        coverage.submission_id,
        submissions.received_at,
        coverage.rows_loaded > 0 as is_valid,
        false as is_failed
    from coverage
    inner join submissions on coverage.submission_id = submissions.submission_id
    union all
    select
        expected.agency,
        expected.indicator,
        expected.period,
        unplaced.submission_id,
        unplaced.received_at,
        false as is_valid,
        unplaced.kind = 'failed' as is_failed
    from unplaced
    inner join expected
        on unplaced.agency = expected.agency
        and unplaced.period = expected.period
),

received as (
    select
        covering.agency,
        covering.indicator,
        covering.period,
        min(covering.received_at) as first_received_at,
        min(covering.received_at) filter (where covering.is_valid) as first_valid_at,
        bool_or(covering.is_failed) as has_failed,
        count(distinct covering.submission_id) as submissions
    from covering
    cross join build
    -- as of the build's day: a build for an earlier day (`mesa remind --day`) ignores later files
    where cast(timezone(build.timezone, covering.received_at) as date) <= build.as_of
    group by covering.agency, covering.indicator, covering.period
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
            when received.has_failed then 'received_failed'
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

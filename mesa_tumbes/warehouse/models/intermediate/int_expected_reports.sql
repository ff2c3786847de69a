-- Every report the reporting calendar expects (agency x indicator x month since the calendar
-- starts) and what came for it, as of the build's day: the first file that covered it (valid or
-- not, or of its agency and month when the file could not be placed), the first valid one, how many.
-- gap_reporting says whether each is on time; int_period_reports counts them per month and sector.
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
        expected.indicator,
        expected.period,
        expected.due_date,
        received.first_received_at,
        received.first_valid_at,
        coalesce(received.has_failed, false) as has_failed,
        coalesce(received.submissions, 0) as submissions
    from expected
    left join received
        on expected.agency = received.agency
        and expected.indicator = received.indicator
        and expected.period = received.period
)

select * from final

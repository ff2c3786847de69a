-- Each expected report (agency x indicator x period) with its status as of $today: gap_reporting
-- as last built, with the date moved on (a report that was not yet due may be overdue by now) or
-- back (a file received after $today, a day in the Mesa's time zone, does not count yet).
with build as (
    select timezone from stg_build
),

known as (
    select
        gap_reporting.*,
        coalesce(cast(timezone(build.timezone, first_received_at) as date) <= $today, false) as received_by_day,
        coalesce(cast(timezone(build.timezone, first_valid_at) as date) <= $today, false) as valid_by_day
    from gap_reporting
    cross join build
)

select
    agency,
    agency_name,
    indicator,
    period,
    due_date,
    case when received_by_day then first_received_at end as first_received_at,
    case when valid_by_day then first_valid_at end as first_valid_at,
    received_by_day as is_received,
    valid_by_day as is_valid,
    case
        when valid_by_day then status
        when received_by_day and status = 'received_failed' then status
        when received_by_day then 'received_not_valid'
        when due_date < $today then 'missing_overdue'
        else 'not_yet_due'
    end as status,
    case
        when valid_by_day then days_late
        when due_date < $today then date_diff('day', due_date, $today)
        else 0
    end as days_late,
    date_diff('day', $today, due_date) as days_to_due
from known
order by agency, period, indicator

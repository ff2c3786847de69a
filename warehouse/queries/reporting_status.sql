-- Each expected report (agency x indicator x period) with its status as of $today: gap_reporting
-- as last built, with the date moved on (a report that was not yet due may be overdue by now).
select
    agency,
    agency_name,
    indicator,
    period,
    due_date,
    first_received_at,
    first_valid_at,
    is_received,
    is_valid,
    case
        when status in ('valid_on_time', 'valid_late', 'received_not_valid') then status
        when due_date < $today then 'missing_overdue'
        else 'not_yet_due'
    end as status,
    case
        when is_valid then days_late
        when due_date < $today then date_diff('day', due_date, $today)
        else 0
    end as days_late,
    date_diff('day', $today, due_date) as days_to_due
from gap_reporting
order by agency, period, indicator

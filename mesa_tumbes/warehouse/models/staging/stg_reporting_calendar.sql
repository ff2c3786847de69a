-- The reporting calendar (reference data): what each agency is expected to report.
select
    agency,
    indicator,
    frequency,
    cast(due_days as integer) as due_days,
    since
from ref_reporting_calendar

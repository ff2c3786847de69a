-- Months, with their quarter and year, whether they have ended, and whether every report the
-- calendar expects for them is due (the last month the Mesa can read as complete).
with months as (
    select * from int_months
),

build as (
    select * from stg_build
),

calendar as (
    select * from stg_reporting_calendar
    where frequency = 'monthly'
),

deadlines as (
    select coalesce(max(due_days), 0) as due_days from calendar
),

final as (
    select
        months.period,
        year(months.period_start) as year,
        month(months.period_start) as month,
        year(months.period_start) || '-Q' || quarter(months.period_start) as quarter,
        months.period_start,
        months.period_end,
        months.period_end < build.as_of as is_complete,
        cast(months.period_end + deadlines.due_days as date) < build.as_of as is_reporting_due
    from months
    cross join build
    cross join deadlines
)

select * from final

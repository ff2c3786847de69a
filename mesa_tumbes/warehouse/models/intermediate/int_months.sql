-- Every month from the first one any figure or the calendar refers to, to the build's month, with
-- whether it has ended and whether every report the calendar expects for it is due (its end plus
-- the longest deadline of the calendar is past): the latest month that can be read as complete.
with build as (
    select * from stg_build
),

calendar as (
    select * from stg_reporting_calendar
    where frequency = 'monthly'
),

deadlines as (
    select coalesce(max(due_days), 0) as due_days from calendar
),

-- The first month with a figure, expected by the calendar or of a year with need; the programme's
-- first period only when there is none.
bounds as (
    select
        coalesce(
            least(
                (select min(period) from stg_slices where period not like '%Q%'),
                (select min(since) from stg_reporting_calendar),
                (select min(year) || '-01' from stg_need)
            ),
            build.first_period
        ) as first_month,
        build.as_of
    from build
),

months as (
    select
        strftime(month_start, '%Y-%m') as period,
        cast(month_start as date) as period_start,
        last_day(month_start) as period_end,
        bounds.as_of
    from bounds,
        generate_series(
            cast(strptime(first_month || '-01', '%Y-%m-%d') as date),
            date_trunc('month', as_of),
            interval 1 month
        ) as months(month_start)
),

final as (
    select
        months.period,
        months.period_start,
        months.period_end,
        months.period_end < months.as_of as is_complete,
        cast(months.period_end + deadlines.due_days as date) < months.as_of as is_reporting_due
    from months
    cross join deadlines
)

select * from final

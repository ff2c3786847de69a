-- Every month from the first one any figure or the calendar refers to, to the build's month.
with build as (
    select * from stg_build
),

-- The first month with a figure or expected by the calendar; the programme's first period only
-- when there is neither.
bounds as (
    select
        coalesce(
            least(
                (select min(period) from stg_slices where period not like '%Q%'),
                (select min(since) from stg_reporting_calendar)
            ),
            build.first_period
        ) as first_month,
        build.as_of
    from build
),

final as (
    select
        strftime(month_start, '%Y-%m') as period,
        cast(month_start as date) as period_start,
        last_day(month_start) as period_end
    from bounds,
        generate_series(
            cast(strptime(first_month || '-01', '%Y-%m-%d') as date),
            date_trunc('month', as_of),
            interval 1 month
        ) as months(month_start)
)

select * from final

-- Months, with their quarter and year, whether they have ended, and whether every report the
-- calendar expects for them is due (the last month the Mesa can read as complete).
with months as (
    select * from int_months
),

final as (
    select
        period,
        year(period_start) as year,
        month(period_start) as month,
        year(period_start) || '-Q' || quarter(period_start) as quarter,
        period_start,
        period_end,
        is_complete,
        is_reporting_due
    from months
)

select * from final

-- Months, with their quarter and year, and whether they have ended.
with months as (
    select * from int_months
),

build as (
    select * from stg_build
),

final as (
    select
        months.period,
        year(months.period_start) as year,
        month(months.period_start) as month,
        year(months.period_start) || '-Q' || quarter(months.period_start) as quarter,
        months.period_start,
        months.period_end,
        months.period_end < build.as_of as is_complete
    from months
    cross join build
)

select * from final

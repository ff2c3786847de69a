-- Per month and sector, whether its reports can tell a service gap from a reporting gap: whether
-- the month's reports are due (int_months), how many reports of the sector's reach indicators the
-- calendar expects for it and how many arrived, and how many agencies published figures of the
-- sector that month (partners outside the calendar, R4V 5W, report too). `sector = 'all'` counts
-- every indicator. A service gap is only said where the month is due and its reports are in.
with months as (
    select * from int_months
),

reports as (
    select * from int_expected_reports
),

indicators as (
    select * from stg_indicators
),

sectors as (
    select sector from stg_sectors
    union
    select 'all'
),

figures as (
    select * from int_indicator_groups
    where group_code = 'total'
),

expected as (
    select
        reports.period,
        indicators.sector,
        count(*) as reports_expected,
        count(reports.first_received_at) as reports_received
    from reports
    inner join indicators on reports.indicator = indicators.indicator
    where indicators.is_sector_reach
    group by reports.period, indicators.sector
),

expected_all as (
    select
        period,
        'all' as sector,
        count(*) as reports_expected,
        count(first_received_at) as reports_received
    from reports
    group by period
),

reporting as (
    select
        period,
        sector,
        count(distinct agency) filter (where is_sector_reach) as agencies_with_figures
    from figures
    group by period, sector
    union all
    select period, 'all', count(distinct agency)
    from figures
    group by period
),

monthly as (
    select
        months.period,
        sectors.sector,
        months.is_reporting_due,
        coalesce(expected.reports_expected, expected_all.reports_expected, 0) as reports_expected,
        coalesce(expected.reports_received, expected_all.reports_received, 0) as reports_received,
        coalesce(reporting.agencies_with_figures, 0) as agencies_with_figures,
        months.is_reporting_due
            and coalesce(expected.reports_received, expected_all.reports_received, 0)
                = coalesce(expected.reports_expected, expected_all.reports_expected, 0)
            and coalesce(reporting.agencies_with_figures, 0) > 0 as is_reported
    from months
    cross join sectors
    left join expected on months.period = expected.period and sectors.sector = expected.sector
    left join expected_all on months.period = expected_all.period and sectors.sector = 'all'
    left join reporting on months.period = reporting.period and sectors.sector = reporting.sector
),

-- A year (the year-to-date rows of the marts): due when one of its months is, its due months' reports.
yearly as (
    select
        left(period, 4) as period,
        sector,
        bool_or(is_reporting_due) as is_reporting_due,
        coalesce(sum(reports_expected) filter (where is_reporting_due), 0) as reports_expected,
        coalesce(sum(reports_received) filter (where is_reporting_due), 0) as reports_received,
        max(agencies_with_figures) as agencies_with_figures,
        bool_or(is_reported) as is_reported
    from monthly
    group by left(period, 4), sector
),

final as (
    select * from monthly
    union all
    select * from yearly
)

select * from final

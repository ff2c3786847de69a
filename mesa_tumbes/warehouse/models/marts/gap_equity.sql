-- Equity gap: each group's share of the people reached against its share of the people in need,
-- per sector, department and period. Groups are compared within their kind (age-sex groups among
-- themselves, population types among themselves), each against the total on the groups' basis.
with coverage as (
    select * from gap_coverage
    where admin_level = 'department'
),

groups as (
    select * from stg_groups
    where group_kind <> 'total'
),

-- A month's groups break down what R4V breaks down (a 5W's new beneficiaries, not its monthly
-- total): each group's share is of the total on that same basis.
broken_down as (
    select sector, area_code, period, people_broken_down
    from int_sector_reach
    where group_code = 'total'
),

totals as (
    select
        coverage.sector,
        coverage.area_code,
        coverage.period,
        case when coverage.period_kind = 'year_to_date' then coverage.people_reached
            else coalesce(broken_down.people_broken_down, coverage.people_reached) end as people_reached,
        coverage.people_in_need
    from coverage
    left join broken_down
        on coverage.sector = broken_down.sector
        and coverage.area_code = broken_down.area_code
        and coverage.period = broken_down.period
    where coverage.group_code = 'total'
),

shares as (
    select
        coverage.sector,
        coverage.sector_es,
        coverage.area_code,
        coverage.area_name,
        coverage.period,
        coverage.period_kind,
        coverage.year,
        coverage.group_code,
        groups.group_kind,
        coverage.people_reached,
        totals.people_reached as people_reached_total,
        coverage.people_in_need,
        totals.people_in_need as people_in_need_total,
        case
            when totals.people_reached > 0 and coverage.people_reached is not null
                then round(100 * coverage.people_reached / totals.people_reached, 1)
        end as share_of_reached_pct,
        case
            when totals.people_in_need > 0 and coverage.people_in_need is not null
                then round(100 * coverage.people_in_need / totals.people_in_need, 1)
        end as share_of_need_pct
    from coverage
    inner join groups on coverage.group_code = groups.group_code
    left join totals
        on coverage.sector = totals.sector
        and coverage.area_code = totals.area_code
        and coverage.period = totals.period
),

reports as (
    select * from int_period_reports
),

final as (
    select
        shares.*,
        pcode(shares.area_code) as area_pcode,
        period_start(shares.period) as period_start,
        period_end(shares.period) as period_end,
        round(shares.share_of_reached_pct - shares.share_of_need_pct, 1) as gap_pct_points,
        coalesce(reports.is_reporting_due, false) as is_reporting_due,
        coalesce(reports.reports_expected, 0) as reports_expected,
        coalesce(reports.reports_received, 0) as reports_received,
        case
            when shares.share_of_need_pct is null then 'no_people_in_need_figure'
            when shares.share_of_reached_pct is null and not coalesce(reports.is_reporting_due, false)
                then 'not_due_yet'
            when shares.share_of_reached_pct is null and not coalesce(reports.is_reported, false)
                then 'not_reported'
            when shares.share_of_reached_pct is null then 'no_service_reported'
        end as reason
    from shares
    left join reports on shares.period = reports.period and shares.sector = reports.sector
)

select * from final

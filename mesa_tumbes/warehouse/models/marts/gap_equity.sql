-- Equity gap: each group's share of the people reached against its share of the people in need,
-- per sector, department and period. Groups are compared within their kind (age-sex groups among
-- themselves, population types among themselves), each against the total.
with coverage as (
    select * from gap_coverage
    where admin_level = 'department'
),

groups as (
    select * from stg_groups
    where group_kind <> 'total'
),

totals as (
    select sector, area_code, period, people_reached, people_in_need
    from coverage
    where group_code = 'total'
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

final as (
    select
        *,
        round(share_of_reached_pct - share_of_need_pct, 1) as gap_pct_points,
        case
            when share_of_need_pct is null then 'no_people_in_need_figure'
            when share_of_reached_pct is null then 'no_service_reported'
        end as reason
    from shares
)

select * from final

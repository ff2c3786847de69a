-- People reached against people in need, per sector, area, period and group, kept by year (the
-- date-dependent words, whether a period's reports are due, are gap_coverage's).
-- Need is known for the department only: district and province rows show the people reached and
-- no coverage (a district count is never divided by the department's need).
-- A month (or quarter) carries its own figure. A year-to-date row ('YYYY') carries R4V's new
-- beneficiaries added up over the year where those exist, or the year's largest period: people
-- attended in two months are the same people, so monthly figures are never added up (R4V's rule).
with reach as (
    select * from int_sector_reach
    -- Only the years this build recomputes (every year with figures in a full build; the years
    -- with a need and no figure come from the need, which a full build takes whole).
    where left(period, 4) in (select year from build_partitions)
),

need as (
    select * from int_need
),

sectors as (
    select * from stg_sectors
),

build as (
    select * from stg_build
),

periodic as (
    select
        sector,
        area_code,
        admin_level,
        area_name,
        period,
        case when period like '%-Q%' then 'quarter' else 'month' end as period_kind,
        left(period, 4) as year,
        group_code,
        people_reached,
        case when uses_fallback then 'period_new_beneficiaries_fallback' else 'period' end as reached_basis,
        agencies_reporting
    from reach
),

yearly_reach as (
    select
        sector,
        area_code,
        left(period, 4) as year,
        group_code,
        sum(new_beneficiaries) as new_beneficiaries_year,
        max(people_reached) as largest_period,
        max(agencies_reporting) as agencies_reporting
    from reach
    group by sector, area_code, left(period, 4), group_code
),

-- Every sector, year and group with a need or a target (for the department), reached or not.
yearly_keys as (
    select distinct sector, area_code, admin_level, area_name, left(period, 4) as year, group_code
    from reach
    union
    select need.sector, need.area_code, need.admin_level, build.department_name, need.year, need.group_code
    from need
    cross join build
    where need.people_in_need is not null or need.target_people is not null
),

yearly as (
    select
        yearly_keys.sector,
        yearly_keys.area_code,
        yearly_keys.admin_level,
        yearly_keys.area_name,
        yearly_keys.year as period,
        'year_to_date' as period_kind,
        yearly_keys.year,
        yearly_keys.group_code,
        case
            when coalesce(yearly_reach.new_beneficiaries_year, 0) >= yearly_reach.largest_period
                then yearly_reach.new_beneficiaries_year
            else yearly_reach.largest_period
        end as people_reached,
        case
            when yearly_reach.largest_period is null then null
            when coalesce(yearly_reach.new_beneficiaries_year, 0) >= yearly_reach.largest_period
                then 'new_beneficiaries_year_to_date'
            else 'largest_period'
        end as reached_basis,
        coalesce(yearly_reach.agencies_reporting, 0) as agencies_reporting
    from yearly_keys
    left join yearly_reach
        on yearly_keys.sector = yearly_reach.sector
        and yearly_keys.area_code = yearly_reach.area_code
        and yearly_keys.year = yearly_reach.year
        and yearly_keys.group_code = yearly_reach.group_code
),

combined as (
    select * from periodic
    union all
    select * from yearly
),

final as (
    select
        combined.sector,
        coalesce(sectors.sector_es, combined.sector) as sector_es,
        combined.area_code,
        combined.area_name,
        combined.admin_level,
        combined.period,
        combined.period_kind,
        combined.year,
        combined.group_code,
        combined.people_reached,
        combined.reached_basis,
        combined.agencies_reporting,
        need.people_in_need,
        'department' as need_level,
        case
            when need.people_in_need > 0 and combined.people_reached is not null
                then round(100 * combined.people_reached / need.people_in_need, 1)
        end as coverage_pct,
        case
            when need.people_in_need is not null and combined.people_reached is not null
                then greatest(need.people_in_need - combined.people_reached, 0)
        end as gap_people,
        case
            when combined.admin_level <> 'department' then 'need_known_only_for_department'
            when need.people_in_need is null then 'no_people_in_need_figure'
            when need.people_in_need = 0 then 'no_people_in_need'
            when combined.people_reached is null then 'no_service_reported'
        end as reason
    from combined
    left join sectors on combined.sector = sectors.sector
    left join need
        on combined.admin_level = 'department'
        and combined.area_code = need.area_code
        and combined.sector = need.sector
        and combined.year = need.year
        and combined.group_code = need.group_code
)

select * from final

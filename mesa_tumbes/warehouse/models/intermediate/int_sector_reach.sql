-- People reached per sector, area (as reported and rolled up to province and department), period
-- and group: the sector's reach indicators added up over agencies. Intersector is the largest
-- sector's figure (R4V's own proxy: people reached by several sectors cannot be deduplicated from
-- aggregates; a setting can make it their sum, see stg_build.intersector_model). New beneficiaries
-- (R4V 5W) are kept apart: only they add up over months. `people_reached` is the month's reach (an
-- R4V 5W's Total_monthly for the total); `uses_fallback`: a 5W row without Total_monthly counted its
-- new beneficiaries instead. `people_broken_down`: the total on the basis its groups break down (R4V
-- breaks a 5W's new beneficiaries down, not its Total_monthly), for shares of groups.
with figures as (
    select * from int_indicator_groups
    -- Only the periods this build recomputes (every one in a full build).
    semi join build_partitions using (period)
    where is_sector_reach
),

rollup as (
    select * from int_area_rollup
),

build as (
    select * from stg_build
),

by_sector as (
    select
        figures.sector,
        rollup.rollup_code as area_code,
        rollup.rollup_level as admin_level,
        rollup.rollup_name as area_name,
        figures.period,
        figures.group_code,
        sum(figures.people) as people_reached,
        sum(figures.new_people) as new_beneficiaries,
        -- the people on the basis the groups break down: a 5W's new beneficiaries, else the figure
        sum(coalesce(figures.new_people, figures.people)) as people_broken_down,
        count(distinct figures.agency) as agencies_reporting,
        bool_or(figures.reach_basis = 'new_beneficiaries_fallback') as uses_fallback
    from figures
    inner join rollup
        on figures.area_code = rollup.area_code
        and figures.admin_level = rollup.admin_level
    group by all
),

-- R4V's two models (operations.yaml, gaps.intersector): the largest sector (a floor: those reached
-- by several sectors counted once, others perhaps missed) or every sector added up (a ceiling: those
-- reached by two sectors counted twice).
intersector as (
    select
        'Intersector' as sector,
        by_sector.area_code,
        by_sector.admin_level,
        by_sector.area_name,
        by_sector.period,
        by_sector.group_code,
        case when any_value(build.intersector_model) = 'sum' then sum(by_sector.people_reached)
            else max(by_sector.people_reached) end as people_reached,
        case when any_value(build.intersector_model) = 'sum' then sum(by_sector.new_beneficiaries)
            else max(by_sector.new_beneficiaries) end as new_beneficiaries,
        case when any_value(build.intersector_model) = 'sum' then sum(by_sector.people_broken_down)
            else max(by_sector.people_broken_down) end as people_broken_down,
        max(by_sector.agencies_reporting) as agencies_reporting,
        bool_or(by_sector.uses_fallback) as uses_fallback
    from by_sector
    cross join build
    group by all
),

final as (
    select * from by_sector
    union all
    select * from intersector
)

select * from final

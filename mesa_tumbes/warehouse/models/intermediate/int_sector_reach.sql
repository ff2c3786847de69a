-- People reached per sector, area (as reported and rolled up to province and department), period
-- and group: the sector's reach indicators added up over agencies. Intersector is the largest
-- sector's figure (R4V's own proxy: people reached by several sectors cannot be deduplicated from
-- aggregates). New beneficiaries (R4V 5W) are kept apart: only they add up over months.
with figures as (
    select * from int_indicator_groups
    -- Only the periods this build recomputes (every one in a full build).
    semi join build_partitions using (period)
    where is_sector_reach
),

rollup as (
    select * from int_area_rollup
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
        sum(figures.people) filter (where figures.format = 'r4v_5w') as new_beneficiaries,
        count(distinct figures.agency) as agencies_reporting
    from figures
    inner join rollup
        on figures.area_code = rollup.area_code
        and figures.admin_level = rollup.admin_level
    group by all
),

intersector as (
    select
        'Intersector' as sector,
        area_code,
        admin_level,
        area_name,
        period,
        group_code,
        max(people_reached) as people_reached,
        max(new_beneficiaries) as new_beneficiaries,
        max(agencies_reporting) as agencies_reporting
    from by_sector
    group by area_code, admin_level, area_name, period, group_code
),

final as (
    select * from by_sector
    union all
    select * from intersector
)

select * from final

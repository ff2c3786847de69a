-- One figure per agency x indicator x area x period x population group, from whatever breakdown
-- the agency sent: its own total where it wrote one, else the sum of its finest rows; never a
-- total and its parts together, never a coarse age band and its finer bands together. Only approved
-- figures are published: a slice pending review is left out until the officer approves it.
with current_values as (
    select * from int_values
    -- Only the slices this build recomputes (every one in a full build): the correlated subquery
    -- below keeps a filter on the result from reaching the values.
    semi join build_partitions using (agency, period)
    where review_state = 'approved'
),

refinement as (
    select * from stg_age_refinement
),

groups as (
    select * from stg_groups
),

-- A row is an age leaf when no other row of the same series (agency, indicator, area, period, sex,
-- population type) breaks its age band down further.
leaves as (
    select
        current_values.*,
        not exists (
            select 1
            from current_values as finer
            inner join refinement
                on finer.age_group = refinement.child_age
            where
                refinement.parent_age = current_values.age_group
                and finer.agency = current_values.agency
                and finer.indicator = current_values.indicator
                and finer.area_code = current_values.area_code
                and finer.period = current_values.period
                and finer.sex = current_values.sex
                and finer.population_type = current_values.population_type
        ) as is_age_leaf
    from current_values
),

-- Per population type (and 'total'): the agency's own figure, else the sum over sexes, else over ages.
by_population as (
    select
        agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period,
        population_type,
        max(value) filter (where sex = 'total' and age_group = 'total') as own_people,
        sum(value) filter (where sex <> 'total' and is_age_leaf) as people_by_sex,
        sum(value) filter (where sex = 'total' and age_group <> 'total' and is_age_leaf) as people_by_age
    from leaves
    group by agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period, population_type
),

population_people as (
    select
        *,
        coalesce(own_people, people_by_sex, people_by_age) as people
    from by_population
),

-- Per R4V age-sex group: the coarse band's own row (F, <18) where written, else its finer bands.
by_age_sex as (
    select
        leaves.agency, leaves.indicator, leaves.sector, leaves.role, leaves.is_sector_reach, leaves.format,
        leaves.area_code, leaves.admin_level, leaves.period, leaves.population_type,
        groups.group_code,
        max(leaves.value) filter (where leaves.age_group = groups.coarse_age) as own_people,
        sum(leaves.value) filter (where leaves.is_age_leaf) as people_by_band
    from leaves
    inner join groups
        on groups.group_kind = 'age_sex'
        and leaves.r4v_group = groups.group_code
    group by all
),

age_sex_people as (
    select
        *,
        coalesce(own_people, people_by_band) as people
    from by_age_sex
),

total_figures as (
    select
        agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period,
        'total' as group_code,
        coalesce(
            max(people) filter (where population_type = 'total'),
            sum(people) filter (where population_type <> 'total')
        ) as people
    from population_people
    group by agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period
),

population_figures as (
    select
        agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period,
        population_type as group_code,
        people
    from population_people
    where population_type <> 'total'
),

age_sex_figures as (
    select
        agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period,
        group_code,
        coalesce(
            max(people) filter (where population_type = 'total'),
            sum(people) filter (where population_type <> 'total')
        ) as people
    from age_sex_people
    group by agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period, group_code
),

final as (
    select * from total_figures
    union all
    select * from population_figures
    union all
    select * from age_sex_figures
)

select * from final
where people is not null

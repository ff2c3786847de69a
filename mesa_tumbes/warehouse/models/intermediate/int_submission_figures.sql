-- One figure per submission x indicator x area x period x population group, for every submission
-- whose figures are published or waiting for the officer (each slice's current one, and the
-- revisions held beside it): the figures the officer approves on are the figures published.
--
-- The rule (docs/analysts.md, "How a figure is counted"): a file may write a total, its parts, or
-- both, along each breakdown (sex; age bands, coarse <18/18+ and finer; population type). Every
-- total it writes and every sum of parts is a count of the same people, each a lower bound of the
-- true figure (a total is never below its parts: consistency.total_equals_parts rejects such a row,
-- and a part may be unknown). A figure is the largest of them, so nobody counted is lost: a total
-- of 50 written for 18-59 beside 20 women and 15 men of 18-59 publishes 50 (15 people whose sex was
-- not recorded count in the total and in no sex group, as the feedback tells the agency), and 20
-- women and 15 men with no total publish 35. A complete breakdown adds up to its total, so then it
-- does not matter which is taken.
with claim_values as (
    select * from int_values
    -- Only the slices this build recomputes (every one in a full build).
    semi join build_partitions using (agency, period)
),

refinement as (
    select * from stg_age_refinement
),

groups as (
    select * from stg_groups
),

-- Each age band's level: the total (0), a coarse band (1: <18, 18+, what R4V's groups use) or a
-- finer one (2), with the coarse band it is part of.
band_parents as (
    select
        child_age as age_group,
        max(parent_age) filter (where parent_age <> 'total') as coarse_parent
    from refinement
    group by child_age
),

bands as (
    select
        age_group,
        case when coarse_parent is null then 1 else 2 end as level,
        coalesce(coarse_parent, age_group) as coarse_age
    from band_parents
    union all
    select 'total', 0, 'total'
),

cells as (
    select claim_values.*, bands.level, bands.coarse_age
    from claim_values
    inner join bands on claim_values.age_group = bands.age_group
),

-- A finer band, both sexes together: its own row, or the sum of its rows by sex.
fine_bands as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, coarse_age, age_group,
        greatest(
            max(value) filter (where sex = 'total'),
            sum(value) filter (where sex <> 'total')
        ) as people
    from cells
    where level = 2
    group by all
),

-- A coarse band of one sex: its own row, or the sum of its finer bands.
coarse_by_sex as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, sex, coarse_age,
        greatest(
            max(value) filter (where level = 1),
            sum(value) filter (where level = 2)
        ) as people
    from cells
    where level > 0 and sex <> 'total'
    group by all
),

-- A coarse band, both sexes together: its own row, the sum of its finer bands, or the sum of its sexes.
coarse_counts as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, coarse_age,
        value as own_people, null::double as by_band, null::double as by_sex
    from cells
    where level = 1 and sex = 'total'
    union all by name
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, coarse_age,
        people as by_band
    from fine_bands
    union all by name
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, coarse_age,
        people as by_sex
    from coarse_by_sex
),

coarse_bands as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, coarse_age,
        greatest(max(own_people), sum(by_band), sum(by_sex)) as people
    from coarse_counts
    group by all
),

-- All ages of one sex: its own row, or the sum of its coarse bands.
sex_counts as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, sex,
        value as own_people, null::double as by_age
    from cells
    where level = 0 and sex <> 'total'
    union all by name
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, sex,
        people as by_age
    from coarse_by_sex
),

by_sex as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type, sex,
        greatest(max(own_people), sum(by_age)) as people
    from sex_counts
    group by all
),

-- Everybody of one population type (and of all, 'total'): its own row, the sum of its coarse
-- bands, or the sum of its sexes.
population_counts as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type,
        value as own_people, null::double as by_age, null::double as by_sex
    from cells
    where level = 0 and sex = 'total'
    union all by name
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type,
        people as by_age
    from coarse_bands
    union all by name
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type,
        people as by_sex
    from by_sex
),

by_population as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type,
        greatest(max(own_people), sum(by_age), sum(by_sex)) as people
    from population_counts
    group by all
),

-- The total group: everybody, written as such or added up over population types.
total_figures as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current,
        'total' as group_code,
        greatest(
            max(people) filter (where population_type = 'total'),
            sum(people) filter (where population_type <> 'total')
        ) as people
    from by_population
    group by all
),

population_figures as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current,
        population_type as group_code,
        people
    from by_population
    where population_type <> 'total'
),

-- R4V's age-sex groups (girls: F under 18...): the coarse band of the sex, written as such or added
-- up over population types.
age_sex_figures as (
    select
        coarse_by_sex.submission_id, coarse_by_sex.agency, coarse_by_sex.indicator, coarse_by_sex.sector,
        coarse_by_sex.role, coarse_by_sex.is_sector_reach, coarse_by_sex.format, coarse_by_sex.area_code,
        coarse_by_sex.admin_level, coarse_by_sex.period, coarse_by_sex.review_state,
        coarse_by_sex.is_current,
        groups.group_code,
        greatest(
            max(coarse_by_sex.people) filter (where coarse_by_sex.population_type = 'total'),
            sum(coarse_by_sex.people) filter (where coarse_by_sex.population_type <> 'total')
        ) as people
    from coarse_by_sex
    inner join groups
        on groups.group_kind = 'age_sex'
        and coarse_by_sex.sex = groups.sex
        and coarse_by_sex.coarse_age = groups.coarse_age
    group by all
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

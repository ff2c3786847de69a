-- One figure per submission x indicator x area x period x population group, for every submission
-- whose figures are published or waiting for the officer (each slice's current one, and the
-- revisions held beside it): the figures the officer approves on are the figures published.
--
-- `people` is the month's reach: what a template file says; for an R4V 5W file, the people reached
-- in the month (Total_monthly, summed over its rows; New_beneficiaries for a row without it) for the
-- total, and the new beneficiaries' breakdowns for the groups (R4V breaks down only those).
-- `new_people` is R4V's new beneficiaries (the only figure that adds up over months); `reach_basis`
-- says which figure `people` is.
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

-- An R4V 5W file's people reached in the month, per indicator and area: its rows' Total_monthly
-- (their New_beneficiaries where an older export has none, said in reach_basis).
five_w_monthly as (
    select
        submission_id, agency, period, indicator, area_code, admin_level,
        sum(coalesce(total_monthly, new_beneficiaries)) as monthly_people,
        bool_or(total_monthly is null) as fell_back
    from stg_five_w_rows
    semi join build_partitions using (agency, period)
    group by all
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

population_sums as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current, population_type,
        max(own_people) as own_people,
        sum(by_age) as by_age,
        sum(by_sex) as by_sex
    from population_counts
    group by all
),

by_population as (
    select
        * exclude (own_people, by_age, by_sex),
        case
            -- R4V consolidates a 5W row's figures as written (its breakdowns are checked, not counted)
            when format = 'r4v_5w' then coalesce(own_people, greatest(by_age, by_sex))
            else greatest(own_people, by_age, by_sex)
        end as people
    from population_sums
),

-- The total group: everybody, written as such or added up over population types.
total_sums as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current,
        'total' as group_code,
        max(people) filter (where population_type = 'total') as own_people,
        sum(people) filter (where population_type <> 'total') as by_population
    from by_population
    group by all
),

total_counts as (
    select
        * exclude (own_people, by_population),
        case
            when format = 'r4v_5w' then coalesce(own_people, by_population)
            else greatest(own_people, by_population)
        end as people
    from total_sums
),

total_figures as (
    select
        counted.submission_id, counted.agency, counted.indicator, counted.sector, counted.role,
        counted.is_sector_reach, counted.format, counted.area_code, counted.admin_level, counted.period,
        counted.review_state, counted.is_current, counted.group_code,
        case
            when counted.format = 'r4v_5w' then coalesce(monthly.monthly_people, counted.people)
            else counted.people
        end as people,
        case when counted.format = 'r4v_5w' then counted.people end as new_people,
        case
            when counted.format is distinct from 'r4v_5w' then 'as_reported'
            when monthly.monthly_people is null or monthly.fell_back then 'new_beneficiaries_fallback'
            else 'total_monthly'
        end as reach_basis
    from total_counts as counted
    left join five_w_monthly as monthly
        on counted.submission_id = monthly.submission_id
        and counted.agency = monthly.agency
        and counted.period = monthly.period
        and counted.indicator = monthly.indicator
        and counted.area_code = monthly.area_code
        and counted.admin_level = monthly.admin_level
),

population_figures as (
    select
        submission_id, agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level,
        period, review_state, is_current,
        population_type as group_code,
        people,
        case when format = 'r4v_5w' then people end as new_people,
        case when format = 'r4v_5w' then 'new_beneficiaries' else 'as_reported' end as reach_basis
    from by_population
    where population_type <> 'total'
),

-- R4V's age-sex groups (girls: F under 18...): the coarse band of the sex, written as such or added
-- up over population types.
age_sex_people as (
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

age_sex_figures as (
    select
        *,
        case when format = 'r4v_5w' then people end as new_people,
        case when format = 'r4v_5w' then 'new_beneficiaries' else 'as_reported' end as reach_basis
    from age_sex_people
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

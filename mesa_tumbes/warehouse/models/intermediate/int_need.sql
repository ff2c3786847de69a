-- RMRP people in need and targets per sector, area, year and population group (the total, each
-- R4V age-sex group, each population type).
with need as (
    select * from stg_need
),

grouped as (
    select
        year,
        area_code,
        admin_level,
        sector,
        measure,
        people,
        case
            when population_type = 'total' then age_sex_group
            when age_sex_group = 'total' then population_type
        end as group_code
    from need
    where population_type = 'total' or age_sex_group = 'total'
),

final as (
    select
        year,
        area_code,
        admin_level,
        sector,
        group_code,
        max(people) filter (where measure = 'people_in_need') as people_in_need,
        max(people) filter (where measure = 'target') as target_people
    from grouped
    group by year, area_code, admin_level, sector, group_code
)

select * from final

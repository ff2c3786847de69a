-- Service deserts: for each district, sector with people in need (in the department) and month,
-- whether any agency reported a service there. A service reported for the whole province or
-- department (R4V 5W rows without a district) is shown apart: it may or may not reach the district.
-- A district without a service is a desert only where the month's reports can tell (its reports are
-- due, the sector's expected reports are in, and the sector has figures that month: int_period_reports);
-- otherwise it is "not due yet" or "not reported", never "no service".
with districts as (
    select * from stg_districts
),

months as (
    select * from int_months
    where is_complete
),

build as (
    select * from stg_build
),

sectors as (
    select * from stg_sectors
),

reports as (
    select * from int_period_reports
),

need as (
    select distinct sector, year
    from int_need
    where group_code = 'total' and people_in_need > 0 and sector <> 'Intersector'
),

-- A service is there where an agency reported people served in the sector (reached or attended),
-- whether or not the indicator adds up as people reached (a card issued, an application registered:
-- an office serves the district).
reach as (
    select * from int_indicator_groups
    where role in ('reached', 'attended') and sector not in ('population', 'Intersector')
        and group_code = 'total' and people > 0
),

-- Migraciones' estimate of the refugee and migrant population of each district and month (POB-01).
population as (
    select area_code as district, period, sum(people) as people
    from int_indicator_groups
    where indicator = 'POB-01' and group_code = 'total' and admin_level = 'district'
    group by area_code, period
),

grid as (
    select
        districts.district,
        districts.district_name,
        districts.province,
        need.sector,
        months.period
    from districts
    cross join months
    inner join need on left(months.period, 4) = need.year
),

in_district as (
    select area_code as district, sector, period, count(distinct agency) as agencies
    from reach
    where admin_level = 'district'
    group by area_code, sector, period
),

in_wider_area as (
    select area_code, sector, period, count(distinct agency) as agencies
    from reach
    where admin_level in ('province', 'department')
    group by area_code, sector, period
),

located as (
    select
        grid.district,
        grid.district_name,
        grid.province,
        grid.sector,
        coalesce(sectors.sector_es, grid.sector) as sector_es,
        grid.period,
        coalesce(in_district.agencies, 0) as agencies_in_district,
        coalesce(in_province.agencies, 0) + coalesce(in_department.agencies, 0) as agencies_in_wider_area,
        population.people as estimated_population,
        case
            when population.people is not null then 'district_population_estimate'
            else 'department_people_in_need'
        end as need_basis,
        reports.is_reporting_due,
        reports.reports_expected,
        reports.reports_received,
        reports.is_reported
    from grid
    cross join build
    left join sectors on grid.sector = sectors.sector
    left join reports on grid.period = reports.period and grid.sector = reports.sector
    left join in_district
        on grid.district = in_district.district
        and grid.sector = in_district.sector
        and grid.period = in_district.period
    left join in_wider_area as in_province
        on grid.province = in_province.area_code
        and grid.sector = in_province.sector
        and grid.period = in_province.period
    left join in_wider_area as in_department
        on build.department = in_department.area_code
        and grid.sector = in_department.sector
        and grid.period = in_department.period
    left join population
        on grid.district = population.district
        and grid.period = population.period
    -- A district Migraciones estimates has no refugees or migrants that month has no need there.
    where population.people is null or population.people > 0
),

final as (
    select
        district,
        'PE' || district as district_pcode,
        district_name,
        province,
        'PE' || province as province_pcode,
        sector,
        sector_es,
        period,
        period_start(period) as period_start,
        period_end(period) as period_end,
        agencies_in_district,
        agencies_in_wider_area,
        estimated_population,
        need_basis,
        coalesce(is_reporting_due, false) as is_reporting_due,
        coalesce(reports_expected, 0) as reports_expected,
        coalesce(reports_received, 0) as reports_received,
        case
            when agencies_in_district > 0 then 'service_in_district'
            when agencies_in_wider_area > 0 then 'service_in_wider_area'
            when not coalesce(is_reporting_due, false) then 'not_due_yet'
            when not coalesce(is_reported, false) then 'not_reported'
            else 'no_service'
        end as gap_status,
        agencies_in_district = 0 as has_no_service_in_district,
        agencies_in_district = 0 and agencies_in_wider_area = 0 and coalesce(is_reported, false)
            as is_service_desert
    from located
)

select * from final

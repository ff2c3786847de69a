-- What approving a submission publishes, as the marts will: its figures by indicator, area, period
-- and group (int_submission_figures, the one rule), named, with the agency's figure published for
-- the month before (same indicator, area and group) beside each, and whether the sector is
-- sensitive (a reader sees its small counts suppressed).
with figures as (
    select * from int_submission_figures
    where submission_id = $submission_id
),

published as (
    select published.*
    from int_submission_figures as published
    inner join slice_states
        on published.submission_id = slice_states.submission_id
        and published.agency = slice_states.agency
        and published.period = slice_states.period
    where slice_states.review_state = 'approved'
        and published.agency in (select agency from figures)
)

select
    figures.indicator,
    catalogue.indicator_name_es,
    catalogue.indicator_name_en,
    figures.sector,
    coalesce(sectors.is_sensitive, false) as is_sensitive,
    figures.area_code,
    area_label(coalesce(districts.district_name, provinces.province_name, build.department_name), figures.admin_level)
        as area_label,
    figures.admin_level,
    figures.period,
    figures.group_code,
    groups.group_kind,
    groups.group_name_es,
    groups.group_name_en,
    figures.people,
    figures.new_people,
    figures.reach_basis,
    previous.people as previous
from figures
cross join stg_build as build
left join stg_indicators as catalogue on figures.indicator = catalogue.indicator
left join stg_sectors as sectors on figures.sector = sectors.sector
left join stg_groups as groups on figures.group_code = groups.group_code
left join (select distinct district, district_name from stg_districts) as districts
    on figures.admin_level = 'district' and figures.area_code = districts.district
left join (select distinct province, province_name from stg_districts) as provinces
    on figures.admin_level = 'province' and figures.area_code = provinces.province
left join published as previous
    on figures.agency = previous.agency
    and figures.indicator = previous.indicator
    and figures.area_code = previous.area_code
    and figures.group_code = previous.group_code
    and figures.period like '____-__'
    and previous.period = strftime(period_start(figures.period) - interval 1 month, '%Y-%m')
order by figures.indicator, figures.period, figures.admin_level desc, figures.area_code, groups.sort_order

-- One figure per agency, indicator, area, period and population group, as the agency sent it:
-- the agency's own total or, where it did not write one, the sum of its finest rows (the rule is
-- int_submission_figures'). This is the table for questions about one indicator; the gap_* tables
-- add indicators up by sector. An R4V 5W's total is the people reached in the month (Total_monthly)
-- and its new beneficiaries are beside it (`reach_basis` says which figure `value` is). Whether a
-- period's reports are due is the build day's (dim_period.is_reporting_due): a fact kept by slice
-- does not carry it.
with figures as (
    select * from int_indicator_groups
    -- Only the slices this build recomputes (every one in a full build).
    semi join build_partitions using (agency, period)
),

areas as (
    select * from int_area_rollup where area_code = rollup_code
),

indicators as (
    select * from stg_indicators
),

agencies as (
    select * from stg_agencies
),

sectors as (
    select * from stg_sectors
),

final as (
    select
        figures.agency,
        agencies.agency_name,
        figures.indicator,
        indicators.indicator_name_es,
        indicators.indicator_name_en,
        figures.sector,
        coalesce(sectors.sector_es, figures.sector) as sector_es,
        figures.role,
        figures.area_code,
        pcode(figures.area_code) as area_pcode,
        areas.rollup_name as area_name,
        area_label(areas.rollup_name, figures.admin_level) as area_label,
        figures.admin_level,
        figures.period,
        period_start(figures.period) as period_start,
        period_end(figures.period) as period_end,
        figures.group_code,
        figures.people as value,
        figures.new_people as new_beneficiaries,
        figures.reach_basis,
        figures.format
    from figures
    left join areas on figures.area_code = areas.area_code
    left join indicators on figures.indicator = indicators.indicator
    left join agencies on figures.agency = agencies.agency
    left join sectors on figures.sector = sectors.sector
)

select * from final

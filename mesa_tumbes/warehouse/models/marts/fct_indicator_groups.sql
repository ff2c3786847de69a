-- One figure per agency, indicator, area, period and population group, as the agency sent it:
-- the agency's own total or, where it did not write one, the sum of its finest rows. This is the
-- table for questions about one indicator; the gap_* tables add indicators up by sector.
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

final as (
    select
        figures.agency,
        figures.indicator,
        indicators.indicator_name_es,
        figures.sector,
        figures.role,
        figures.area_code,
        areas.rollup_name as area_name,
        figures.admin_level,
        figures.period,
        figures.group_code,
        figures.people as value,
        figures.format
    from figures
    left join areas on figures.area_code = areas.area_code
    left join indicators on figures.indicator = indicators.indicator
)

select * from final

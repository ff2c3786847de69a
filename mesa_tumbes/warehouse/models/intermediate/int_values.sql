-- The values of each current or held submission with what the catalogue says of their indicator, the
-- format they came in and their review state (the marts publish the current approved ones only).
with current_values as (
    select * from stg_values
),

indicators as (
    select * from stg_indicators
),

submissions as (
    select * from stg_submissions
),

final as (
    select
        current_values.agency,
        current_values.period,
        current_values.area_code,
        current_values.admin_level,
        current_values.indicator,
        current_values.sex,
        current_values.age_group,
        current_values.population_type,
        current_values.r4v_group,
        current_values.value,
        current_values.submission_id,
        indicators.sector,
        indicators.role,
        indicators.is_sector_reach,
        submissions.format,
        current_values.review_state,
        current_values.is_current
    from current_values
    inner join indicators on current_values.indicator = indicators.indicator
    left join submissions on current_values.submission_id = submissions.submission_id
)

select * from final

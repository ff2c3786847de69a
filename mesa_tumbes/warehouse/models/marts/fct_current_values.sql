-- Every current value, approved or waiting for review, with its review state: the analysts' view of
-- what the marts do not publish yet (they read approved slices only).
with current_values as (
    select * from int_values
    where is_current
),

agencies as (
    select * from stg_agencies
),

final as (
    select
        current_values.agency,
        agencies.agency_name,
        current_values.period,
        period_start(current_values.period) as period_start,
        period_end(current_values.period) as period_end,
        current_values.area_code,
        pcode(current_values.area_code) as area_pcode,
        current_values.admin_level,
        current_values.indicator,
        current_values.sector,
        current_values.sex,
        current_values.age_group,
        current_values.population_type,
        current_values.value,
        current_values.submission_id,
        current_values.review_state
    from current_values
    left join agencies on current_values.agency = agencies.agency
)

select * from final

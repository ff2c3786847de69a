-- Every current value, approved or waiting for review, with its review state: the analysts' view of
-- what the marts do not publish yet (they read approved slices only).
with current_values as (
    select * from int_values
    where is_current
),

final as (
    select
        agency,
        period,
        area_code,
        admin_level,
        indicator,
        sector,
        sex,
        age_group,
        population_type,
        value,
        submission_id,
        review_state
    from current_values
)

select * from final

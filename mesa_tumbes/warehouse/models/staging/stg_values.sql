-- The values of every submission whose figures are shown or published (view claim_values: each
-- slice's current submission, and the revisions held beside it), renamed and typed.
with source as (
    select * from claim_values
),

final as (
    select
        agency,
        period,
        district as area_code,
        admin_level,
        indicator,
        sex,
        age_group,
        population_type,
        r4v_group,
        cast(value as double) as value,
        submission_id,
        review_state,
        is_current
    from source
)

select * from final

-- Current indicator values (view indicator_values), renamed and typed.
with source as (
    select * from indicator_values
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
        submission_id
    from source
)

select * from final

-- Current RMRP people in need and targets (view need_values), renamed and typed.
with source as (
    select * from need_values
),

final as (
    select
        year,
        measure,
        area as area_code,
        admin_level,
        sector,
        population_type,
        coalesce(r4v_group, 'total') as age_sex_group,
        cast(value as double) as people
    from source
)

select * from final

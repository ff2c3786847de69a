-- R4V 5W rows as loaded (five_w_rows), renamed: who did what where, both of R4V's monthly figures.
with source as (
    select * from five_w_rows
),

final as (
    select
        submission_id,
        row_number,
        agency,
        period,
        district as area_code,
        admin_level,
        indicator,
        r4v_indicator,
        country,
        admin1,
        admin2,
        appealing_org,
        implementing_partner,
        subsector,
        activity_name,
        -- null where the file has no RMRPActivity (older exports): not said to be outside the RMRP
        lower(trim(rmrp_activity)) in ('yes', 'sí', 'si') as is_rmrp_activity,
        delivery_mechanism,
        coalesce(cva, false) as is_cva,
        cva_value,
        total_monthly,
        new_beneficiaries,
        in_destination,
        in_transit,
        host_community,
        pendular,
        returnee,
        girls,
        boys,
        women,
        men,
        other_under_18,
        other_over_18
    from source
)

select * from final

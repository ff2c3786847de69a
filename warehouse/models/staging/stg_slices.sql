-- Which submission holds each agency-period slice now (table current_slices). A slice exists only
-- where its submission loaded values, so its periods are the periods with figures.
with source as (
    select * from current_slices
),

final as (
    select
        agency,
        period,
        submission_id,
        received_at
    from source
)

select * from final

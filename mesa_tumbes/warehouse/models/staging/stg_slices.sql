-- Which submission holds each agency-period slice now, and its review state (view slice_states
-- over current_slices and slice_reviews). A slice exists only where its submission loaded values, so
-- its periods are the periods with figures; only approved slices are published.
with source as (
    select * from slice_states
),

final as (
    select
        agency,
        period,
        submission_id,
        received_at,
        review_state,
        review_reason
    from source
)

select * from final

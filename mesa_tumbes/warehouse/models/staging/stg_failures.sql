-- Files the pipeline itself failed on and has not loaded since, renamed.
with source as (
    select * from failures
),

final as (
    select
        submission_id,
        agency,
        file_name,
        received_at,
        attempts,
        set_aside,
        named_period
    from source
)

select * from final

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
        set_aside
    from source
)

select * from final

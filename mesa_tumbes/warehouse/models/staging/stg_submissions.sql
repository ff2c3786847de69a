-- The registry of received files, renamed.
with source as (
    select * from submissions
),

final as (
    select
        submission_id,
        agency,
        channel,
        file_name,
        format,
        status,
        received_at,
        processed_at,
        rows_read,
        rows_loaded,
        rows_rejected,
        rows_warned,
        rows_excluded,
        named_period
    from source
)

select * from final

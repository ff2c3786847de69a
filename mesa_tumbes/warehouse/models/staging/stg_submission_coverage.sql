-- Which periods and indicators each submission covered, rows loaded or not.
with source as (
    select * from submission_coverage
),

final as (
    select
        submission_id,
        agency,
        period,
        indicator,
        rows_read,
        rows_loaded
    from source
)

select * from final

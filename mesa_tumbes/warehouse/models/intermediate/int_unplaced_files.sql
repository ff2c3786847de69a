-- Files an agency sent whose months are not known: rejected before any row could be read (no
-- header, an unreadable file) or not yet processed because the pipeline failed on them. Each counts
-- for the month its name speaks of ("informe_octubre.csv"), else the month before the one it
-- arrived in, in the Mesa's time zone: the month agencies report then. So a rejected file is
-- "received, not valid" and a failed one "received", never "missing".
with submissions as (
    select * from stg_submissions
),

coverage as (
    select * from stg_submission_coverage
),

failures as (
    select * from stg_failures
),

build as (
    select * from stg_build
),

unread as (
    select agency, submission_id, received_at, named_period, 'rejected' as kind
    from submissions
    where status = 'rejected'
        and not exists (select 1 from coverage where coverage.submission_id = submissions.submission_id)
),

failed as (
    select agency, submission_id, received_at, named_period, 'failed' as kind
    from failures
),

final as (
    select
        files.agency,
        files.submission_id,
        files.received_at,
        files.kind,
        coalesce(
            files.named_period,
            strftime(
                date_trunc('month', cast(timezone(build.timezone, files.received_at) as date)) - interval 1 month,
                '%Y-%m'
            )
        ) as period
    from (select * from unread union all select * from failed) as files
    cross join build
)

select * from final

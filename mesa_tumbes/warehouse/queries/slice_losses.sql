-- What an incoming submission (view `incoming_rows`) would take away from the current values: for
-- each period it covers that an earlier submission of the same agency holds, how many of that
-- submission's values it does not restate (same district, indicator, sex, age group and
-- population type), and of which indicators.
with held as (
    select
        current_slices.period,
        submissions.submission_id,
        submissions.file_name,
        submissions.received_at
    from current_slices
    inner join submissions on current_slices.submission_id = submissions.submission_id
    where
        current_slices.agency = $agency
        and current_slices.received_at <= $received_at
        and current_slices.period in (select distinct incoming_rows.period from incoming_rows)
),

dropped as (
    select
        held.period,
        held.file_name,
        held.received_at,
        observations.indicator
    from held
    inner join observations
        on observations.submission_id = held.submission_id
        and observations.agency = $agency
        and observations.period = held.period
    where not exists (
        select 1
        from incoming_rows
        where
            incoming_rows.period = observations.period
            and incoming_rows.district = observations.district
            and incoming_rows.indicator = observations.indicator
            and incoming_rows.sex = observations.sex
            and incoming_rows.age_group = observations.age_group
            and incoming_rows.population_type = observations.population_type
    )
),

final as (
    select
        period,
        file_name,
        received_at,
        count(*) as dropped_values,
        string_agg(distinct indicator, ', ' order by indicator) as indicators
    from dropped
    group by period, file_name, received_at
)

select * from final
order by period

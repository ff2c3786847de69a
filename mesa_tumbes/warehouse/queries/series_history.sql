-- The history of the series each incoming row (view `incoming_rows`, each tagged with its `request`:
-- several submissions are asked about at once, and its `position` in its own) belongs to: one row
-- per incoming row whose series (agency x indicator x district x sex x age_group x population_type)
-- has current values in periods that row's request does not cover: how many periods, their median,
-- their median absolute deviation and their mean absolute deviation from the median. Rows come in
-- order of request and position.
-- Each series is numbered once: the history, the statistics and the deviations are grouped and
-- joined on that number, not on the six text columns (half the query's time at a million rows), and
-- no key goes back as text: each row is given its series' figures here.
with series as (
    select
        row_number() over () as series_id,
        request,
        agency,
        indicator,
        district,
        sex,
        age_group,
        population_type
    from (
        select distinct request, agency, indicator, district, sex, age_group, population_type
        from incoming_rows
    )
),

covered as (
    select distinct request, period
    from incoming_rows
),

history as (
    select
        series.series_id,
        series.request,
        indicator_values.period,
        indicator_values.value
    from indicator_values
    inner join series
        on indicator_values.agency = series.agency
        and indicator_values.indicator = series.indicator
        and indicator_values.district = series.district
        and indicator_values.sex = series.sex
        and indicator_values.age_group = series.age_group
        and indicator_values.population_type = series.population_type
),

earlier as (
    select history.series_id, history.value
    from history
    anti join covered
        on history.request = covered.request
        and history.period = covered.period
),

stats as (
    select
        series_id,
        count(*) as periods,
        median(value) as median_value,
        mad(value) as mad_value
    from earlier
    group by series_id
),

deviations as (
    select
        stats.series_id,
        avg(abs(earlier.value - stats.median_value)) as mean_deviation
    from earlier
    inner join stats using (series_id)
    group by stats.series_id
)

select
    incoming_rows.request,
    incoming_rows.position,
    stats.periods,
    stats.median_value,
    stats.mad_value,
    deviations.mean_deviation
from incoming_rows
inner join series using (request, agency, indicator, district, sex, age_group, population_type)
inner join stats on series.series_id = stats.series_id
inner join deviations on series.series_id = deviations.series_id
order by incoming_rows.request, incoming_rows.position

-- The history of each series the incoming rows (view `incoming_rows`, each tagged with its `request`:
-- several submissions are asked about at once) belong to: one row per request x agency x indicator x
-- district x sex x age_group x population_type, over its current values in the periods that
-- request's rows do not cover: how many periods, their median, their median absolute deviation and
-- their mean absolute deviation from the median.
with series as (
    select distinct request, agency, indicator, district, sex, age_group, population_type
    from incoming_rows
),

covered as (
    select distinct request, period
    from incoming_rows
),

history as (
    select
        series.request,
        indicator_values.agency,
        indicator_values.indicator,
        indicator_values.district,
        indicator_values.sex,
        indicator_values.age_group,
        indicator_values.population_type,
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
    select history.*
    from history
    anti join covered
        on history.request = covered.request
        and history.period = covered.period
),

stats as (
    select
        request,
        agency,
        indicator,
        district,
        sex,
        age_group,
        population_type,
        count(*) as periods,
        median(value) as median_value,
        mad(value) as mad_value
    from earlier
    group by request, agency, indicator, district, sex, age_group, population_type
),

final as (
    select
        stats.request,
        stats.agency,
        stats.indicator,
        stats.district,
        stats.sex,
        stats.age_group,
        stats.population_type,
        stats.periods,
        stats.median_value,
        stats.mad_value,
        avg(abs(earlier.value - stats.median_value)) as mean_deviation
    from earlier
    inner join stats
        using (request, agency, indicator, district, sex, age_group, population_type)
    group by all
)

select * from final

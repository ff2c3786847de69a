-- The review rows in the states asked for ($states), each with its file and, per indicator, the
-- figure it brings (int_submission_indicators: the figure the marts publish once approved) beside
-- what is published for the slice now and for the agency's previous month.
with reviews as (
    select * from slice_reviews where list_contains($states, state)
),

published as (
    select figures.agency, figures.period, figures.indicator, figures.people
    from int_submission_indicators as figures
    inner join slice_states
        on figures.submission_id = slice_states.submission_id
        and figures.agency = slice_states.agency
        and figures.period = slice_states.period
    where slice_states.review_state = 'approved'
        and figures.agency in (select agency from reviews)
),

brought as (
    select
        figures.submission_id, figures.agency, figures.period, figures.indicator,
        figures.people, figures.admin_level, figures.areas
    from int_submission_indicators as figures
    semi join reviews using (submission_id, agency, period)
),

-- Every indicator the slice brings or has published, with the three figures side by side.
indicators as (
    select submission_id, agency, period, indicator from brought
    union
    select reviews.submission_id, reviews.agency, reviews.period, published.indicator
    from reviews
    inner join published on reviews.agency = published.agency and reviews.period = published.period
),

figures as (
    select
        indicators.submission_id,
        indicators.agency,
        indicators.period,
        list(
            {
                'indicator': indicators.indicator,
                'name_es': catalogue.indicator_name_es,
                'name_en': catalogue.indicator_name_en,
                'sensitive': coalesce(sectors.is_sensitive, false),
                'figure': brought.people,
                'admin_level': brought.admin_level,
                'areas': brought.areas,
                'published': now_published.people,
                'previous': previous.people
            }
            order by indicators.indicator
        ) as figures
    from indicators
    left join stg_indicators as catalogue on indicators.indicator = catalogue.indicator
    left join stg_sectors as sectors on catalogue.sector = sectors.sector
    left join brought
        on indicators.submission_id = brought.submission_id
        and indicators.agency = brought.agency
        and indicators.period = brought.period
        and indicators.indicator = brought.indicator
    left join published as now_published
        on indicators.agency = now_published.agency
        and indicators.period = now_published.period
        and indicators.indicator = now_published.indicator
    left join published as previous
        on indicators.agency = previous.agency
        and indicators.indicator = previous.indicator
        and indicators.period like '____-__'
        and previous.period = strftime(strptime(indicators.period || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m')
    group by all
)

select
    reviews.agency,
    reviews.period,
    reviews.submission_id,
    reviews.state,
    reviews.reason,
    reviews.version,
    reviews.updated_at,
    names.name_as_sent as file_name,
    submissions.status,
    submissions.received_at,
    submissions.rows_loaded,
    submissions.rows_warned,
    submissions.feedback_path,
    coalesce(figures.figures, []) as figures
from reviews
inner join submissions on reviews.submission_id = submissions.submission_id
inner join submission_names as names on reviews.submission_id = names.submission_id
left join figures
    on reviews.submission_id = figures.submission_id
    and reviews.agency = figures.agency
    and reviews.period = figures.period
order by
    case reviews.state when 'held' then 0 when 'pending' then 1 when 'returned' then 2 else 3 end,
    reviews.agency,
    reviews.period,
    submissions.received_at

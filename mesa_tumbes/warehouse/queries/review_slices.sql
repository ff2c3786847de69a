-- The review rows in the states asked for ($states), each with its file and its figures beside
-- those published for the previous month of the same agency (its history at a glance).
with reviews as (
    select * from slice_reviews where list_contains($states, state)
),

totals as (
    select submission_id, agency, period, sum(value) as total, count(*) as figures
    from observations
    where submission_id in (select submission_id from reviews)
    group by all
),

published as (
    select observations.agency, observations.period, sum(observations.value) as total
    from observations
    inner join slice_states
        on observations.submission_id = slice_states.submission_id
        and observations.agency = slice_states.agency
        and observations.period = slice_states.period
    where slice_states.review_state = 'approved'
        and observations.agency in (select agency from reviews)
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
    submissions.file_name,
    submissions.status,
    submissions.received_at,
    submissions.rows_loaded,
    submissions.rows_warned,
    submissions.feedback_path,
    totals.figures,
    totals.total,
    now_published.total as published_total,
    previous.total as previous_total
from reviews
inner join submissions on reviews.submission_id = submissions.submission_id
left join totals
    on reviews.submission_id = totals.submission_id
    and reviews.agency = totals.agency
    and reviews.period = totals.period
left join published as now_published
    on reviews.agency = now_published.agency and reviews.period = now_published.period
left join published as previous
    on reviews.agency = previous.agency
    and reviews.period like '____-__'
    and previous.period = strftime(strptime(reviews.period || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m')
order by
    case reviews.state when 'held' then 0 when 'pending' then 1 when 'returned' then 2 else 3 end,
    reviews.agency,
    reviews.period,
    submissions.received_at

-- Every file of the same agency that brought values for the periods this submission covers, with
-- its review state in each: the slice's history of files.
with periods as (
    select distinct agency, period from observations where submission_id = $submission_id
)

select
    submissions.submission_id,
    names.name_as_sent as file_name,
    submissions.status,
    submissions.received_at,
    slice_reviews.period,
    slice_reviews.state
from slice_reviews
inner join periods
    on slice_reviews.agency = periods.agency and slice_reviews.period = periods.period
inner join submissions on slice_reviews.submission_id = submissions.submission_id
inner join submission_names as names on submissions.submission_id = names.submission_id
order by slice_reviews.period, submissions.received_at desc

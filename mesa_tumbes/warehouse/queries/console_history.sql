-- Every file of the same agency for the periods this submission covers, whatever became of it
-- (rejected and duplicate files too), with its review state in each period where it brought values:
-- the slice's history of files.
with periods as (
    select distinct agency, period from submission_coverage where submission_id = $submission_id
    union
    select distinct agency, period from observations where submission_id = $submission_id
),

files as (
    select distinct coverage.submission_id, coverage.period
    from submission_coverage as coverage
    inner join periods on coverage.agency = periods.agency and coverage.period = periods.period
    union
    select distinct slice_reviews.submission_id, slice_reviews.period
    from slice_reviews
    inner join periods on slice_reviews.agency = periods.agency and slice_reviews.period = periods.period
)

select
    submissions.submission_id,
    names.name_as_sent as file_name,
    submissions.status,
    submissions.received_at,
    files.period,
    slice_reviews.state
from files
inner join submissions on files.submission_id = submissions.submission_id
inner join submission_names as names on submissions.submission_id = names.submission_id
left join slice_reviews
    on files.submission_id = slice_reviews.submission_id and files.period = slice_reviews.period
order by files.period, submissions.received_at desc

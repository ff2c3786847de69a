-- Every file of a month, whatever became of it (rejected, duplicate, failed ones too): those that
-- covered the month, and those of an agency whose month could not be read from the file but was
-- named in it or in its name (int_unplaced_files). Newest first, under the agency's own file name.
with of_month as (
    select distinct submission_id from submission_coverage where period = $period
    union
    select submission_id from int_unplaced_files where period = $period
)

select
    submissions.submission_id,
    submissions.agency,
    names.name_as_sent as file_name,
    submissions.status,
    submissions.received_at,
    submissions.rows_read,
    submissions.rows_loaded,
    submissions.rows_rejected
from submissions
inner join of_month using (submission_id)
inner join submission_names as names on submissions.submission_id = names.submission_id
order by submissions.agency, submissions.received_at desc

-- Every file one agency sent (by any channel), newest first, under the name it gave it: what its own
-- page lists. Scoped by the agency: nothing of another's.
select
    submissions.submission_id,
    names.name_as_sent as file_name,
    submissions.status,
    submissions.received_at,
    submissions.rows_read,
    submissions.rows_loaded,
    submissions.rows_rejected,
    submissions.feedback_path is not null as has_feedback
from submissions
inner join submission_names as names on submissions.submission_id = names.submission_id
where submissions.agency = $agency
order by submissions.received_at desc
limit 200

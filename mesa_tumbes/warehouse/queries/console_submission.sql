-- One submission as the console shows it, under the name the agency gave its file.
select
    submissions.submission_id, agency, channel, names.name_as_sent as file_name, format, status, received_at,
    processed_at, rows_read, rows_loaded, rows_rejected, rows_warned, rows_excluded, duplicate_of, feedback_path
from submissions
inner join submission_names as names on submissions.submission_id = names.submission_id
where submissions.submission_id = $submission_id

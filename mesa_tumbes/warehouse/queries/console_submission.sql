-- One submission as the console shows it.
select
    submission_id, agency, channel, file_name, format, status, received_at, processed_at,
    rows_read, rows_loaded, rows_rejected, rows_warned, rows_excluded, duplicate_of, feedback_path
from submissions
where submission_id = $submission_id

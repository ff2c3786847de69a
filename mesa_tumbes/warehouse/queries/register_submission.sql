-- One row in the registry per received file (temporary table `incoming_records`, SubmissionRecord's
-- fields), and a file the pipeline failed on in an earlier run is no longer a failure.
insert into submissions (
    submission_id, agency, file_name, sha256, size_bytes, received_at, processed_at, status,
    rows_read, rows_loaded, rows_rejected, rows_warned, duplicate_of, feedback_path, format, rows_excluded,
    channel, named_period
)
select
    submission_id, agency, file_name, sha256, size_bytes, received_at, processed_at, status,
    rows_read, rows_loaded, rows_rejected, rows_warned, duplicate_of, feedback_path, format, rows_excluded,
    channel, named_period
from incoming_records;
delete from failures where submission_id in (select submission_id from incoming_records);

-- One row in the registry per received file. Parameters follow SubmissionRecord's fields.
insert into submissions (
    submission_id, agency, file_name, sha256, size_bytes, received_at, processed_at, status,
    rows_read, rows_loaded, rows_rejected, rows_warned, duplicate_of, feedback_path, format, rows_excluded,
    channel, named_period
)
values (
    $submission_id, $agency, $file_name, $sha256, $size_bytes, $received_at, $processed_at, $status,
    $rows_read, $rows_loaded, $rows_rejected, $rows_warned, $duplicate_of, $feedback_path, $format,
    $rows_excluded, $channel, $named_period
);

-- One more failed attempt on a submission: the first creates its row; from `max_attempts` on it is
-- set aside. Parameters follow FailureRecord's fields.
insert into failures (
    submission_id, agency, channel, file_name, sha256, size_bytes, received_at, attempts,
    first_failed_at, last_failed_at, step, error, set_aside, feedback_path, named_period
)
values (
    $submission_id, $agency, $channel, $file_name, $sha256, $size_bytes, $received_at, 1,
    $failed_at, $failed_at, $step, $error, 1 >= $max_attempts, $feedback_path, $named_period
)
on conflict (submission_id) do update set
    attempts = failures.attempts + 1,
    last_failed_at = excluded.last_failed_at,
    step = excluded.step,
    error = excluded.error,
    set_aside = failures.attempts + 1 >= $max_attempts,
    feedback_path = coalesce(excluded.feedback_path, failures.feedback_path)
returning attempts, set_aside

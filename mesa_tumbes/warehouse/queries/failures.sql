-- Every submission the pipeline failed on and has not loaded since, the latest first.
select submission_id, agency, channel, file_name, sha256, size_bytes, received_at, attempts,
       first_failed_at, last_failed_at, step, error, set_aside, feedback_path, named_period
from failures
order by last_failed_at desc

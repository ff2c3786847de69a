-- Every e-mailed feedback, the pending ones (failed, to retry) first.
select submission_id, agency, file_name, recipients, feedback_path, attempts, last_tried_at, delivered_at, last_error,
       message_key, sent_message_id, sent_subject
from deliveries
order by delivered_at is not null, last_tried_at desc

-- One attempt to e-mail a submission's feedback: delivered ($delivered_at set) or failed ($error).
insert into deliveries (
    submission_id, agency, file_name, recipients, feedback_path, attempts, last_tried_at, delivered_at, last_error,
    message_key, sent_message_id, sent_subject
)
values (
    $submission_id, $agency, $file_name, $recipients, $feedback_path, 1, $tried_at, $delivered_at, $error, $message_key,
    $sent_message_id, $sent_subject
)
on conflict (submission_id) do update set
    attempts = deliveries.attempts + 1,
    recipients = excluded.recipients,
    feedback_path = excluded.feedback_path,
    last_tried_at = excluded.last_tried_at,
    delivered_at = excluded.delivered_at,
    last_error = excluded.last_error,
    message_key = excluded.message_key,
    sent_message_id = coalesce(excluded.sent_message_id, deliveries.sent_message_id),
    sent_subject = coalesce(excluded.sent_subject, deliveries.sent_subject)

-- Where a message about a submission goes: the name the agency gave its file and its thread: the
-- agency's own message when the file came by mail, else the feedback e-mail the Mesa sent about it
-- (subject, Message-ID, References).
select
    names.name_as_sent as file_name,
    coalesce(mail_messages.subject, deliveries.sent_subject, '') as subject,
    coalesce(mail_messages.message_id, deliveries.sent_message_id, '') as message_id,
    coalesce(mail_messages.thread_references, '') as thread_references
from submissions
inner join submission_names as names on submissions.submission_id = names.submission_id
left join mail_files
    on submissions.channel = mail_files.channel and submissions.file_name = mail_files.relative_path
left join mail_messages on mail_files.message_key = mail_messages.message_key
left join deliveries on submissions.submission_id = deliveries.submission_id
where submissions.submission_id = $submission_id
limit 1

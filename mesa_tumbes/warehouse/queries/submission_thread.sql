-- Where a message about a submission goes: the name the agency gave its file and, when it came by
-- mail, the thread of its message (subject, Message-ID, References).
select
    coalesce(mail_files.file_name, submissions.file_name) as file_name,
    coalesce(mail_messages.subject, '') as subject,
    coalesce(mail_messages.message_id, '') as message_id,
    coalesce(mail_messages.thread_references, '') as thread_references
from submissions
left join deliveries on submissions.submission_id = deliveries.submission_id
left join mail_messages on deliveries.message_key = mail_messages.message_key
left join mail_files
    on deliveries.message_key = mail_files.message_key and submissions.file_name = mail_files.relative_path
where submissions.submission_id = $submission_id
limit 1

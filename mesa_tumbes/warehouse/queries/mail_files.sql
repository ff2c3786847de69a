-- The files mailbox messages brought, with their messages.
select f.channel, f.relative_path, f.file_name, m.message_key, m.mailbox, m.message_uid, m.agency, m.sender,
       m.subject, m.message_id, m.thread_references, m.not_tables, m.received_at, m.raw_sha256,
       m.sender_verified
from mail_files as f
join mail_messages as m using (message_key)

-- Mailbox messages not loaded, the latest first.
select notice_id, mailbox, message_uid, kind, sender, subject, agency, detail, received_at, noticed_at,
       answered_at, last_error, message_id, thread_references, raw_sha256
from mail_notices
order by received_at desc

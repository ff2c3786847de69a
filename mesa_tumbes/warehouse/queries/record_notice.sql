-- A mailbox message that did not become a submission, recorded once.
insert into mail_notices (
    notice_id, mailbox, message_uid, kind, sender, subject, agency, detail, received_at, noticed_at, message_id,
    thread_references, raw_sha256
)
values (
    $notice_id, $mailbox, $message_uid, $kind, $sender, $subject, $agency, $detail, $received_at, now(),
    $message_id, $thread_references, $raw_sha256
)
on conflict do nothing

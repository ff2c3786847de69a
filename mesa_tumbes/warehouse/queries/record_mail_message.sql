-- A mailbox message whose tables were taken (again after a crash: the same row).
insert into mail_messages (
    message_key, mailbox, message_uid, agency, sender, subject, message_id, thread_references, not_tables,
    received_at, taken_at, raw_sha256, sender_verified
)
values (
    $message_key, $mailbox, $message_uid, $agency, $sender, $subject, $message_id, $thread_references,
    $not_tables, $received_at, now(), $raw_sha256, $sender_verified
)
on conflict do nothing

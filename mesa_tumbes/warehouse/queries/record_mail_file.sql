-- A file a mailbox message brought: its spool name and the name the agency gave it.
insert into mail_files (channel, relative_path, message_key, file_name)
values ($channel, $relative_path, $message_key, $file_name)
on conflict do nothing

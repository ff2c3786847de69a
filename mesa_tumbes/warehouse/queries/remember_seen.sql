insert into inbox_seen (channel, file_name, size_bytes, received_at, submission_id, seen_at)
values ($channel, $file_name, $size_bytes, $received_at, $submission_id, now())
on conflict do nothing

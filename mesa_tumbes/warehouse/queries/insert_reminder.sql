insert into reminders (agency, period, indicator, kind, due_date, status, written_at, outbox_path, notified)
values ($agency, $period, $indicator, $kind, $due_date, $status, $written_at, $outbox_path, $notified)
on conflict do nothing

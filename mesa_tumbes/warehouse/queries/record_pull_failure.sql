-- A pull of a source failed: its error kept (never a credential), its cursor left where it was.
insert into source_state (source, kind, last_error, failed_at)
values ($source, $kind, $error, now())
on conflict (source) do update set last_error = excluded.last_error, failed_at = excluded.failed_at

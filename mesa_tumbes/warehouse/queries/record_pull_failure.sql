-- A pull of a source failed: why ($fault, a code; $error, the server's words, never a credential),
-- its cursor left where it was.
insert into source_state (source, kind, last_error, last_fault, failed_at)
values ($source, $kind, $error, $fault, now())
on conflict (source) do update set
    last_error = excluded.last_error, last_fault = excluded.last_fault, failed_at = excluded.failed_at

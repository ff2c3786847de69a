-- A pull of a source completed: its cursor moves on, its last error is cleared.
insert into source_state (source, kind, cursor, pulled_at, records_pulled, last_error, failed_at)
values ($source, $kind, $cursor, now(), $records_pulled, null, null)
on conflict (source) do update set
    cursor = excluded.cursor,
    pulled_at = excluded.pulled_at,
    records_pulled = excluded.records_pulled,
    last_error = null,
    failed_at = null

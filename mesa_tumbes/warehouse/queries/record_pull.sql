-- A pull of a source completed: its cursor moves on, its last error is cleared; a full pull's time
-- is kept ($full).
insert into source_state (source, kind, cursor, pulled_at, records_pulled, last_error, failed_at, full_pulled_at)
values ($source, $kind, $cursor, now(), $records_pulled, null, null, case when $full then now() end)
on conflict (source) do update set
    cursor = excluded.cursor,
    pulled_at = excluded.pulled_at,
    records_pulled = excluded.records_pulled,
    last_error = null,
    last_fault = null,
    failed_at = null,
    full_pulled_at = coalesce(excluded.full_pulled_at, source_state.full_pulled_at)

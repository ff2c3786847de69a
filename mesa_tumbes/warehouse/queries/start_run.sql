insert into runs (run_id, flow, started_at, state)
values ($run_id, $flow, $started_at, 'running')
on conflict (run_id) do update set started_at = excluded.started_at, state = 'running', finished_at = null

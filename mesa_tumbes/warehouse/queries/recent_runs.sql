-- The latest runs of each flow, newest first.
select run_id, flow, started_at, finished_at, state, files_processed, files_skipped, files_failed,
       failed_files, unreachable_inboxes, message
from runs
qualify row_number() over (partition by flow order by started_at desc) <= $per_flow
order by started_at desc

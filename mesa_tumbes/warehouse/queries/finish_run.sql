update runs set
    finished_at = $finished_at,
    state = $state,
    files_processed = $files_processed,
    files_skipped = $files_skipped,
    files_failed = $files_failed,
    failed_files = $failed_files,
    unreachable_inboxes = $unreachable_inboxes,
    message = $message
where run_id = $run_id

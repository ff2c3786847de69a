-- The audit trail, newest first ($agency: one agency's, or all when null).
select
    decided_at, officer, action, agency, period, submission_id, replaced_submission_id,
    state_before, state_after, comment, value_before, value_after
from review_decisions
where $agency is null or agency = $agency
order by decided_at desc
limit $limit

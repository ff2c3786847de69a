-- A decision's new state; the version grows so that a decision on the old one is refused.
update slice_reviews
set state = $state, reason = $reason, version = version + 1, updated_at = now()
where agency = $agency and period = $period and submission_id = $submission_id

-- The submission's review state in each agency-period slice it brings values for (view
-- `incoming_rows`), decided before it claims them: held when the slice is approved and the rule does
-- not approve revisions on arrival (a proposed revision, until the officer accepts it), else what the
-- rule gave it ($state: approved or pending; $reason: why it waits, or the rule that approved it).
insert into slice_reviews (agency, period, submission_id, state, reason, version, updated_at)
select
    incoming.agency,
    incoming.period,
    $submission_id,
    case when states.review_state = 'approved' and not $approve_revisions then 'held' else $state end,
    case when states.review_state = 'approved' and not $approve_revisions then 'revision' else $reason end,
    1,
    now()
from (select distinct agency, period from incoming_rows) as incoming
left join slice_states as states
    on incoming.agency = states.agency and incoming.period = states.period
on conflict do nothing;

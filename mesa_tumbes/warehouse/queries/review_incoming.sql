-- Each loading submission's review state in each agency-period slice it brings values for (view
-- `incoming_rows`), decided before it claims them: held when the slice is approved and the rule does
-- not approve revisions on arrival (a proposed revision, until the officer accepts it), else what the
-- rule gave it (load_state: approved or pending; load_reason: why it waits, or the rule that
-- approved it). No two submissions loading together share a slice (warehouse.store._apart).
insert into slice_reviews (agency, period, submission_id, state, reason, version, updated_at)
select
    incoming.agency,
    incoming.period,
    incoming.load_submission_id,
    case
        when states.review_state = 'approved' and not incoming.load_approve_revisions then 'held'
        else incoming.load_state
    end,
    case
        when states.review_state = 'approved' and not incoming.load_approve_revisions then 'revision'
        else incoming.load_reason
    end,
    1,
    now()
from (
    select distinct agency, period, load_submission_id, load_state, load_reason, load_approve_revisions
    from incoming_rows
) as incoming
left join slice_states as states
    on incoming.agency = states.agency and incoming.period = states.period
on conflict do nothing;

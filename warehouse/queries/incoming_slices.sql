-- The agency-period slices the submission's rows (view `incoming_rows`) bring values for, and
-- whether each is locked: its current submission is approved, so a new file only proposes a revision.
create or replace temp table incoming_slices as
select distinct
    incoming.agency,
    incoming.period,
    coalesce(states.review_state = 'approved', false) as locked
from incoming_rows as incoming
left join slice_states as states
    on incoming.agency = states.agency and incoming.period = states.period;

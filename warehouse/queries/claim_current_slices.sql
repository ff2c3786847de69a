-- The submission becomes the current version of each agency-period slice it covers, unless a
-- submission received later already holds that slice (files may be processed out of order), or the
-- slice is approved and the review rule does not approve revisions on arrival (it is then held as a
-- proposed revision until the officer accepts it: review_incoming.sql).
insert into current_slices (agency, period, submission_id, received_at)
select agency, period, $submission_id, $received_at
from incoming_slices
where not locked or $approve_revisions
on conflict (agency, period) do update
    set submission_id = excluded.submission_id, received_at = excluded.received_at
    where excluded.received_at >= current_slices.received_at;

-- The submission becomes the current version of each agency-period slice it covers, unless a
-- submission received later already holds that slice (files may be processed out of order).
insert into current_slices (agency, period, submission_id, received_at)
select distinct agency, period, $submission_id, $received_at
from incoming_rows
on conflict (agency, period) do update
    set submission_id = excluded.submission_id, received_at = excluded.received_at
    where excluded.received_at >= current_slices.received_at;

-- An accepted revision becomes the slice's current submission; the one it replaces ($replaced) is
-- superseded.
update slice_reviews
set state = 'superseded', version = version + 1, updated_at = now()
where agency = $agency and period = $period and submission_id = $replaced;

insert into current_slices (agency, period, submission_id, received_at)
select $agency, $period, submission_id, received_at
from submissions
where submission_id = $submission_id
on conflict (agency, period) do update
    set submission_id = excluded.submission_id, received_at = excluded.received_at;

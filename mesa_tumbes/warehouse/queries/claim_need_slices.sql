-- Each loading submission becomes the current version of each year and measure it covers, unless a
-- submission received later already holds it.
insert into current_need_slices (agency, year, measure, submission_id, received_at)
select distinct load_agency, year, measure, load_submission_id, load_received_at
from incoming_rows
on conflict (agency, year, measure) do update
    set submission_id = excluded.submission_id, received_at = excluded.received_at
    where excluded.received_at >= current_need_slices.received_at;

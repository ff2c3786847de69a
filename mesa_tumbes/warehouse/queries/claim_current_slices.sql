-- Each loading submission becomes the current version of each slice it brings values for and is not
-- held for (review_incoming.sql), unless a submission received later already holds that slice (files
-- may be processed out of order).
insert into current_slices (agency, period, submission_id, received_at)
select reviews.agency, reviews.period, reviews.submission_id, loading.received_at
from slice_reviews as reviews
join loading_submissions as loading on reviews.submission_id = loading.submission_id
where reviews.state <> 'held'
on conflict (agency, period) do update
    set submission_id = excluded.submission_id, received_at = excluded.received_at
    where excluded.received_at >= current_slices.received_at;

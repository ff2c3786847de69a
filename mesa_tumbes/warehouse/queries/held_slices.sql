-- Whether an agency holds current values, received no later than $received_at, for any of the
-- periods $periods: only then can a new submission take values away (slice_losses.sql says which).
select count(*)
from current_slices
where agency = $agency and received_at <= $received_at and list_contains($periods, period)

-- The slices of the agencies $agencies whose figures are approved (published) now: a new file for
-- one of them proposes a revision, which waits for the officer unless the rule approves revisions.
select agency, period
from slice_states
where review_state = 'approved' and list_contains($agencies, agency)

-- One review row's state and version, as a decision on it must find them.
select state, version
from slice_reviews
where agency = $agency and period = $period and submission_id = $submission_id

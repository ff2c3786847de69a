-- What is published for one agency-period slice: the sum of its approved current values (null when
-- nothing is).
select sum(observations.value)
from observations
inner join slice_states
    on observations.submission_id = slice_states.submission_id
    and observations.agency = slice_states.agency
    and observations.period = slice_states.period
where slice_states.agency = $agency and slice_states.period = $period
    and slice_states.review_state = 'approved'

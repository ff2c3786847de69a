-- What is published for one agency-period slice, per indicator (int_submission_indicators), as the
-- slice stands now in this transaction: the figures of its current submission when approved (no
-- rows when nothing is).
select figures.indicator, figures.people
from int_submission_indicators as figures
inner join slice_states
    on figures.submission_id = slice_states.submission_id
    and figures.agency = slice_states.agency
    and figures.period = slice_states.period
where slice_states.agency = $agency and slice_states.period = $period
    and slice_states.review_state = 'approved'
order by figures.indicator

-- One agency's published figures per indicator and month since $since (the people of the group total,
-- summed over the areas it reported: the figure the review approved), for its own page.
select figures.period, figures.indicator, figures.people
from int_submission_indicators as figures
inner join slice_states
    on figures.submission_id = slice_states.submission_id
    and figures.agency = slice_states.agency
    and figures.period = slice_states.period
where slice_states.agency = $agency and slice_states.review_state = 'approved'
    and figures.period >= $since and length(figures.period) = 7
order by figures.indicator, figures.period

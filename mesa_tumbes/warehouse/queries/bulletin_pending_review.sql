-- The agencies whose figures for the month wait for review (or were returned): the bulletin leaves
-- them out and says so.
select agency, review_state
from stg_slices
where period = $period and review_state <> 'approved'
order by agency

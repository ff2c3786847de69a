-- Every current agency-period slice: what a full build recomputes.
select agency, period, left(period, 4) as year
from current_slices
order by agency, period

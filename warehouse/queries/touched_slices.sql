-- The agency-period slices whose current submission changed since the last build: new slices,
-- replaced ones and (should one ever go) removed ones. `year` lets yearly models take them too.
with now_current as (
    select agency, period, submission_id from current_slices
),

last_built as (
    select agency, period, submission_id from build_slices
),

changed as (
    (select * from now_current except select * from last_built)
    union
    (select * from last_built except select * from now_current)
)

select distinct agency, period, left(period, 4) as year
from changed
order by agency, period

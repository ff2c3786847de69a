-- The agency-period slices whose current submission, review state or held revisions changed since
-- the last build: new slices, replaced, approved, returned or reopened ones, revisions held, accepted
-- or declined, and (should one ever go) removed ones. `year` lets yearly models take them too.
with now_current as (
    select agency, period, submission_id, review_state, held from slice_build_keys
),

last_built as (
    select agency, period, submission_id, coalesce(review_state, 'approved'), coalesce(held, '') from build_slices
),

changed as (
    (select * from now_current except select * from last_built)
    union
    (select * from last_built except select * from now_current)
)

select distinct agency, period, left(period, 4) as year
from changed
order by agency, period

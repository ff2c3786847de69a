-- The build's own facts: the day it is as of, the Mesa's time zone (deadlines are days there),
-- the region, and how the intersector figure is made (operations.yaml, gaps.intersector).
select
    cast(as_of as date) as as_of,
    department,
    department_name,
    first_period,
    timezone,
    intersector_model
from ref_build

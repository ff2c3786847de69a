-- The build's own facts: the day it is as of, the Mesa's time zone (deadlines are days there),
-- and the region.
select
    cast(as_of as date) as as_of,
    department,
    department_name,
    first_period,
    timezone
from ref_build

-- The build's own facts: the day it is as of, and the region.
select
    cast(as_of as date) as as_of,
    department,
    department_name,
    first_period
from ref_build

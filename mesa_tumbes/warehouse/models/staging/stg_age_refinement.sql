-- Which age band is part of which (reference data, transitively closed).
select
    parent as parent_age,
    child as child_age
from ref_age_refinement

-- Population groups of the gap tables (reference data).
select
    group_code,
    group_kind,
    sex,
    coarse_age,
    name_es as group_name_es,
    name_en as group_name_en,
    sort_order
from ref_groups

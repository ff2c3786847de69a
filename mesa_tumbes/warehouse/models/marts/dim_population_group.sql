-- The population groups of the gap tables.
select
    group_code,
    group_kind,
    sex,
    coarse_age,
    group_name_es,
    group_name_en,
    sort_order
from stg_groups

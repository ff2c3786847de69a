-- The region's districts (reference data).
select
    inei as district,
    reniec as district_reniec,
    name as district_name,
    province_inei as province,
    province_name
from ref_districts

-- The region's districts, with their province and R4V's code for it.
select
    district,
    district_name,
    province,
    province_name,
    'PE' || province as r4v_province_code,
    district_reniec
from stg_districts

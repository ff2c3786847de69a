-- RMRP subsectors (reference data).
select
    name as sector,
    name_es as sector_es,
    sensitive as is_sensitive,
    r4v_name
from ref_sectors

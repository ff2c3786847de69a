-- The indicator catalogue (reference data).
select
    code as indicator,
    sector,
    role,
    unit,
    name_es as indicator_name_es,
    name_en as indicator_name_en,
    pairs_with,
    frequency,
    sector_reach as is_sector_reach,
    r4v_type,
    reach_reason_es,
    reach_reason_en
from ref_indicators

-- The month's territorial gaps, for the console's map: each district and sector with need, and
-- whether a service was reported there (gap_territorial).
select district, district_name, sector, sector_es, period, gap_status, is_service_desert,
    agencies_in_district, agencies_in_wider_area
from gap_territorial
where period = $period
order by district, sector

-- Who reports in a district in a month: each agency with figures placed in the district (published,
-- fct_indicator_groups), the sectors and indicators they cover. No counts: the page says who, not how many.
select
    agency,
    any_value(agency_name) as agency_name,
    string_agg(distinct sector_es, ', ' order by sector_es) as sectors,
    string_agg(distinct indicator, ', ' order by indicator) as indicators
from fct_indicator_groups
where area_code = $district and period = $period
group by agency
order by agency

-- Every record a source holds for one agency and month, in the order of their ids.
select record_id, fields
from source_records
where source = $source and agency = $agency and period = $period
order by record_id

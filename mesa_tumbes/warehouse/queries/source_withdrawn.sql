-- After a full pull (view `incoming_records`: every record the source holds now), the kept records
-- it no longer holds (deleted at the source), with the agency-period groups they belonged to.
select record_id, agency, period
from source_records
where source = $source
    and record_id not in (select record_id from incoming_records)

-- The kept records a full pull no longer found: deleted at the source, withdrawn from their months.
delete from source_records
where source = $source
    and record_id not in (select record_id from incoming_records)

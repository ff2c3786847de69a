-- The incoming records (view `incoming_records`) that are new or whose content changed since they
-- were last pulled (and which were new), with the agency-period groups they belonged to before (an edit may move a
-- record to another month or partner: both groups are written again).
select
    incoming_records.agency,
    incoming_records.period,
    kept.agency as agency_before,
    kept.period as period_before,
    kept.record_id is null as is_new
from incoming_records
left join source_records as kept
    on kept.source = $source and kept.record_id = incoming_records.record_id
where kept.record_id is null or kept.content_sha256 <> incoming_records.content_sha256

-- The incoming records (view `incoming_records`) kept: new ones added, changed ones replaced.
insert into source_records (source, record_id, agency, period, fields, content_sha256, edited_at, pulled_at)
select $source, record_id, agency, period, fields, content_sha256, edited_at, now()
from incoming_records
on conflict (source, record_id) do update set
    agency = excluded.agency,
    period = excluded.period,
    fields = excluded.fields,
    content_sha256 = excluded.content_sha256,
    edited_at = excluded.edited_at,
    pulled_at = excluded.pulled_at

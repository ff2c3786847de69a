-- Files a run need not read again: registered ones, ones set aside after failing (until the
-- officer asks for a retry), and registered bytes seen again under a new time or size.
select coalesce(channel, agency) as channel, file_name, size_bytes, received_at
from submissions
union all
select coalesce(channel, agency), file_name, size_bytes, received_at
from failures
where set_aside
union all
select channel, file_name, size_bytes, received_at
from inbox_seen

-- Files a run need not read again: registered ones, and ones set aside after failing (until the
-- officer asks for a retry).
select coalesce(channel, agency) as channel, file_name, size_bytes, received_at
from submissions
union all
select coalesce(channel, agency), file_name, size_bytes, received_at
from failures
where set_aside

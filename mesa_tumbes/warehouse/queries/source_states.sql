-- Each source's last pull, for `mesa status`.
select source, kind, pulled_at, records_pulled, last_error, failed_at, last_fault, full_pulled_at
from source_state
order by source

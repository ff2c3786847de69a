-- The periods and indicators each submission covered (temporary table `incoming_coverage`).
insert into submission_coverage (submission_id, agency, period, indicator, rows_read, rows_loaded)
select submission_id, agency, period, indicator, rows_read, rows_loaded
from incoming_coverage;

-- When a decision last changed what is published for a month (its figures before and after differ):
-- a bulletin written before that is out of date.
select max(decided_at)
from review_decisions
where period = $period
    and (value_before is distinct from value_after)

-- The earliest submission of the same bytes by the same agency (duplicates point to it).
select *
from submissions
where agency = $agency and sha256 = $sha256 and status <> 'duplicate'
order by processed_at
limit 1;

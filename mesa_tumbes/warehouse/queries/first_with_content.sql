-- The earliest submission of the same bytes by the same agency (duplicates point to it), under the
-- name the agency gave it (an e-mail's attachment: its name in the message, not the spool's).
select s.* replace (coalesce(f.file_name, s.file_name) as file_name)
from submissions as s
left join mail_files as f on f.channel = s.channel and f.relative_path = s.file_name
where s.agency = $agency and s.sha256 = $sha256 and s.status <> 'duplicate'
order by s.processed_at
limit 1;

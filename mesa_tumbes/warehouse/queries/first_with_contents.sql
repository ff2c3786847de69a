-- For each agency and bytes asked about ($agencies and $hashes, pairwise), the earliest submission of
-- the same bytes by the same agency (duplicates point to it), under the name the agency gave it (an
-- e-mail's attachment: its name in the message, not the spool's). One query for a round's files.
with asked as (
    select distinct
        unnest($agencies::varchar[]) as agency,
        unnest($hashes::varchar[]) as sha256
)

select s.* replace (coalesce(f.file_name, s.file_name) as file_name)
from submissions as s
inner join asked on asked.agency = s.agency and asked.sha256 = s.sha256
left join mail_files as f on f.channel = s.channel and f.relative_path = s.file_name
where s.status <> 'duplicate'
qualify row_number() over (partition by s.agency, s.sha256 order by s.processed_at, s.submission_id) = 1;

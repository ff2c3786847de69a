-- What the Mesa's officers told one agency (returns, questions, declined revisions), newest first.
select
    messages.recorded_at,
    messages.period,
    messages.action,
    messages.comment,
    messages.delivered_at,
    coalesce(names.name_as_sent, messages.submission_id) as file_name
from review_messages as messages
left join submission_names as names on messages.submission_id = names.submission_id
where messages.agency = $agency
order by messages.recorded_at desc
limit 100

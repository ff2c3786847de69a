-- What the Mesa's officers told one agency (returns, questions, declined revisions: the audit's
-- decisions that speak to it, mailed or not), newest first, each with the agency's answer: the first
-- file of that period it sent afterwards, if any. The officer's name stays in the audit.
select
    decisions.decided_at as recorded_at,
    decisions.period,
    decisions.action,
    decisions.comment,
    coalesce(names.name_as_sent, decisions.submission_id) as file_name,
    (
        select answer_names.name_as_sent
        from submissions as answers
        inner join submission_coverage as covered on answers.submission_id = covered.submission_id
        inner join submission_names as answer_names on answers.submission_id = answer_names.submission_id
        where answers.agency = decisions.agency
            and covered.period = decisions.period
            and answers.received_at > decisions.decided_at
        order by answers.received_at
        limit 1
    ) as answered_by
from review_decisions as decisions
left join submission_names as names on decisions.submission_id = names.submission_id
where decisions.agency = $agency and decisions.action in ('return', 'ask', 'decline')
order by decisions.decided_at desc
limit 100

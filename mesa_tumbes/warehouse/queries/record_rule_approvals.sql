-- The rule's approvals are decisions too: one audit line for each slice a submission was approved
-- for on arrival; its figures per indicator are added by the build that computes them
-- (record_rule_figures.sql). Written once after a round's loads (each line is found again from
-- slice_reviews if a run stopped before writing it).
insert into review_decisions
select
    uuid()::varchar,
    reviews.updated_at,
    'rule',
    'auto',
    reviews.agency,
    reviews.period,
    reviews.submission_id,
    null,
    'new',
    'approved',
    reviews.reason,
    null,
    null
from slice_reviews as reviews
where reviews.reason in ('clean', 'all')
    and not exists (
        select 1 from review_decisions as decisions
        where decisions.action = 'auto'
            and decisions.submission_id = reviews.submission_id
            and decisions.agency = reviews.agency
            and decisions.period = reviews.period
    );

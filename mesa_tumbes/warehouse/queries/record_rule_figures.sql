-- The figures of the rule's approvals, once the build has computed them (the rule approves on
-- arrival, before the figures exist): per indicator, what the approval published; a line whose
-- submission is no longer shown keeps none. Run inside the build's transaction.
insert into review_decision_figures
select decisions.decision_id, figures.indicator, null, figures.people
from review_decisions as decisions
inner join int_submission_indicators as figures
    on decisions.submission_id = figures.submission_id
    and decisions.agency = figures.agency
    and decisions.period = figures.period
where decisions.action = 'auto'
    and not exists (
        select 1 from review_decision_figures as kept where kept.decision_id = decisions.decision_id
    )

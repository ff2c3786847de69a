-- The audit trail, newest first ($agency: one agency's, or all when null), each decision with its
-- file and, per indicator, the published figure before and after it.
with figures as (
    select
        decision_figures.decision_id,
        list(
            {
                'indicator': decision_figures.indicator,
                'name_es': catalogue.indicator_name_es,
                'name_en': catalogue.indicator_name_en,
                'before': decision_figures.value_before,
                'after': decision_figures.value_after
            }
            order by decision_figures.indicator
        ) as figures
    from review_decision_figures as decision_figures
    left join stg_indicators as catalogue on decision_figures.indicator = catalogue.indicator
    group by decision_figures.decision_id
)

select
    decisions.decision_id, decisions.decided_at, decisions.officer, decisions.action, decisions.agency,
    decisions.period, decisions.submission_id, decisions.replaced_submission_id, decisions.state_before,
    decisions.state_after, decisions.comment, decisions.value_before, decisions.value_after,
    names.name_as_sent as file_name,
    coalesce(figures.figures, []) as figures
from review_decisions as decisions
left join submission_names as names on decisions.submission_id = names.submission_id
left join figures on decisions.decision_id = figures.decision_id
where $agency is null or decisions.agency = $agency
order by decisions.decided_at desc
limit $limit

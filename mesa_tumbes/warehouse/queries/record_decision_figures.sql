-- One indicator's published figure before and after a decision.
insert into review_decision_figures values ($id, $indicator, $before, $after)

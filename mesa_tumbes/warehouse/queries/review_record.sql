-- The decision's audit line (never updated nor deleted).
insert into review_decisions values (
    $id, now(), $officer, $action, $agency, $period, $submission_id, $replaced,
    $before_state, $after_state, $comment, $before, $after
)

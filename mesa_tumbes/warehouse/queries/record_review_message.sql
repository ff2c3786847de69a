-- What a decision tells the agency, recorded with the decision (sent afterwards, retried until it goes).
insert into review_messages (decision_id, agency, period, submission_id, action, comment, recipients, recorded_at)
values ($id, $agency, $period, $submission_id, $action, $comment, $recipients, now())

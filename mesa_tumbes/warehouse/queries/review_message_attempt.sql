-- One attempt to send a decision's message: delivered ($delivered_at set) or failed ($error).
update review_messages set
    attempts = attempts + 1,
    last_tried_at = now(),
    delivered_at = $delivered_at,
    last_error = $error
where decision_id = $id

-- The decisions' messages to agencies, oldest first; with $waiting, only those still to send that have
-- an address to go to.
select
    decision_id, agency, period, submission_id, action, comment, recipients, recorded_at, attempts,
    last_tried_at, delivered_at, last_error
from review_messages
where not $waiting or (delivered_at is null and recipients <> '')
order by recorded_at

-- The staged rows of the submissions loading (`{staged}`: the round's staged table of what they
-- load), each with its submission's columns from `loading_submissions`, named load_*.
create or replace temp view incoming_rows as
select
    staged.* exclude (staged_submission),
    loading.submission_id as load_submission_id,
    loading.agency as load_agency,
    loading.received_at as load_received_at,
    loading.state as load_state,
    loading.reason as load_reason,
    loading.approve_revisions as load_approve_revisions
from {staged} as staged
join loading_submissions as loading on staged.staged_submission = loading.position

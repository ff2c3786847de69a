-- The submission's review state in each slice it brought values for (after claim_current_slices):
-- held when it proposes a revision of an approved slice, superseded when a later file already holds
-- the slice, else what the rule gave it ($state: approved or pending, $reason: why it waits).
insert into slice_reviews (agency, period, submission_id, state, reason, version, updated_at)
select
    incoming.agency,
    incoming.period,
    $submission_id,
    case
        when incoming.locked and not $approve_revisions then 'held'
        when current_slices.submission_id <> $submission_id then 'superseded'
        else $state
    end,
    case when incoming.locked and not $approve_revisions then 'revision' else $reason end,
    1,
    now()
from incoming_slices as incoming
left join current_slices
    on incoming.agency = current_slices.agency and incoming.period = current_slices.period
on conflict do nothing;

-- What the submission replaced in those slices is superseded; so is an older proposed revision
-- when a newer one arrives.
update slice_reviews
set state = 'superseded', version = slice_reviews.version + 1, updated_at = now()
from incoming_slices as incoming, current_slices
where slice_reviews.agency = incoming.agency
    and slice_reviews.period = incoming.period
    and current_slices.agency = incoming.agency
    and current_slices.period = incoming.period
    and slice_reviews.submission_id <> $submission_id
    and (
        (slice_reviews.state in ('pending', 'approved', 'returned')
            and slice_reviews.submission_id <> current_slices.submission_id)
        or (slice_reviews.state = 'held' and incoming.locked and not $approve_revisions)
    );

-- The rule's approvals are decisions too: one audit line per slice approved on arrival.
insert into review_decisions
select
    uuid()::varchar,
    now(),
    'rule',
    'auto',
    reviews.agency,
    reviews.period,
    reviews.submission_id,
    null,
    'new',
    'approved',
    $reason,
    null,
    (select sum(value) from incoming_rows
     where incoming_rows.agency = reviews.agency and incoming_rows.period = reviews.period)
from slice_reviews as reviews
inner join incoming_slices as incoming
    on reviews.agency = incoming.agency and reviews.period = incoming.period
where reviews.submission_id = $submission_id and reviews.state = 'approved' and reviews.version = 1;

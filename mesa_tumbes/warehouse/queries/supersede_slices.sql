-- In the slices the submission brought values for, what no longer holds them is superseded: what it
-- replaced, itself when a file received later holds the slice, and an older proposed revision when
-- this one is a newer proposal.
update slice_reviews
set state = 'superseded', version = slice_reviews.version + 1, updated_at = now()
from current_slices
where slice_reviews.agency = current_slices.agency
    and slice_reviews.period = current_slices.period
    and (slice_reviews.agency, slice_reviews.period) in (
        select agency, period from slice_reviews where submission_id = $submission_id
    )
    and slice_reviews.submission_id <> current_slices.submission_id
    and (
        slice_reviews.state in ('pending', 'approved', 'returned')
        or (
            slice_reviews.state = 'held'
            and slice_reviews.submission_id <> $submission_id
            and exists (
                select 1 from slice_reviews as newer
                where newer.submission_id = $submission_id
                    and newer.agency = slice_reviews.agency
                    and newer.period = slice_reviews.period
                    and newer.state = 'held'
            )
        )
    );

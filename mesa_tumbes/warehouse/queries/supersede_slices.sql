-- In the slices the loading submissions brought values for, what no longer holds them is superseded:
-- what one replaced, itself when a file received later holds the slice, and an older proposed
-- revision when the loading one is a newer proposal (one loading submission per slice).
update slice_reviews
set state = 'superseded', version = slice_reviews.version + 1, updated_at = now()
from current_slices
where slice_reviews.agency = current_slices.agency
    and slice_reviews.period = current_slices.period
    and (slice_reviews.agency, slice_reviews.period) in (
        select agency, period from slice_reviews
        where submission_id in (select submission_id from loading_submissions)
    )
    and slice_reviews.submission_id <> current_slices.submission_id
    and (
        slice_reviews.state in ('pending', 'approved', 'returned')
        or (
            slice_reviews.state = 'held'
            and exists (
                select 1 from slice_reviews as newer
                join loading_submissions as loading on newer.submission_id = loading.submission_id
                where newer.submission_id <> slice_reviews.submission_id
                    and newer.agency = slice_reviews.agency
                    and newer.period = slice_reviews.period
                    and newer.state = 'held'
            )
        )
    );

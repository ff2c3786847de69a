-- The R4V 5W rows whose figures are published: those of each slice's current, approved submission,
-- with the catalogue's sector of their indicator and whether it counts people reached (R4V's "PiN"
-- indicator type: its consolidation adds up only those).
with rows as (
    select * from stg_five_w_rows
),

slices as (
    select * from stg_slices
    where review_state = 'approved'
),

indicators as (
    select * from stg_indicators
),

final as (
    select
        rows.*,
        indicators.sector,
        indicators.is_sector_reach as counts_people_reached
    from rows
    inner join slices
        on rows.submission_id = slices.submission_id
        and rows.agency = slices.agency
        and rows.period = slices.period
    inner join indicators on rows.indicator = indicators.indicator
)

select * from final

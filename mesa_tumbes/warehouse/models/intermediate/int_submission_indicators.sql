-- Per submission and indicator, the one figure the officer reads in the review queue and the audit:
-- everybody (the total group of int_submission_figures), added up over the areas the file reported.
-- Where a file reported an indicator at two levels (its districts and the whole department), each
-- level's sum counts the same people, and the larger is taken, as int_submission_figures does.
with figures as (
    select * from int_submission_figures
    where group_code = 'total'
),

by_level as (
    select
        submission_id, agency, period, indicator, sector, review_state, is_current, admin_level,
        sum(people) as people,
        count(*) as areas
    from figures
    group by all
),

final as (
    select
        submission_id, agency, period, indicator, sector, review_state, is_current,
        max(people) as people,
        arg_max(admin_level, people) as admin_level,
        arg_max(areas, people) as areas
    from by_level
    group by all
)

select * from final

-- What is published: one figure per agency x indicator x area x period x population group, from the
-- current, approved submission of each slice (the rule that makes a figure is
-- int_submission_figures'; a slice pending review is left out until the officer approves it).
with figures as (
    select * from int_submission_figures
    where is_current and review_state = 'approved'
),

final as (
    select
        agency, indicator, sector, role, is_sector_reach, format, area_code, admin_level, period,
        group_code, people, new_people, reach_basis
    from figures
)

select * from final

-- People reached in the year against the target, with the share of the year already elapsed.
with coverage as (
    select * from gap_coverage
    where period_kind = 'year_to_date' and admin_level = 'department'
),

need as (
    select * from int_need
),

months as (
    select * from int_months
),

-- The share of a year elapsed runs to its last month whose reports are due (a month is read once its
-- reports are due): at the start of December, with November's reports due on the 15th, ten of twelve.
due as (
    select left(period, 4) as year, coalesce(max(month(period_start)) filter (where is_reporting_due), 0) / 12.0 as share
    from months
    group by left(period, 4)
),

build as (
    select * from stg_build
),

elapsed as (
    select
        coverage.*,
        case
            when cast(coverage.year as integer) < year(build.as_of) then 1.0
            when cast(coverage.year as integer) > year(build.as_of) then 0.0
            else coalesce(due.share, 0.0)
        end as share_of_year_elapsed
    from coverage
    cross join build
    left join due on coverage.year = due.year
),

final as (
    select
        elapsed.sector,
        elapsed.sector_es,
        elapsed.area_code,
        elapsed.area_pcode,
        elapsed.area_name,
        elapsed.year,
        period_start(elapsed.year) as period_start,
        period_end(elapsed.year) as period_end,
        elapsed.group_code,
        elapsed.people_reached,
        elapsed.reached_basis,
        need.target_people,
        round(elapsed.share_of_year_elapsed, 3) as share_of_year_elapsed,
        round(need.target_people * elapsed.share_of_year_elapsed, 0) as expected_by_now,
        case
            when need.target_people > 0 and elapsed.people_reached is not null
                then round(100 * elapsed.people_reached / need.target_people, 1)
        end as target_pct,
        case
            when need.target_people is null then 'no_target'
            when elapsed.people_reached is null then 'no_service_reported'
            when elapsed.people_reached >= need.target_people * elapsed.share_of_year_elapsed then 'on_track'
            else 'behind'
        end as status
    from elapsed
    left join need
        on elapsed.area_code = need.area_code
        and elapsed.sector = need.sector
        and elapsed.year = need.year
        and elapsed.group_code = need.group_code
)

select * from final

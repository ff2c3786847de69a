-- Identified against attended for the catalogue's paired indicators (TRA-01 and TRA-02, VBG-01 and
-- VBG-02), per area (as reported and rolled up to province and department) and period, added up
-- over agencies: the identifying and the attending agency are usually different ones.
with pairs as (
    select
        indicator as attended_indicator,
        pairs_with as identified_indicator
    from stg_indicators
    where pairs_with is not null
),

figures as (
    select * from int_indicator_groups
    -- Only the periods this build recomputes (every one in a full build).
    semi join build_partitions using (period)
    where group_code = 'total'
),

rollup as (
    select * from int_area_rollup
),

rolled as (
    select
        figures.indicator,
        rollup.rollup_code as area_code,
        rollup.rollup_level as admin_level,
        rollup.rollup_name as area_name,
        figures.period,
        sum(figures.people) as people,
        count(distinct figures.agency) as agencies
    from figures
    inner join rollup
        on figures.area_code = rollup.area_code
        and figures.admin_level = rollup.admin_level
    group by all
),

keys as (
    select distinct
        pairs.attended_indicator,
        pairs.identified_indicator,
        rolled.area_code,
        rolled.admin_level,
        rolled.area_name,
        rolled.period
    from pairs
    inner join rolled on rolled.indicator in (pairs.attended_indicator, pairs.identified_indicator)
),

final as (
    select
        keys.identified_indicator,
        keys.attended_indicator,
        keys.area_code,
        keys.area_name,
        keys.admin_level,
        keys.period,
        identified.people as people_identified,
        attended.people as people_attended,
        case
            when identified.people > 0 and attended.people is not null
                then round(100 * attended.people / identified.people, 1)
        end as attended_pct,
        case
            when identified.people is not null and attended.people is not null
                then identified.people - attended.people
        end as not_attended_people,
        case
            when identified.people is null then 'no_identified_figure'
            when identified.people = 0 then 'none_identified'
            when attended.people is null then 'no_attended_figure'
        end as reason
    from keys
    left join rolled as identified
        on keys.identified_indicator = identified.indicator
        and keys.area_code = identified.area_code
        and keys.period = identified.period
    left join rolled as attended
        on keys.attended_indicator = attended.indicator
        and keys.area_code = attended.area_code
        and keys.period = attended.period
)

select * from final

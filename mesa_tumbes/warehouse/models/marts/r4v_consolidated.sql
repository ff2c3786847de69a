-- R4V's consolidated report of the Mesa's 5W data, reproduced by R4V's published rule (the regional
-- team's RMRP consolidation script, R/3_consolidated_report.R): per platform, country, Admin1, month
-- and subsector, over the published 5W rows of RMRP activities (RMRPActivity = Yes; a file without
-- that column counts, as nothing says otherwise) of indicators that count people (R4V's "PiN" type):
-- - Monthly Total Beneficiaries: the sum of Total_monthly; Monthly CVA Beneficiaries: the same over
--   cash and voucher assistance rows (CVA = Yes);
-- - Consolidated figures: the sums of New_beneficiaries and of its breakdowns, cumulated over the
--   year's months (new people add up; a month's row is the year to date);
-- - Intersector: every sector added up (R4V's model 1, "sum", its script's default);
-- - R4V's three checks, as in RMRP_2022_AI_consolidated.xlsx: the population-type and the age-gender
--   breakdowns add up to the consolidated total, and CVA is not above it.
-- Every subsector of every month with figures appears (R4V's template), zero where nothing was reported.
with rows as (
    select * from int_five_w_published
    where counts_people_reached and is_rmrp_activity is not false
),

build as (
    select * from stg_build
),

sectors as (
    select sector, r4v_name from stg_sectors
    where sector not in ('Intersector', 'population')
),

months as (
    select distinct period from rows
),

by_sector as (
    select
        period,
        sector,
        sum(coalesce(total_monthly, 0)) as monthly_total,
        sum(coalesce(total_monthly, 0)) filter (where is_cva) as monthly_cva,
        sum(new_beneficiaries) as new_total,
        sum(coalesce(in_destination, 0)) as in_destination,
        sum(coalesce(in_transit, 0)) as in_transit,
        sum(coalesce(host_community, 0)) as host_community,
        sum(coalesce(pendular, 0)) as pendular,
        sum(coalesce(returnee, 0)) as returnee,
        sum(coalesce(girls, 0)) as girls,
        sum(coalesce(boys, 0)) as boys,
        sum(coalesce(women, 0)) as women,
        sum(coalesce(men, 0)) as men,
        sum(coalesce(other_under_18, 0)) as other_under_18,
        sum(coalesce(other_over_18, 0)) as other_over_18,
        sum(new_beneficiaries) filter (where is_cva) as new_cva
    from rows
    group by period, sector
),

-- R4V's template: every subsector of every month with figures, zero where nothing was reported.
grid as (
    select
        months.period,
        sectors.sector,
        coalesce(by_sector.monthly_total, 0) as monthly_total,
        coalesce(by_sector.monthly_cva, 0) as monthly_cva,
        coalesce(by_sector.new_total, 0) as new_total,
        coalesce(by_sector.in_destination, 0) as in_destination,
        coalesce(by_sector.in_transit, 0) as in_transit,
        coalesce(by_sector.host_community, 0) as host_community,
        coalesce(by_sector.pendular, 0) as pendular,
        coalesce(by_sector.returnee, 0) as returnee,
        coalesce(by_sector.girls, 0) as girls,
        coalesce(by_sector.boys, 0) as boys,
        coalesce(by_sector.women, 0) as women,
        coalesce(by_sector.men, 0) as men,
        coalesce(by_sector.other_under_18, 0) as other_under_18,
        coalesce(by_sector.other_over_18, 0) as other_over_18,
        coalesce(by_sector.new_cva, 0) as new_cva
    from months
    cross join sectors
    left join by_sector on months.period = by_sector.period and sectors.sector = by_sector.sector
),

with_intersector as (
    select * from grid
    union all
    select
        period,
        'Intersector' as sector,
        sum(monthly_total), sum(monthly_cva), sum(new_total), sum(in_destination), sum(in_transit),
        sum(host_community), sum(pendular), sum(returnee), sum(girls), sum(boys), sum(women), sum(men),
        sum(other_under_18), sum(other_over_18), sum(new_cva)
    from grid
    group by period
),

-- New people add up over the year's months: each month's consolidated figures are the year to date.
cumulated as (
    select
        period,
        sector,
        monthly_total,
        monthly_cva,
        sum(new_total) over year_to_date as consolidated_total,
        sum(in_destination) over year_to_date as consolidated_in_destination,
        sum(in_transit) over year_to_date as consolidated_in_transit,
        sum(host_community) over year_to_date as consolidated_host_communities,
        sum(pendular) over year_to_date as consolidated_pendular,
        sum(returnee) over year_to_date as consolidated_returnees,
        sum(girls) over year_to_date as consolidated_girls,
        sum(boys) over year_to_date as consolidated_boys,
        sum(women) over year_to_date as consolidated_women,
        sum(men) over year_to_date as consolidated_men,
        sum(other_under_18) over year_to_date as consolidated_other_under_18,
        sum(other_over_18) over year_to_date as consolidated_other_above_18,
        sum(new_cva) over year_to_date as consolidated_cva_beneficiaries
    from with_intersector
    window year_to_date as (partition by sector, left(period, 4) order by period)
),

final as (
    select
        'Peru' as platform,
        'Peru' as country,
        build.department_name as admin1,
        cumulated.period as month,
        period_start(cumulated.period) as period_start,
        period_end(cumulated.period) as period_end,
        coalesce(sectors.r4v_name, cumulated.sector) as subsector,
        cumulated.sector,
        cumulated.monthly_total as monthly_total_beneficiaries,
        cumulated.monthly_cva as monthly_cva_beneficiaries,
        cumulated.* exclude (period, sector, monthly_total, monthly_cva),
        case
            when cumulated.consolidated_total = 0
                or cumulated.consolidated_total = cumulated.consolidated_in_destination
                    + cumulated.consolidated_in_transit + cumulated.consolidated_host_communities
                    + cumulated.consolidated_pendular + cumulated.consolidated_returnees
                then 'Ok'
            else 'Check Population Type breakdown'
        end as check_poptype_breakdown,
        case
            when cumulated.consolidated_total = 0
                or cumulated.consolidated_total = cumulated.consolidated_girls + cumulated.consolidated_boys
                    + cumulated.consolidated_women + cumulated.consolidated_men
                    + cumulated.consolidated_other_under_18 + cumulated.consolidated_other_above_18
                then 'Ok'
            else 'Check AGD breakdown'
        end as check_agd_breakdown,
        case
            when cumulated.consolidated_cva_beneficiaries > cumulated.consolidated_total
                then 'CVA Value higher than total'
            else 'ok'
        end as check_cva_higher_total
    from cumulated
    cross join build
    left join sectors on cumulated.sector = sectors.sector
)

select * from final

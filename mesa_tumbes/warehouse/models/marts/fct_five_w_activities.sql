-- Who does what where (R4V's 3W/5W): each published 5W row, with the appealing organisation and the
-- partner that implemented it, the activity, the area, the month, cash assistance and its value,
-- and both of R4V's figures: the people reached in the month (Total_monthly) and those reached for
-- the first time in the year (New_beneficiaries), with its breakdowns.
with rows as (
    select * from int_five_w_published
),

agencies as (
    select * from stg_agencies
),

indicators as (
    select * from stg_indicators
),

sectors as (
    select * from stg_sectors
),

areas as (
    select * from int_area_rollup where area_code = rollup_code
),

final as (
    select
        rows.agency,
        agencies.agency_name,
        rows.appealing_org,
        nullif(trim(rows.implementing_partner), '') as implementing_partner,
        rows.period,
        period_start(rows.period) as period_start,
        period_end(rows.period) as period_end,
        rows.area_code,
        pcode(rows.area_code) as area_pcode,
        areas.rollup_name as area_name,
        area_label(areas.rollup_name, rows.admin_level) as area_label,
        rows.admin_level,
        rows.sector,
        coalesce(sectors.sector_es, rows.sector) as sector_es,
        rows.indicator,
        indicators.indicator_name_es,
        rows.r4v_indicator,
        rows.activity_name,
        rows.is_rmrp_activity,
        rows.is_cva,
        rows.cva_value,
        nullif(trim(rows.delivery_mechanism), '') as delivery_mechanism,
        rows.total_monthly,
        rows.new_beneficiaries,
        rows.in_destination,
        rows.in_transit,
        rows.host_community,
        rows.pendular,
        rows.returnee,
        rows.girls,
        rows.boys,
        rows.women,
        rows.men,
        rows.other_under_18,
        rows.other_over_18,
        rows.submission_id,
        rows.row_number
    from rows
    left join agencies on rows.agency = agencies.agency
    left join indicators on rows.indicator = indicators.indicator
    left join sectors on rows.sector = sectors.sector
    left join areas on rows.area_code = areas.area_code
)

select * from final

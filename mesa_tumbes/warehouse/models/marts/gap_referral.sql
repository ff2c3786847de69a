-- Identified against attended for the catalogue's paired indicators (int_referral), with p-codes,
-- the area's name with its level, the period's dates, and whether the period's reports are due and in.
with referral as (
    select * from int_referral
),

reports as (
    select * from int_period_reports
    where sector = 'all'
),

final as (
    select
        referral.identified_indicator,
        referral.attended_indicator,
        referral.area_code,
        pcode(referral.area_code) as area_pcode,
        referral.area_name,
        area_label(referral.area_name, referral.admin_level) as area_label,
        referral.admin_level,
        referral.period,
        period_start(referral.period) as period_start,
        period_end(referral.period) as period_end,
        referral.people_identified,
        referral.people_attended,
        referral.attended_pct,
        referral.not_attended_people,
        coalesce(reports.is_reporting_due, false) as is_reporting_due,
        coalesce(reports.reports_expected, 0) as reports_expected,
        coalesce(reports.reports_received, 0) as reports_received,
        referral.reason
    from referral
    left join reports on referral.period = reports.period
)

select * from final

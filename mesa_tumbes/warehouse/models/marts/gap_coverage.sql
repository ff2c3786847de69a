-- People reached against people in need, per sector, area, period and group (int_coverage), with
-- whether the period's reports can tell: a missing figure is a gap ("no_service_reported") only
-- where the period's reports are due and in; otherwise "not_due_yet" or "not_reported".
-- Need is known for the department only: district and province rows show the people reached and
-- no coverage (a district count is never divided by the department's need). A month carries its own
-- figure (an R4V 5W's Total_monthly, see reached_basis); a year-to-date row ('YYYY') carries R4V's
-- new beneficiaries added up over the year where those exist, or the year's largest period.
with coverage as (
    select * from int_coverage
),

reports as (
    select * from int_period_reports
),

final as (
    select
        coverage.sector,
        coverage.sector_es,
        coverage.area_code,
        pcode(coverage.area_code) as area_pcode,
        coverage.area_name,
        area_label(coverage.area_name, coverage.admin_level) as area_label,
        coverage.admin_level,
        coverage.period,
        period_start(coverage.period) as period_start,
        period_end(coverage.period) as period_end,
        coverage.period_kind,
        coverage.year,
        coverage.group_code,
        coverage.people_reached,
        coverage.reached_basis,
        coverage.agencies_reporting,
        coverage.people_in_need,
        coverage.need_level,
        coverage.coverage_pct,
        coverage.gap_people,
        coalesce(reports.is_reporting_due, false) as is_reporting_due,
        coalesce(reports.reports_expected, 0) as reports_expected,
        coalesce(reports.reports_received, 0) as reports_received,
        case
            when coverage.reason = 'no_service_reported' and not coalesce(reports.is_reporting_due, false)
                then 'not_due_yet'
            when coverage.reason = 'no_service_reported' and not coalesce(reports.is_reported, false)
                then 'not_reported'
            else coverage.reason
        end as reason
    from coverage
    left join reports on coverage.period = reports.period and coverage.sector = reports.sector
)

select * from final

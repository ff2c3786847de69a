-- The accepted need and target figures of the submissions loading (view `incoming_rows`).
insert into need_targets (
    submission_id, agency, row_number, sheet, year, measure, area, admin_level, sector, population_type,
    r4v_group, value
)
select
    load_submission_id,
    load_agency,
    row_number,
    sheet,
    year,
    measure,
    area,
    admin_level,
    sector,
    population_type,
    r4v_group,
    value
from incoming_rows;

-- The accepted rows of the submissions loading (view `incoming_rows`) into the history.
insert into observations (
    submission_id, row_number, agency, period, district, indicator, sex, age_group, population_type,
    admin_level, r4v_group, value
)
select
    load_submission_id,
    row_number,
    agency,
    period,
    district,
    indicator,
    sex,
    age_group,
    population_type,
    admin_level,
    r4v_group,
    value
from incoming_rows;

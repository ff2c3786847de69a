-- Which periods and indicators each submission covered, rows loaded or not: the reporting gap
-- tells a file that was received but rejected from a file that never came.

-- Grain: one row per submission x period x indicator.
create table submission_coverage (
    submission_id varchar not null,
    agency varchar not null,
    period varchar not null,
    indicator varchar not null,
    rows_read integer not null,
    rows_loaded integer not null
);

comment on table submission_coverage is 'Periodos e indicadores que trae cada envío, con sus filas leídas y cargadas. / Periods and indicators each submission covered, rows read and loaded.';
comment on column submission_coverage.submission_id is 'Envío. / Submission.';
comment on column submission_coverage.agency is 'Institución que envió. / Submitting agency.';
comment on column submission_coverage.period is 'Periodo (AAAA-MM o AAAA-Qn). / Period.';
comment on column submission_coverage.indicator is 'Código del indicador. / Indicator code.';
comment on column submission_coverage.rows_read is 'Filas de ese periodo e indicador en el archivo. / Rows of that period and indicator in the file.';
comment on column submission_coverage.rows_loaded is 'De ellas, filas cargadas. / Of those, rows loaded.';

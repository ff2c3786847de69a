-- What the last build of the analysts' tables was made from, so that the next build recomputes
-- only the agency-period slices whose current submission changed since (warehouse/build.py).

-- Grain: one row per agency x period slice, as current_slices stood when the last build committed.
create table build_slices (
    agency varchar not null,
    period varchar not null,
    submission_id varchar not null,
    primary key (agency, period)
);

comment on table build_slices is 'Versión vigente de cada institución y periodo cuando se construyeron las tablas por última vez. / Current submission of each agency-period slice at the last build.';
comment on column build_slices.agency is 'Código de la institución. / Agency code.';
comment on column build_slices.period is 'Periodo (YYYY-MM o YYYY-Qn). / Period.';
comment on column build_slices.submission_id is 'Envío vigente entonces. / Submission current then.';

-- Grain: one row, the last build.
create table build_state (
    fingerprint varchar not null,
    built_at timestamptz not null
);

comment on table build_state is 'La última construcción de las tablas: huella de los modelos, la referencia y las necesidades con que se hizo (si cambia, se reconstruye todo). / The last build: fingerprint of the models, reference data and needs it used (a change rebuilds everything).';
comment on column build_state.fingerprint is 'SHA-256 de los modelos SQL, las tablas de referencia y los envíos de necesidades vigentes. / SHA-256 of the models, reference seeds and current need submissions.';
comment on column build_state.built_at is 'Cuándo se confirmó. / When it committed.';

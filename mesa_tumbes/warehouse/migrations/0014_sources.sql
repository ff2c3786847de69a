-- What the intake pulls from partners' systems (ActivityInfo, KoboToolbox): every record pulled so
-- far (a partner's month is written as one file from all of its records), where the next pull
-- starts, and the records that could not be placed (a partner mapped to no agency).

-- Grain: one row per source x record.
create table if not exists source_records (
    source varchar not null,
    record_id varchar not null,
    agency varchar,
    period varchar,
    fields json not null,
    content_sha256 varchar not null,
    edited_at varchar,
    pulled_at timestamptz not null,
    primary key (source, record_id)
);

comment on table source_records is 'Registros traídos de los sistemas de los socios (ActivityInfo, KoboToolbox): el mes de cada socio se escribe como un archivo con todos sus registros. / Records pulled from partners'' systems: a partner''s month is written as one file from all of them.';
comment on column source_records.source is 'La fuente, como la nombra operations.yaml. / The source, as operations.yaml names it.';
comment on column source_records.record_id is 'El id del registro en el sistema del socio (_id). / The record''s id in the partner''s system.';
comment on column source_records.agency is 'Institución del socio (agencies.yaml); vacío: socio sin institución. / The partner''s agency; empty: unmapped.';
comment on column source_records.period is 'Mes del registro (AAAA-MM), tal como vino. / The record''s month, as it came.';
comment on column source_records.fields is 'Los campos del registro, tal como vinieron. / The record''s fields, as they came.';
comment on column source_records.content_sha256 is 'Huella de los campos: un registro editado cambia de huella. / Fingerprint of the fields: an edit changes it.';
comment on column source_records.edited_at is 'Última edición según la fuente (_lastEditTime), si la da. / Last edit according to the source, if given.';
comment on column source_records.pulled_at is 'Cuándo se trajo por última vez (UTC). / When it was last pulled (UTC).';

-- Grain: one row per source.
create table if not exists source_state (
    source varchar primary key,
    kind varchar not null,
    cursor varchar,
    pulled_at timestamptz,
    records_pulled integer not null default 0,
    last_error varchar,
    failed_at timestamptz
);

comment on table source_state is 'Dónde empieza la próxima consulta a cada fuente, y su último error. / Where the next pull of each source starts, and its last error.';
comment on column source_state.source is 'La fuente. / The source.';
comment on column source_state.kind is 'activityinfo o kobo. / activityinfo or kobo.';
comment on column source_state.cursor is 'Desde dónde pedir: la última edición vista (ActivityInfo). / Where to ask from: the last edit seen.';
comment on column source_state.pulled_at is 'Última consulta completa (UTC). / Last complete pull (UTC).';
comment on column source_state.records_pulled is 'Registros traídos en la última consulta. / Records in the last pull.';
comment on column source_state.last_error is 'Por qué falló la última consulta (sin credenciales). / Why the last pull failed (no credentials).';
comment on column source_state.failed_at is 'Cuándo falló (UTC); vacío si la última salió bien. / When it failed; empty if the last one worked.';

-- Intake layer: what was received and what was loaded from it. Written only by the loader
-- (warehouse/store.py), one transaction per submission; everything else reads.

-- Grain: one row per received file (agency x path in the inbox x content).
create table submissions (
    submission_id varchar primary key,
    agency varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    received_at timestamptz not null,
    processed_at timestamptz not null,
    status varchar not null
        check (status in ('accepted', 'accepted_with_warnings', 'partially_accepted', 'rejected', 'duplicate')),
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null,
    rows_warned integer not null,
    duplicate_of varchar,
    feedback_path varchar not null
);

comment on table submissions is 'Archivos recibidos: una fila por archivo (institución x ruta x contenido), válido o no. / Files received: one row per file, valid or not.';
comment on column submissions.submission_id is 'Identificador del envío: hash de institución, ruta y contenido. / Submission id: hash of agency, path and content.';
comment on column submissions.agency is 'Institución que envió (la carpeta de entrada). / Submitting agency (the inbox folder).';
comment on column submissions.file_name is 'Ruta del archivo dentro de la carpeta de la institución. / File path inside the agency folder.';
comment on column submissions.sha256 is 'SHA-256 del contenido; clave del archivo original en el archivo de respaldo. / SHA-256 of the bytes; key of the raw archive.';
comment on column submissions.size_bytes is 'Tamaño del archivo en bytes. / File size in bytes.';
comment on column submissions.received_at is 'Cuándo llegó el archivo a la carpeta de entrada. / When the file landed in the inbox.';
comment on column submissions.processed_at is 'Cuándo lo procesó el flujo. / When the flow processed it.';
comment on column submissions.status is 'accepted, accepted_with_warnings, partially_accepted, rejected o duplicate.';
comment on column submissions.rows_read is 'Filas de datos leídas. / Data rows read.';
comment on column submissions.rows_loaded is 'Filas cargadas. / Rows loaded.';
comment on column submissions.rows_rejected is 'Filas rechazadas por errores. / Rows rejected by errors.';
comment on column submissions.rows_warned is 'Filas cargadas con advertencias. / Rows loaded with warnings.';
comment on column submissions.duplicate_of is 'Si es duplicado: el envío con el mismo contenido. / For duplicates: the submission with the same bytes.';
comment on column submissions.feedback_path is 'Carpeta de retroalimentación, relativa a la raíz de feedback. / Feedback folder, relative to the feedback root.';

-- Grain: one row per submission x agency x period x district x indicator x sex x age_group x
-- population_type. Every value ever loaded, kept as history: revisions add, never overwrite.
create table observations (
    submission_id varchar not null,
    row_number integer not null,
    agency varchar not null,
    period varchar not null,
    district varchar not null,
    indicator varchar not null,
    sex varchar not null,
    age_group varchar not null,
    population_type varchar not null,
    value double not null
);

comment on table observations is 'Todos los valores cargados de todos los envíos (historial). / Every value loaded from every submission (history).';
comment on column observations.submission_id is 'Envío del que viene el valor. / Submission the value came from.';
comment on column observations.row_number is 'Fila en el archivo enviado, como la ve la institución en Excel. / Row in the submitted file, as seen in Excel.';
comment on column observations.agency is 'Código de la institución. / Agency code.';
comment on column observations.period is 'Periodo AAAA-MM. / Period YYYY-MM.';
comment on column observations.district is 'Código INEI del distrito (texto de 6 dígitos). / INEI district code (6-digit text).';
comment on column observations.indicator is 'Código del catálogo de indicadores. / Indicator catalogue code.';
comment on column observations.sex is 'F, M, X o total. / F, M, X or total.';
comment on column observations.age_group is '0-5, 6-11, 12-17, 18-59, 60+, <18, 18+ o total.';
comment on column observations.population_type is 'in_destination, in_transit, host_community, pendular, returnee o total.';
comment on column observations.value is 'Valor reportado (personas o casos). / Reported value (people or cases).';

-- Grain: one row per agency x period: which submission currently holds that slice. A later
-- submission (by received_at) for the same agency and period replaces the slice (a revision).
create table current_slices (
    agency varchar not null,
    period varchar not null,
    submission_id varchar not null,
    received_at timestamptz not null,
    primary key (agency, period)
);

comment on table current_slices is 'Qué envío está vigente para cada institución y periodo. / Which submission holds each agency-period slice.';

-- Grain: one row per agency x period x district x indicator x sex x age_group x population_type.
create view indicator_values as
select
    observations.agency,
    observations.period,
    observations.district,
    observations.indicator,
    observations.sex,
    observations.age_group,
    observations.population_type,
    observations.value,
    observations.submission_id
from observations
inner join current_slices
    on observations.submission_id = current_slices.submission_id
    and observations.agency = current_slices.agency
    and observations.period = current_slices.period;

comment on view indicator_values is 'Valores vigentes: la última versión enviada de cada institución y periodo. / Current values: the latest submission of each agency and period.';

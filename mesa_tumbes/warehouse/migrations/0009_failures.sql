-- Files the pipeline itself failed on (a bug, not a bad file): each still gets a status and
-- feedback; it is retried on the next runs, then set aside until the officer asks for a retry.

-- Grain: one row per submission (agency x file x bytes) the pipeline failed on and has not loaded since.
create table failures (
    submission_id varchar primary key,
    agency varchar not null,
    channel varchar,
    file_name varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    received_at timestamptz not null,
    attempts integer not null,
    first_failed_at timestamptz not null,
    last_failed_at timestamptz not null,
    step varchar not null,
    error varchar not null,
    set_aside boolean not null,
    feedback_path varchar
);

comment on table failures is 'Archivos en los que falló el sistema (no el archivo): se reintentan y, tras varios intentos, quedan apartados hasta que la secretaría técnica pida reintentarlos (mesa retry). / Files the pipeline failed on: retried, then set aside until the officer asks for a retry.';
comment on column failures.submission_id is 'El envío (institución, archivo y contenido). / The submission.';
comment on column failures.agency is 'Institución. / Agency.';
comment on column failures.channel is 'Carpeta de la bandeja de entrada. / Inbox folder.';
comment on column failures.file_name is 'Archivo, dentro de la carpeta de la institución. / File, inside the agency folder.';
comment on column failures.sha256 is 'Huella del contenido (el archivo está en el respaldo). / Content fingerprint (the file is in the archive).';
comment on column failures.size_bytes is 'Tamaño en bytes. / Size in bytes.';
comment on column failures.received_at is 'Cuándo llegó el archivo. / When the file arrived.';
comment on column failures.attempts is 'Intentos fallidos. / Failed attempts.';
comment on column failures.first_failed_at is 'Primer intento fallido. / First failed attempt.';
comment on column failures.last_failed_at is 'Último intento fallido. / Last failed attempt.';
comment on column failures.step is 'Paso que falló: validate, feedback o load. / Step that failed.';
comment on column failures.error is 'El error, para el equipo técnico (nunca se muestra a la institución). / The error, for the technical team.';
comment on column failures.set_aside is 'Apartado: no se reintenta hasta mesa retry. / Set aside: not retried until mesa retry.';
comment on column failures.feedback_path is 'Carpeta de la retroalimentación que recibió la institución. / Feedback folder the agency received.';

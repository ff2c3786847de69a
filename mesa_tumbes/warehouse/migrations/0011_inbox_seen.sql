-- A file found again in an inbox with the same bytes but a new time or size (copied back, touched,
-- saved again unchanged): the run recognises the submission it already has and records the file's
-- new state here, so that the next runs (and `mesa run`'s "nothing new" check) need not read it again.
create table if not exists inbox_seen (
    channel varchar not null,
    file_name varchar not null,
    size_bytes bigint not null,
    received_at timestamptz not null,
    submission_id varchar not null,
    seen_at timestamptz not null,
    primary key (channel, file_name, size_bytes, received_at)
);

comment on table inbox_seen is 'Archivos vistos de nuevo en una bandeja con los mismos bytes (otra fecha u otro tamaño): no se vuelven a leer. / Files seen again in an inbox with the same bytes: not read again.';
comment on column inbox_seen.channel is 'Carpeta de la bandeja de entrada. / Inbox folder.';
comment on column inbox_seen.file_name is 'Archivo dentro de la carpeta de la institución. / File inside the agency folder.';
comment on column inbox_seen.size_bytes is 'Tamaño del archivo visto, en bytes. / Size of the file seen, in bytes.';
comment on column inbox_seen.received_at is 'Fecha de modificación del archivo visto (UTC). / Modification time of the file seen (UTC).';
comment on column inbox_seen.submission_id is 'El envío ya registrado que tiene esos mismos bytes. / The registered submission with those bytes.';
comment on column inbox_seen.seen_at is 'Cuándo lo vio la corrida (UTC). / When the run saw it (UTC).';

-- E-mail as conversations: each mailbox message whose spreadsheets were taken (its id and thread, so
-- that the one reply to it sits in the agency's conversation), the name each file had in the message
-- (the agency reads its own name, never the spool's), and which message a delivery answers.

-- Grain: one row per mailbox message that brought at least one table.
create table if not exists mail_messages (
    message_key varchar primary key,
    mailbox varchar not null,
    message_uid varchar not null,
    agency varchar not null,
    sender varchar not null,
    subject varchar not null,
    message_id varchar not null,
    thread_references varchar not null,
    not_tables varchar[] not null,
    received_at timestamptz not null,
    taken_at timestamptz not null,
    raw_sha256 varchar not null
);

comment on table mail_messages is 'Mensajes de los buzones que trajeron hojas de cálculo: la respuesta va en su conversación y cubre todos sus archivos. / Mailbox messages that brought tables: the reply goes in their thread and covers all their files.';
comment on column mail_messages.message_key is 'Identificador estable del mensaje (buzón y UID). / Stable id of the message (mailbox and UID).';
comment on column mail_messages.mailbox is 'Buzón (sin credenciales). / Mailbox (no credentials).';
comment on column mail_messages.message_uid is 'UIDVALIDITY:UID del mensaje en el buzón. / The message''s UIDVALIDITY:UID.';
comment on column mail_messages.agency is 'Institución del remitente. / Sender''s agency.';
comment on column mail_messages.sender is 'Dirección del remitente. / Sender''s address.';
comment on column mail_messages.subject is 'Asunto del mensaje. / Subject.';
comment on column mail_messages.message_id is 'Message-ID del mensaje (la respuesta lo cita en In-Reply-To). / Its Message-ID (the reply cites it in In-Reply-To).';
comment on column mail_messages.thread_references is 'Su cabecera References: la conversación anterior. / Its References header: the thread before it.';
comment on column mail_messages.not_tables is 'Adjuntos que no son hojas de cálculo (PDF, Word...): la respuesta los nombra. / Attachments that are not tables: the reply names them.';
comment on column mail_messages.received_at is 'Cuándo lo recibió el buzón (UTC). / When the mailbox received it (UTC).';
comment on column mail_messages.taken_at is 'Cuándo lo tomó la corrida (UTC). / When the run took it (UTC).';
comment on column mail_messages.raw_sha256 is 'El mensaje tal como llegó, guardado en el archivo de originales. / The message as received, in the archive.';

-- Grain: one row per file a message brought, as saved in the spool.
create table if not exists mail_files (
    channel varchar not null,
    relative_path varchar not null,
    message_key varchar not null,
    file_name varchar not null,
    primary key (channel, relative_path)
);

comment on table mail_files is 'Archivos traídos por correo: su nombre en la cola interna y el nombre que les dio la institución. / Files brought by mail: their spool name and the name the agency gave them.';
comment on column mail_files.channel is 'Carpeta de la institución en la cola de correo. / Agency folder in the mail spool.';
comment on column mail_files.relative_path is 'Nombre del archivo en la cola (fecha, UID y nombre). / The file''s name in the spool.';
comment on column mail_files.message_key is 'El mensaje que lo trajo (mail_messages). / The message that brought it.';
comment on column mail_files.file_name is 'El nombre del adjunto como lo escribió la institución. / The attachment''s name as the agency wrote it.';

alter table mail_notices add column if not exists message_id varchar default '';
alter table mail_notices add column if not exists thread_references varchar default '';
alter table mail_notices add column if not exists raw_sha256 varchar default '';
comment on column mail_notices.message_id is 'Message-ID del mensaje (la respuesta va en su conversación). / Its Message-ID (the answer goes in its thread).';
comment on column mail_notices.thread_references is 'Su cabecera References. / Its References header.';
comment on column mail_notices.raw_sha256 is 'El mensaje tal como llegó, en el archivo de originales (vacío: no se descargó). / The message as received, in the archive.';

alter table deliveries add column if not exists message_key varchar;
comment on column deliveries.message_key is 'El mensaje de correo que trajo el archivo, si llegó por correo: una respuesta por mensaje. / The mail message that brought the file, if any: one reply per message.';

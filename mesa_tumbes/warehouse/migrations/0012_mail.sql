-- E-mail: the feedback each submission's agency was sent (a delivery that fails is retried on the
-- next run; one that went is never sent again), and the messages of mailbox inboxes that did not
-- become submissions (a sender of no agency, no usable attachment, one too large): their senders are
-- answered once, and the officer sees them in `mesa status`.

-- Grain: one row per submission whose feedback is (or was to be) sent by e-mail.
create table if not exists deliveries (
    submission_id varchar primary key,
    agency varchar not null,
    file_name varchar not null,
    recipients varchar not null,
    feedback_path varchar not null,
    attempts integer not null,
    last_tried_at timestamptz not null,
    delivered_at timestamptz,
    last_error varchar
);

comment on table deliveries is 'Retroalimentación enviada por correo a cada institución: una fila por envío; las que fallaron se reintentan en la corrida siguiente. / Feedback e-mailed to each agency: failed ones are retried on the next run.';
comment on column deliveries.submission_id is 'El envío cuya retroalimentación se manda. / The submission whose feedback is sent.';
comment on column deliveries.agency is 'Institución destinataria (solo recibe lo suyo). / Receiving agency (only ever its own).';
comment on column deliveries.file_name is 'Archivo, dentro de la carpeta de la institución. / File, inside the agency folder.';
comment on column deliveries.recipients is 'Direcciones de la institución (agencies.yaml). / The agency''s addresses.';
comment on column deliveries.feedback_path is 'Carpeta de la retroalimentación enviada. / Feedback folder sent.';
comment on column deliveries.attempts is 'Intentos de envío. / Delivery attempts.';
comment on column deliveries.last_tried_at is 'Último intento (UTC). / Last attempt (UTC).';
comment on column deliveries.delivered_at is 'Cuándo la aceptó el servidor de correo; vacío: pendiente. / When the mail server accepted it; empty: pending.';
comment on column deliveries.last_error is 'Por qué falló el último intento, para el equipo técnico. / Why the last attempt failed.';

-- Grain: one row per message (or attachment) of a mailbox that did not become a submission.
create table if not exists mail_notices (
    notice_id varchar primary key,
    mailbox varchar not null,
    message_uid varchar not null,
    kind varchar not null,
    sender varchar not null,
    subject varchar not null,
    agency varchar,
    detail varchar not null,
    received_at timestamptz not null,
    noticed_at timestamptz not null,
    answered_at timestamptz,
    last_error varchar
);

comment on table mail_notices is 'Mensajes de los buzones que no se cargaron (remitente desconocido, sin adjunto, adjunto demasiado grande, cifrado): se responde una vez al remitente. / Mailbox messages not loaded: the sender is answered once.';
comment on column mail_notices.notice_id is 'Identificador estable del aviso. / Stable id of the notice.';
comment on column mail_notices.mailbox is 'Buzón (sin credenciales). / Mailbox (no credentials).';
comment on column mail_notices.message_uid is 'UIDVALIDITY:UID del mensaje en el buzón. / The message''s UIDVALIDITY:UID.';
comment on column mail_notices.kind is 'unknown_sender, no_attachment, attachment_too_large o encrypted. / Why it was not loaded.';
comment on column mail_notices.sender is 'Dirección del remitente. / Sender''s address.';
comment on column mail_notices.subject is 'Asunto del mensaje. / Subject.';
comment on column mail_notices.agency is 'Institución del remitente, si es conocida. / Sender''s agency, if known.';
comment on column mail_notices.detail is 'Adjunto y tamaño, cuando corresponde. / Attachment and size, where relevant.';
comment on column mail_notices.received_at is 'Cuándo lo recibió el buzón (UTC). / When the mailbox received it (UTC).';
comment on column mail_notices.noticed_at is 'Cuándo lo vio la corrida (UTC). / When the run saw it (UTC).';
comment on column mail_notices.answered_at is 'Cuándo se respondió al remitente; vacío: sin responder. / When the sender was answered.';
comment on column mail_notices.last_error is 'Por qué falló la respuesta, para el equipo técnico. / Why the answer failed.';

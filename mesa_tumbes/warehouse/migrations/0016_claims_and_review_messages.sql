-- What the officer decides on is what will be published: each submission's figures for a slice are
-- computed by the same rule as the published ones (int_submission_figures), for the current slices
-- and for the revisions held beside them; a decision's figures are audited per indicator; and what a
-- decision tells the agency is recorded before it is sent, so that a message is never lost.

-- Grain: one row per agency x period x submission whose figures are shown or published: each
-- current slice's submission (approved, pending or returned) and each revision held beside it.
create or replace view slice_claims as
select agency, period, submission_id, review_state, true as is_current
from slice_states
union all
select agency, period, submission_id, state as review_state, false as is_current
from slice_reviews
where state = 'held';

comment on view slice_claims is 'Envíos cuyas cifras se muestran o publican: el vigente de cada institución y periodo, y las revisiones retenidas a su lado. / Submissions whose figures are shown or published: each slice''s current one and the revisions held beside it.';
comment on column slice_claims.agency is 'Código de la institución. / Agency code.';
comment on column slice_claims.period is 'Periodo (AAAA-MM o AAAA-Tn). / Period.';
comment on column slice_claims.submission_id is 'El envío. / The submission.';
comment on column slice_claims.review_state is 'approved, pending, returned o held (revisión propuesta de un periodo aprobado). / Review state.';
comment on column slice_claims.is_current is 'Es la versión vigente del periodo (una revisión retenida no lo es hasta que se acepta). / Whether it is the slice''s current version.';

-- Grain: one row per claim x district x indicator x sex x age_group x population_type.
create or replace view claim_values as
select
    observations.agency,
    observations.period,
    observations.district,
    observations.indicator,
    observations.sex,
    observations.age_group,
    observations.population_type,
    observations.value,
    observations.submission_id,
    observations.admin_level,
    observations.r4v_group,
    slice_claims.review_state,
    slice_claims.is_current
from observations
inner join slice_claims
    on observations.submission_id = slice_claims.submission_id
    and observations.agency = slice_claims.agency
    and observations.period = slice_claims.period;

comment on view claim_values is 'Valores de cada envío vigente o retenido, con su estado de revisión. / Values of each current or held submission, with its review state.';
comment on column claim_values.agency is 'Código de la institución. / Agency code.';
comment on column claim_values.period is 'Periodo (AAAA-MM o AAAA-Tn). / Period.';
comment on column claim_values.district is 'Código INEI del área (distrito, provincia o departamento, según admin_level). / INEI code of the area.';
comment on column claim_values.indicator is 'Código del indicador. / Indicator code.';
comment on column claim_values.sex is 'Sexo: F, M, X o total. / Sex.';
comment on column claim_values.age_group is 'Grupo de edad. / Age group.';
comment on column claim_values.population_type is 'Tipo de población. / Population type.';
comment on column claim_values.value is 'Valor reportado. / Reported value.';
comment on column claim_values.submission_id is 'El envío. / The submission.';
comment on column claim_values.admin_level is 'Nivel del área. / Area level.';
comment on column claim_values.r4v_group is 'Grupo de edad y sexo de R4V. / R4V age-sex group.';
comment on column claim_values.review_state is 'Estado de revisión del envío en el periodo. / Review state.';
comment on column claim_values.is_current is 'Es la versión vigente del periodo. / Whether it is the current version.';

-- A build recomputes a slice whose held revisions changed too (one arrived, was accepted or declined).
alter table build_slices add column if not exists held varchar default '';
comment on column build_slices.held is 'Revisiones retenidas del periodo entonces (sus envíos, ordenados). / The slice''s held revisions then.';

-- Grain: one row per current slice: what a build is made from (compared with build_slices).
create or replace view slice_build_keys as
select
    slice_states.agency,
    slice_states.period,
    slice_states.submission_id,
    slice_states.review_state,
    coalesce(held.held, '') as held
from slice_states
left join (
    select agency, period, string_agg(submission_id, ',' order by submission_id) as held
    from slice_reviews
    where state = 'held'
    group by agency, period
) as held using (agency, period);

comment on view slice_build_keys is 'Lo que una construcción de las tablas toma de cada periodo: su envío vigente, su estado y sus revisiones retenidas. / What a build takes of each slice.';
comment on column slice_build_keys.agency is 'Código de la institución. / Agency code.';
comment on column slice_build_keys.period is 'Periodo. / Period.';
comment on column slice_build_keys.submission_id is 'Envío vigente. / Current submission.';
comment on column slice_build_keys.review_state is 'Estado de revisión. / Review state.';
comment on column slice_build_keys.held is 'Revisiones retenidas (sus envíos, ordenados). / Held revisions.';

-- Grain: one row per decision x indicator: what the decision changed in the published figures.
create table if not exists review_decision_figures (
    decision_id varchar not null,
    indicator varchar not null,
    value_before double,
    value_after double,
    primary key (decision_id, indicator)
);

comment on table review_decision_figures is 'Cifras publicadas de cada indicador antes y después de cada decisión (el total de personas, como lo publican las tablas). / Each indicator''s published figure before and after each decision.';
comment on column review_decision_figures.decision_id is 'La decisión (review_decisions). / The decision.';
comment on column review_decision_figures.indicator is 'Código del indicador. / Indicator code.';
comment on column review_decision_figures.value_before is 'Cifra publicada antes: el total escrito, o la suma de sus partes si solo llegaron partes, sumado sobre las áreas reportadas; vacío: nada publicado. / Published figure before (group total, over the areas reported).';
comment on column review_decision_figures.value_after is 'Cifra publicada después. / Published figure after.';

comment on column review_decisions.value_before is 'Suma de las cifras totales de los indicadores publicados antes de la decisión (desde 0016; cada indicador en review_decision_figures). Antes de 0016: suma de todos los valores. / Sum of the indicators'' total figures published before (per indicator in review_decision_figures).';
comment on column review_decisions.value_after is 'Lo mismo después de la decisión. / The same after the decision.';

-- Grain: one row per decision whose message the agency is to receive (returned, asked, declined,
-- approved after waiting): recorded with the decision, sent at once when the server answers,
-- retried by the next runs when it does not.
create table if not exists review_messages (
    decision_id varchar primary key,
    agency varchar not null,
    period varchar not null,
    submission_id varchar not null,
    action varchar not null,
    comment varchar not null,
    recipients varchar not null,
    recorded_at timestamptz not null,
    attempts integer not null default 0,
    last_tried_at timestamptz,
    delivered_at timestamptz,
    last_error varchar
);

comment on table review_messages is 'Lo que cada decisión de revisión le dice a la institución: se registra con la decisión y se reintenta hasta que sale. / What each review decision tells the agency: recorded with the decision, retried until it goes.';
comment on column review_messages.decision_id is 'La decisión (review_decisions). / The decision.';
comment on column review_messages.agency is 'Institución destinataria. / Receiving agency.';
comment on column review_messages.period is 'Periodo decidido. / Period decided on.';
comment on column review_messages.submission_id is 'El envío decidido (su hilo de correo, si llegó por correo). / The submission decided on.';
comment on column review_messages.action is 'return, ask, decline, approve o accept. / What was decided.';
comment on column review_messages.comment is 'El comentario del oficial, tal como lo escribió. / The officer''s comment.';
comment on column review_messages.recipients is 'Direcciones de la institución (vacío: no tiene; el oficial lo supo al decidir). / The agency''s addresses (empty: none on file).';
comment on column review_messages.recorded_at is 'Cuándo se decidió (UTC). / When it was decided.';
comment on column review_messages.attempts is 'Intentos de envío. / Delivery attempts.';
comment on column review_messages.last_tried_at is 'Último intento (UTC). / Last attempt.';
comment on column review_messages.delivered_at is 'Cuándo lo aceptó el servidor de correo; vacío: espera. / When the mail server accepted it; empty: waiting.';
comment on column review_messages.last_error is 'Por qué falló el último intento. / Why the last attempt failed.';

-- Grain: one row per submission: the file's name as the agency gave it (an e-mail's attachment
-- keeps its own name; the spool's, with a date and a message number in front, stays internal).
create or replace view submission_names as
select
    submissions.submission_id,
    coalesce(mail_files.file_name, submissions.file_name) as name_as_sent
from submissions
left join mail_files
    on submissions.channel = mail_files.channel
    and submissions.file_name = mail_files.relative_path;

comment on view submission_names is 'El nombre de cada archivo como lo dio la institución (el de un adjunto de correo, no el de la cola interna). / Each file''s name as the agency gave it.';
comment on column submission_names.submission_id is 'El envío. / The submission.';
comment on column submission_names.name_as_sent is 'Nombre del archivo como lo envió la institución. / The file''s name as sent.';

-- The feedback e-mail as sent: a later message about the same file (the officer's decision) is a
-- reply in its thread, also for a file that came by folder.
alter table deliveries add column if not exists sent_message_id varchar;
alter table deliveries add column if not exists sent_subject varchar;
comment on column deliveries.sent_message_id is 'Message-ID del correo de retroalimentación enviado: lo que se diga después del archivo responde en su conversación. / The Message-ID of the feedback e-mail sent.';
comment on column deliveries.sent_subject is 'Su asunto. / Its subject.';

-- A partner's system: when it was last read whole (a record deleted there is withdrawn then), and
-- why its last pull failed, as a code the officer's language says (the detail is the server's words).
alter table source_state add column if not exists full_pulled_at timestamptz;
alter table source_state add column if not exists last_fault varchar;
comment on column source_state.full_pulled_at is 'Última consulta completa (UTC): los registros borrados en la fuente se retiran de su mes entonces. / Last full pull: records deleted at the source are withdrawn then.';
comment on column source_state.last_fault is 'Por qué falló la última consulta: unreachable, token, bad_answer, too_large o internal. / Why the last pull failed.';

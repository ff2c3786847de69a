-- Review and approval: what is published is what the officer approved (or what the rule in
-- operations.yaml approved on arrival). Each submission's claim on an agency-period slice has a
-- review state; every decision is kept, with who, when, why and the figures before and after.

-- Grain: one row per agency x period x submission that brought values for it.
create table if not exists slice_reviews (
    agency varchar not null,
    period varchar not null,
    submission_id varchar not null,
    state varchar not null,
    reason varchar not null,
    version integer not null,
    updated_at timestamptz not null,
    primary key (agency, period, submission_id)
);

comment on table slice_reviews is 'Estado de revisión de cada envío en cada institución y periodo: solo lo aprobado se publica. / Review state of each submission''s claim on each agency-period slice: only what is approved is published.';
comment on column slice_reviews.agency is 'Código de la institución. / Agency code.';
comment on column slice_reviews.period is 'Periodo (YYYY-MM o YYYY-Qn). / Period.';
comment on column slice_reviews.submission_id is 'El envío. / The submission.';
comment on column slice_reviews.state is 'pending (por revisar), approved (aprobado, se publica), returned (devuelto a la institución), held (revisión propuesta de un periodo aprobado), declined (revisión rechazada), superseded (reemplazado por un envío posterior). / Review state.';
comment on column slice_reviews.reason is 'Por qué espera o qué decidió la Mesa: warning, revision, unverified_sender, rule, before_review, o el comentario del oficial. / Why it waits, or the officer''s comment.';
comment on column slice_reviews.version is 'Sube con cada cambio: una decisión sobre una versión anterior se rechaza. / Grows with each change: a decision on an older version is refused.';
comment on column slice_reviews.updated_at is 'Último cambio (UTC). / Last change (UTC).';

-- What was published before review existed stays published.
insert into slice_reviews
select agency, period, submission_id, 'approved', 'before_review', 1, received_at
from current_slices
on conflict do nothing;

-- Grain: one row per decision; nothing is ever deleted.
create table if not exists review_decisions (
    decision_id varchar primary key,
    decided_at timestamptz not null,
    officer varchar not null,
    action varchar not null,
    agency varchar not null,
    period varchar not null,
    submission_id varchar not null,
    replaced_submission_id varchar,
    state_before varchar not null,
    state_after varchar not null,
    comment varchar not null,
    value_before double,
    value_after double
);

comment on table review_decisions is 'Registro de auditoría: cada decisión de revisión (quién, cuándo, qué, por qué, las cifras antes y después). / Audit trail of every review decision.';
comment on column review_decisions.decision_id is 'Identificador de la decisión. / Decision id.';
comment on column review_decisions.decided_at is 'Cuándo (UTC). / When (UTC).';
comment on column review_decisions.officer is 'Quién decidió (cuenta de la consola, o «regla» para la aprobación automática). / Who decided (a console account, or "rule").';
comment on column review_decisions.action is 'approve, return, reopen, accept (revisión aceptada), decline (revisión rechazada), auto (regla). / What was decided.';
comment on column review_decisions.agency is 'Código de la institución. / Agency code.';
comment on column review_decisions.period is 'Periodo. / Period.';
comment on column review_decisions.submission_id is 'El envío decidido. / The submission decided on.';
comment on column review_decisions.replaced_submission_id is 'El envío que estaba publicado y fue reemplazado, si lo hubo. / The published submission it replaced, if any.';
comment on column review_decisions.state_before is 'Estado antes. / State before.';
comment on column review_decisions.state_after is 'Estado después. / State after.';
comment on column review_decisions.comment is 'Por qué (lo que escribió el oficial). / Why (the officer''s words).';
comment on column review_decisions.value_before is 'Suma de los valores publicados del periodo antes de la decisión. / Sum of the slice''s published values before.';
comment on column review_decisions.value_after is 'Suma de los valores publicados después. / Sum of the published values after.';

-- A build recomputes a slice whose review state changed, not only one whose submission did.
alter table build_slices add column if not exists review_state varchar default 'approved';
comment on column build_slices.review_state is 'Estado de revisión entonces. / Review state then.';

-- Messages whose receiving server authenticated the sender's domain (Authentication-Results).
alter table mail_messages add column if not exists sender_verified boolean default false;
comment on column mail_messages.sender_verified is 'El servidor que lo recibió autenticó el dominio del remitente (DMARC, o DKIM/SPF alineados): si no, sus archivos esperan revisión. / The receiving server authenticated the sender''s domain.';

-- Each current slice with its review state: what the marts publish is the approved ones.
create or replace view slice_states as
select
    current_slices.agency,
    current_slices.period,
    current_slices.submission_id,
    current_slices.received_at,
    coalesce(slice_reviews.state, 'pending') as review_state,
    coalesce(slice_reviews.reason, '') as review_reason,
    coalesce(slice_reviews.version, 0) as review_version
from current_slices
left join slice_reviews
    on current_slices.agency = slice_reviews.agency
    and current_slices.period = slice_reviews.period
    and current_slices.submission_id = slice_reviews.submission_id;

comment on view slice_states is 'Cada institución y periodo vigente con su estado de revisión. / Each current slice with its review state.';
comment on column slice_states.agency is 'Código de la institución. / Agency code.';
comment on column slice_states.period is 'Periodo (YYYY-MM o YYYY-Qn). / Period.';
comment on column slice_states.submission_id is 'Envío vigente. / Current submission.';
comment on column slice_states.received_at is 'Cuándo se recibió el envío vigente (UTC). / When the current submission was received.';
comment on column slice_states.review_state is 'pending (por revisar), approved (aprobado: se publica) o returned (devuelto). / Review state: only approved slices are published.';
comment on column slice_states.review_reason is 'Por qué espera, o lo que decidió la Mesa. / Why it waits, or what the Mesa decided.';
comment on column slice_states.review_version is 'Versión de la revisión: una decisión sobre una versión anterior se rechaza. / Review version.';

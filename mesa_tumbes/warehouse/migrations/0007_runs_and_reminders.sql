-- What the data officer asks before a session: which runs failed, and which agencies were reminded.

-- Grain: one row per flow run that wrote the warehouse (intake, marts, calendar).
create table runs (
    run_id varchar primary key,
    flow varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    state varchar not null,
    files_processed integer not null default 0,
    files_skipped integer not null default 0,
    files_failed integer not null default 0,
    failed_files varchar[] not null default [],
    unreachable_inboxes varchar[] not null default [],
    message varchar
);

comment on table runs is 'Ejecuciones que escribieron el almacén: cuándo, con qué resultado y qué falló. / Runs that wrote the warehouse: when, with which outcome, and what failed.';
comment on column runs.run_id is 'Identificador de la ejecución en Prefect (o local). / Prefect flow run id (or a local id).';
comment on column runs.flow is 'intake (archivos nuevos), marts (tablas de brechas) o calendar (calendario y recordatorios). / Which flow.';
comment on column runs.started_at is 'Inicio. / Start.';
comment on column runs.finished_at is 'Fin; vacío si se interrumpió. / End; empty if it was interrupted.';
comment on column runs.state is 'running, completed o failed (completed aunque haya envíos rechazados: eso es un resultado normal). / running, completed or failed.';
comment on column runs.files_processed is 'Archivos procesados. / Files processed.';
comment on column runs.files_skipped is 'Archivos ya procesados antes, sin cambios. / Files already processed, unchanged.';
comment on column runs.files_failed is 'Archivos en los que falló el sistema (se reintentan en la próxima ejecución). / Files on which the pipeline failed (retried next run).';
comment on column runs.failed_files is 'Cuáles: INSTITUCIÓN/archivo. / Which: AGENCY/file.';
comment on column runs.unreachable_inboxes is 'Bandejas de entrada que no respondieron tras los reintentos. / Inboxes that did not answer after the retries.';
comment on column runs.message is 'Detalle para la secretaría técnica. / Detail for the officer.';

-- Grain: one row per agency x period x indicator x reminder kind written.
create table reminders (
    agency varchar not null,
    period varchar not null,
    indicator varchar not null,
    kind varchar not null,
    due_date date not null,
    status varchar not null,
    written_at timestamptz not null,
    outbox_path varchar not null,
    notified boolean not null,
    primary key (agency, period, indicator, kind)
);

comment on table reminders is 'Recordatorios escritos a cada institución: uno por reporte pendiente y momento (antes o días después del plazo). / Reminders written to each agency: one per pending report and moment.';
comment on column reminders.agency is 'Institución. / Agency.';
comment on column reminders.period is 'Periodo del reporte (AAAA-MM). / Period of the report.';
comment on column reminders.indicator is 'Indicador pendiente. / Pending indicator.';
comment on column reminders.kind is 'before (antes del plazo) o after_N (N días después). / before, or after_N days.';
comment on column reminders.due_date is 'Plazo del reporte. / Deadline.';
comment on column reminders.status is 'Estado del reporte al escribir el recordatorio (gap_reporting.status). / Report status when reminded.';
comment on column reminders.written_at is 'Cuándo se escribió. / When it was written.';
comment on column reminders.outbox_path is 'Archivo del mensaje, relativo a la bandeja de salida. / Message file, relative to the outbox.';
comment on column reminders.notified is 'Si además se envió por un bloque de notificación de Prefect. / Whether it also went through a Prefect notification block.';

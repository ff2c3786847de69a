-- The registry keeps the inbox folder a file came through, as found on disk, beside the agency it
-- resolved to; and earlier versions of every value are queryable with where they came from.

alter table submissions add column channel varchar;
update submissions set channel = agency where channel is null;

comment on column submissions.channel is 'Carpeta de entrada por la que llegó el archivo, tal como está en el disco. / Inbox folder the file came through, as on disk.';

-- Grain: one row per submission x agency x period x district x indicator x sex x age_group x
-- population_type: every value ever loaded, with its file and whether it is the current one.
create view value_history as
select
    observations.agency,
    observations.period,
    observations.district,
    observations.admin_level,
    observations.indicator,
    observations.sex,
    observations.age_group,
    observations.population_type,
    observations.r4v_group,
    observations.value,
    observations.submission_id,
    observations.row_number,
    submissions.file_name,
    submissions.received_at,
    current_slices.submission_id is not null as is_current
from observations
inner join submissions on observations.submission_id = submissions.submission_id
left join current_slices
    on observations.submission_id = current_slices.submission_id
    and observations.agency = current_slices.agency
    and observations.period = current_slices.period;

comment on view value_history is 'Historial: todos los valores cargados, con su archivo, fecha de recepción y si están vigentes. / Every value loaded, with its file, received time and whether it is current.';

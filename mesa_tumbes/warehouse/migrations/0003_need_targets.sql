-- Denominators of the gap tables: RMRP people in need and targets, sent by the GTRM.

-- Grain: one row per submission x sheet row x measured column (measure x population type x group).
create table need_targets (
    submission_id varchar not null,
    agency varchar not null,
    row_number integer not null,
    sheet varchar,
    year varchar not null,
    measure varchar not null check (measure in ('people_in_need', 'target')),
    area varchar not null,
    admin_level varchar not null,
    sector varchar not null,
    population_type varchar not null,
    r4v_group varchar,
    value double not null
);

comment on table need_targets is 'Personas con necesidad (PiN) y metas del RMRP, de todos los envíos (historial). / RMRP people in need and targets from every submission (history).';
comment on column need_targets.submission_id is 'Envío del que viene la cifra. / Submission the figure came from.';
comment on column need_targets.agency is 'Institución que envió (GTRM). / Submitting agency (GTRM).';
comment on column need_targets.row_number is 'Fila en la hoja enviada. / Row in the submitted sheet.';
comment on column need_targets.sheet is 'Hoja del libro (PiN 2022, Target...). / Workbook sheet.';
comment on column need_targets.year is 'Año del plan (AAAA). / Plan year (YYYY).';
comment on column need_targets.measure is 'people_in_need (personas con necesidad) o target (meta).';
comment on column need_targets.area is 'Código INEI del área (2 dígitos: departamento). / INEI code of the area (2 digits: department).';
comment on column need_targets.admin_level is 'Nivel del área: department. / Level of the area.';
comment on column need_targets.sector is 'Sector del RMRP como lo nombra R4V (Health, Protection (GBV)...). / RMRP subsector as R4V names it.';
comment on column need_targets.population_type is 'in_destination, in_transit, host_community, pendular, returnee o total.';
comment on column need_targets.r4v_group is 'girls, boys, women, men; vacío para el total. / Empty for the total.';
comment on column need_targets.value is 'Número de personas. / Number of people.';

-- Grain: one row per agency x year x measure: which submission holds that slice.
create table current_need_slices (
    agency varchar not null,
    year varchar not null,
    measure varchar not null,
    submission_id varchar not null,
    received_at timestamptz not null,
    primary key (agency, year, measure)
);

comment on table current_need_slices is 'Qué envío está vigente para cada año y medida del RMRP. / Which submission holds each year and measure.';

-- Grain: one row per year x measure x area x sector x population_type x r4v_group.
create view need_values as
select
    need_targets.year,
    need_targets.measure,
    need_targets.area,
    need_targets.admin_level,
    need_targets.sector,
    need_targets.population_type,
    need_targets.r4v_group,
    need_targets.value,
    need_targets.submission_id
from need_targets
inner join current_need_slices
    on need_targets.submission_id = current_need_slices.submission_id
    and need_targets.agency = current_need_slices.agency
    and need_targets.year = current_need_slices.year
    and need_targets.measure = current_need_slices.measure;

comment on view need_values is 'Personas con necesidad y metas vigentes: el último envío de cada año y medida. / Current people in need and targets.';

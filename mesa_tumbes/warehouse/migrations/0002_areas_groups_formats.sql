-- R4V files report provinces or the whole department, and R4V's age-sex groups (girls, boys, women,
-- men, other) sit beside the finer bands state agencies report; submissions come in several formats
-- and may leave rows out (another region, an indicator the Mesa does not track).

alter table observations add column admin_level varchar default 'district';
alter table observations add column r4v_group varchar;
alter table submissions add column format varchar default 'mesa_template';
alter table submissions add column rows_excluded integer default 0;

comment on column observations.district is 'Código INEI del área como texto: 6 dígitos (distrito), 4 (provincia) o 2 (departamento), según admin_level. / INEI code of the area as text: 6 digits (district), 4 (province) or 2 (department), per admin_level.';
comment on column observations.admin_level is 'Nivel del área: district, province o department (los archivos 5W de R4V reportan provincias). / Level of the area: district, province or department (R4V 5W files report provinces).';
comment on column observations.r4v_group is 'Grupo de edad y sexo de R4V: girls, boys, women, men, other_under_18, other_over_18; vacío si sexo o edad es total. / R4V age-sex group; empty when sex or age is a total.';
comment on column submissions.format is 'Formato del archivo: mesa_template, r4v_5w o rmrp_need. / File format.';
comment on column submissions.rows_excluded is 'Filas fuera de lo que recoge la Mesa (otra región, indicador no incluido): no se cargan. / Rows outside what the Mesa collects: not loaded.';

create or replace view indicator_values as
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
    observations.r4v_group
from observations
inner join current_slices
    on observations.submission_id = current_slices.submission_id
    and observations.agency = current_slices.agency
    and observations.period = current_slices.period;

comment on view indicator_values is 'Valores vigentes: la última versión enviada de cada institución y periodo. / Current values: the latest submission of each agency and period.';

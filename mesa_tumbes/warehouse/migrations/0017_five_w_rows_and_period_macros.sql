-- R4V 5W rows kept whole: R4V publishes two figures per row (the people reached in the month,
-- Total_monthly, and those reached for the first time in the year, New_beneficiaries) and reports
-- who implemented what, cash assistance and its value apart. The values loaded (observations) are
-- the new beneficiaries and their breakdowns; these rows keep the rest, for the month's reach, R4V's
-- consolidation (r4v_consolidated) and who does what where (fct_five_w_activities).

-- Grain: one row per submission x 5W row loaded (its row number in the agency's file).
create table if not exists five_w_rows (
    submission_id varchar not null,
    row_number integer not null,
    agency varchar not null,
    period varchar not null,
    district varchar not null,
    admin_level varchar not null,
    indicator varchar not null,
    r4v_indicator varchar,
    country varchar,
    admin1 varchar,
    admin2 varchar,
    appealing_org varchar,
    implementing_partner varchar,
    subsector varchar,
    activity_name varchar,
    rmrp_activity varchar,
    delivery_mechanism varchar,
    cva boolean,
    cva_value double,
    total_monthly double,
    new_beneficiaries double,
    in_destination double,
    in_transit double,
    host_community double,
    pendular double,
    returnee double,
    girls double,
    boys double,
    women double,
    men double,
    other_under_18 double,
    other_over_18 double,
    primary key (submission_id, row_number)
);

comment on table five_w_rows is 'Filas de los 5W de R4V tal como se cargaron: las dos cifras de R4V, quién implementó qué, transferencias y su valor. / R4V 5W rows as loaded: both of R4V''s figures, who implemented what, cash assistance.';
comment on column five_w_rows.submission_id is 'El envío. / The submission.';
comment on column five_w_rows.row_number is 'Fila en el archivo de la institución (como en Excel). / Row in the agency''s file.';
comment on column five_w_rows.agency is 'Institución que reporta (Appealing_org). / Appealing organisation''s agency code.';
comment on column five_w_rows.period is 'Mes (AAAA-MM). / Month.';
comment on column five_w_rows.district is 'Código INEI del área: provincia (Admin2) o departamento. / INEI code of the area.';
comment on column five_w_rows.admin_level is 'province o department. / Area level.';
comment on column five_w_rows.indicator is 'Código del indicador en el catálogo de la Mesa. / Catalogue indicator code.';
comment on column five_w_rows.r4v_indicator is 'El indicador de R4V tal como vino. / R4V''s indicator as written.';
comment on column five_w_rows.country is 'Country tal como vino. / As written.';
comment on column five_w_rows.admin1 is 'Admin1 tal como vino. / As written.';
comment on column five_w_rows.admin2 is 'Admin2 tal como vino. / As written.';
comment on column five_w_rows.appealing_org is 'Organización que apela (Appealing_org). / Appealing organisation.';
comment on column five_w_rows.implementing_partner is 'Socio que implementó la actividad (Implementing_partner). / Implementing partner.';
comment on column five_w_rows.subsector is 'Subsector de R4V. / R4V subsector.';
comment on column five_w_rows.activity_name is 'Actividad (Activity_Name). / Activity.';
comment on column five_w_rows.rmrp_activity is 'Si es una actividad del RMRP (RMRPActivity: Yes/No). / Whether it is an RMRP activity.';
comment on column five_w_rows.delivery_mechanism is 'Mecanismo de entrega de la transferencia. / Cash delivery mechanism.';
comment on column five_w_rows.cva is 'Es asistencia en efectivo o cupones (CVA). / Cash and voucher assistance.';
comment on column five_w_rows.cva_value is 'Valor de la transferencia (Value). / Value transferred.';
comment on column five_w_rows.total_monthly is 'Personas alcanzadas en el mes (Total_monthly); vacío en exportaciones antiguas. / People reached in the month.';
comment on column five_w_rows.new_beneficiaries is 'Personas alcanzadas por primera vez en el año (New_beneficiaries). / New beneficiaries.';
comment on column five_w_rows.in_destination is 'Nuevas en destino. / New, in destination.';
comment on column five_w_rows.in_transit is 'Nuevas en tránsito. / New, in transit.';
comment on column five_w_rows.host_community is 'Nuevas de la comunidad de acogida. / New, host community.';
comment on column five_w_rows.pendular is 'Nuevas pendulares. / New, pendular.';
comment on column five_w_rows.returnee is 'Nuevas retornadas. / New, returnees.';
comment on column five_w_rows.girls is 'Nuevas niñas. / New girls.';
comment on column five_w_rows.boys is 'Nuevos niños. / New boys.';
comment on column five_w_rows.women is 'Nuevas mujeres. / New women.';
comment on column five_w_rows.men is 'Nuevos hombres. / New men.';
comment on column five_w_rows.other_under_18 is 'Nuevas personas de otro sexo, menores de 18. / New, other sex under 18.';
comment on column five_w_rows.other_over_18 is 'Nuevas personas de otro sexo, de 18 o más. / New, other sex 18 and over.';

-- A period's first and last day, whatever its kind: a month (YYYY-MM), a quarter (YYYY-Qn) or a year
-- (YYYY): every fact and mart carries them, for BI tools that filter on dates.
create or replace macro period_start(period) as
    case
        when period similar to '[0-9]{4}-[0-9]{2}' then cast(strptime(period || '-01', '%Y-%m-%d') as date)
        when period similar to '[0-9]{4}-Q[1-4]'
            then make_date(cast(left(period, 4) as integer), 3 * cast(right(period, 1) as integer) - 2, 1)
        when period similar to '[0-9]{4}' then make_date(cast(period as integer), 1, 1)
    end;

create or replace macro period_end(period) as
    case
        when period similar to '[0-9]{4}-[0-9]{2}' then last_day(cast(strptime(period || '-01', '%Y-%m-%d') as date))
        when period similar to '[0-9]{4}-Q[1-4]'
            then last_day(make_date(cast(left(period, 4) as integer), 3 * cast(right(period, 1) as integer), 1))
        when period similar to '[0-9]{4}' then make_date(cast(period as integer), 12, 31)
    end;

-- An area as OCHA codes it (p-code: PE + its INEI code: PE24, PE2403, PE240302) and its name with its
-- level, since "Tumbes" is a department, a province and a district.
create or replace macro pcode(area_code) as 'PE' || area_code;

create or replace macro area_label(area_name, admin_level) as
    area_name || ' (' || case admin_level
        when 'district' then 'distrito'
        when 'province' then 'provincia'
        when 'department' then 'departamento'
        else admin_level
    end || ')';

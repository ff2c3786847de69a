-- The data dictionary as a view: `describe` in DuckDB does not show comments, so analysts get one
-- place that lists every documented table and view with its columns and their descriptions.
-- The intake views pass their base tables' columns through: a view column without a comment of
-- its own takes the comment of the same column in the table it comes from, so each description is
-- written once.

comment on column value_history.is_current is 'Verdadero si es la versión vigente (la que muestra indicator_values). / True for the current version (the one indicator_values shows).';

create view data_dictionary as
with documented as (
    select table_name as name, 'table' as kind, comment from duckdb_tables() where schema_name = 'main'
    union all
    select view_name, 'view', comment from duckdb_views() where schema_name = 'main' and not internal
),

-- Where a view or slice table takes its columns from, in order of preference.
sources (name, source, preference) as (
    values
        ('indicator_values', 'observations', 1),
        ('value_history', 'observations', 1),
        ('value_history', 'submissions', 2),
        ('need_values', 'need_targets', 1),
        ('current_slices', 'submissions', 1),
        ('current_slices', 'observations', 2),
        ('current_need_slices', 'submissions', 1),
        ('current_need_slices', 'need_targets', 2)
),

columns as (
    select schema_name, table_name, column_index, column_name, data_type, comment
    from duckdb_columns()
    where schema_name = 'main'
),

inherited as (
    select sources.name, columns.column_name, arg_min(columns.comment, sources.preference) as comment
    from sources
    join columns on columns.table_name = sources.source
    where columns.comment is not null
    group by sources.name, columns.column_name
)

select
    documented.name as table_name,
    case
        when documented.name like 'gap\_%' escape '\' or documented.name like 'dim\_%' escape '\'
            or documented.name like 'fct\_%' escape '\' then 'mart'
        when documented.name like 'int\_%' escape '\' then 'intermediate'
        when documented.name like 'stg\_%' escape '\' then 'staging'
        else 'intake'
    end as layer,
    documented.kind,
    documented.comment as table_comment,
    columns.column_index,
    columns.column_name,
    columns.data_type,
    coalesce(columns.comment, inherited.comment) as column_comment
from documented
join columns on columns.table_name = documented.name
left join inherited on inherited.name = documented.name and inherited.column_name = columns.column_name
where documented.comment is not null and documented.name <> 'data_dictionary';

comment on view data_dictionary is 'Diccionario de datos: cada tabla y vista documentada, con sus columnas y descripciones (español / inglés). / Data dictionary: every documented table and view with its columns and descriptions.';
